//! The runner worker's entry (see `concur_web::runner`).

fn main() {
    concur_web::runner::runner_main();
}
