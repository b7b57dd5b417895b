//! The platform seam: the few things concur asks of the operating system
//! beyond std, behind the same functions on every platform. Executors call
//! these; no `cfg` appears outside this module.
//!
//! - clocks: [`monotonic_ns`] (one clock every process shares, so worker
//!   processes stamp events on the runner's timeline), [`thread_cpu_ns`],
//!   [`process_cpu_ns`], [`own_cpu`] (this process and its reaped children);
//! - children: [`spawn_child`] (a worker that dies with its runner: Linux
//!   `PR_SET_PDEATHSIG` through [`die_with_parent`], Windows a Job Object
//!   that kills on close, macOS the pipes closing and the watchdog),
//!   [`spawn_group_leader`] and [`kill_group`] (a Python twin with what it
//!   starts), [`kill`], [`wait_until_ended`], [`reap`] (exit status and CPU
//!   time: `wait4`, `GetProcessTimes`), [`parent_is`], [`describe_status`];
//! - [`raise_open_file_limit`] (a no-op on Windows);
//! - sockets: [`set_backlog`], [`wait_for_connection`],
//!   [`accept_error_is_transient`], [`out_of_files`], and the echo pool's
//!   shared listener: [`share_listener`], [`adopt_listener`],
//!   [`wait_for_connection_or_input`] (the worker inherits the descriptor,
//!   or on Windows the socket handle);
//! - [`interrupted`]: Ctrl-C (and SIGTERM) for `concur serve`; runs use the
//!   ctrlc crate, which works everywhere.
//!
//! - [`system_busy_cpu`]: every process's CPU time since boot, for the
//!   busy-machine warning (`busy.rs`: `/proc/stat`, `host_statistics`,
//!   `GetSystemTimes`).
//!
//! `unix.rs` serves Linux and macOS, `windows.rs` Windows.

mod busy;
pub use busy::system_busy_cpu;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

pub use imp::{
    accept_error_is_transient, adopt_listener, describe_status, die_with_parent, interrupted, kill,
    kill_group, monotonic_ns, out_of_files, own_cpu, parent_is, process_cpu_ns,
    raise_open_file_limit, reap, set_backlog, share_listener, spawn_child, spawn_group_leader,
    thread_cpu_ns, wait_for_connection, wait_for_connection_or_input, wait_until_ended,
};

/// What woke a pool worker: a connection waiting, input on stdin, or both.
#[derive(Clone, Copy, Debug)]
pub struct Woke {
    pub connection: bool,
    pub input: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clocks_move_forward_and_cpu_time_adds_up() {
        let (wall, thread, process) = (monotonic_ns(), thread_cpu_ns(), process_cpu_ns());
        // Windows counts CPU time in scheduler ticks: work until one passes.
        let mut x = 0u64;
        while thread_cpu_ns() == thread && monotonic_ns() - wall < 2_000_000_000 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(monotonic_ns() > wall);
        assert!(thread_cpu_ns() > thread, "{x}");
        assert!(process_cpu_ns() > process);
    }
}
