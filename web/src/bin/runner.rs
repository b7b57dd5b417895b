//! The runner worker's entry (see `concur_web::runner`), built without
//! SQLite: it runs every experiment but db-inserts.

fn main() {
    concur_web::runner::runner_main();
}
