//! Integration tests of the `concur` command line: they run the real binary
//! (the debug build cargo made for this test target) as a child process and
//! check its exit statuses, its JSON reports and Chrome traces, `concur
//! serve` from outside, refusals of bad input, and that no worker process
//! outlives a command (a killed worker, Ctrl-C, a normal run). They never
//! assert wall-clock times, only ratios within one run.

mod advise;
mod bad_input;
mod bench;
mod catalog;
mod children;
mod compare;
mod convoy;
mod echo;
mod echo_losses;
mod export;
mod faults;
mod procs;
mod python;
mod run_cpu;
mod run_io;
mod schema;
mod serve;
mod shell;
mod stats;
mod support;
mod traces;
