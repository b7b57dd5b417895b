//! The page's entry: mounts the yew app on the body.

fn main() {
    yew::Renderer::<concur_web::app::App>::new().render();
}
