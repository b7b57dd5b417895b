//! The `concur` binary: all of it lives in the library (`concur::main`).

fn main() -> std::process::ExitCode {
    concur::main()
}
