//! The database runner's entry: the same runner (see `concur_web::runner`)
//! built with the `sqlite` feature, which the page starts only when a
//! learner runs db-inserts, so SQLite is downloaded only then.

fn main() {
    concur_web::runner::runner_main();
}
