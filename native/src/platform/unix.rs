//! The platform seam on Unix (Linux and macOS): libc's clocks, signals,
//! `wait4` and descriptor inheritance.
//!
//! A worker dies with its runner through `PR_SET_PDEATHSIG` on Linux; macOS
//! has no such flag, so there a worker leaves when the runner's end of its
//! stdin pipe closes (the runner died) and the runner's watchdog kills a
//! worker that stays silent.

use super::Woke;
use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

fn read_clock(clock: libc::clockid_t) -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec and the clock ids used here
    // exist on every supported Unix; clock_gettime only writes into it.
    let rc = unsafe { libc::clock_gettime(clock, &mut now) };
    assert_eq!(rc, 0, "clock_gettime failed");
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// `CLOCK_MONOTONIC`: one clock for every process on the machine.
pub fn monotonic_ns() -> u64 {
    read_clock(libc::CLOCK_MONOTONIC)
}

/// CPU time used by the calling thread.
pub fn thread_cpu_ns() -> u64 {
    read_clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time used by the whole process (every thread).
pub fn process_cpu_ns() -> u64 {
    read_clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn rusage(who: libc::c_int) -> Duration {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage; RUSAGE_SELF and
    // RUSAGE_CHILDREN exist on every Unix.
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// CPU time of this process and of its children that have been reaped.
pub fn own_cpu() -> Duration {
    rusage(libc::RUSAGE_SELF) + rusage(libc::RUSAGE_CHILDREN)
}

/// Raises the soft limit on open files to the hard one.
pub fn raise_open_file_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Starts a child; it arranges to die with this process itself
/// ([`die_with_parent`]).
pub fn spawn_child(command: &mut Command) -> io::Result<Child> {
    command.spawn()
}

/// Starts a child as the leader of a process group of its own, so that
/// [`kill_group`] also reaches what it starts.
pub fn spawn_group_leader(command: &mut Command) -> io::Result<Child> {
    command.process_group(0).spawn()
}

/// Asks the kernel to kill this process when the thread that started it
/// ends (Linux); nothing on macOS (the pipes and the watchdog do it).
pub fn die_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_PDEATHSIG only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

/// True while `parent` is still this process's parent.
pub fn parent_is(parent: u32) -> bool {
    // SAFETY: getppid cannot fail and touches no memory.
    let actual = unsafe { libc::getppid() };
    actual as u32 == parent
}

/// Kills the child `pid` (SIGKILL). The caller makes sure it is not reaped
/// yet, so the pid names no one else.
pub fn kill(pid: u32) {
    // SAFETY: kill has no memory effects; a stale pid only yields ESRCH.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
}

/// Kills every process in the group that `pid` leads.
pub fn kill_group(pid: u32) {
    // SAFETY: as in `kill`; the minus sign names the whole process group.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}

/// Blocks until the child `pid` has ended, without reaping it: until it is
/// reaped its pid cannot be handed out again, so it may still be killed
/// safely.
pub fn wait_until_ended(pid: u32) {
    loop {
        // SAFETY: siginfo_t is plain old data, valid when zeroed.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a live, writable local.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// Waits for the child `pid` and reads the kernel's account of its CPU
/// time (`wait4`), which covers a child killed before it could report.
pub fn reap(pid: u32) -> (io::Result<ExitStatus>, u64) {
    let pid = pid as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data, valid when zeroed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers refer to live, writable locals.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
            let cpu_ns = (micros(usage.ru_utime) + micros(usage.ru_stime)) * 1000;
            return (Ok(ExitStatus::from_raw(status)), cpu_ns);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return (Err(err), 0);
        }
    }
}

/// How a child ended, for people: "was killed by signal 9 (SIGKILL)".
pub fn describe_status(status: &ExitStatus) -> String {
    let name = |signal| match signal {
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGINT => " (SIGINT)",
        _ => "",
    };
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}{}", name(signal)),
        (None, None) => format!("ended: {status}"),
    }
}

/// Sets the listening socket's accept queue to `backlog`: listening again
/// resizes it (Linux allows it).
pub fn set_backlog(listener: &TcpListener, backlog: i32) -> io::Result<()> {
    // SAFETY: listen on a socket the caller owns; no memory is passed.
    if unsafe { libc::listen(listener.as_raw_fd(), backlog) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Which of `fds` are readable after waiting up to `timeout_ms` (-1: forever).
fn poll_readable(fds: &[RawFd], timeout_ms: i32) -> io::Result<Vec<bool>> {
    let mut polled: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: the pointer and length describe `polled`, which outlives the call.
    let rc = unsafe {
        libc::poll(
            polled.as_mut_ptr(),
            polled.len() as libc::nfds_t,
            timeout_ms,
        )
    };
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    Ok(polled.iter().map(|p| p.revents != 0).collect())
}

/// Waits up to `timeout_ms` for a connection on `listener`; true if one
/// may be waiting.
pub fn wait_for_connection(listener: &TcpListener, timeout_ms: i32) -> io::Result<bool> {
    Ok(poll_readable(&[listener.as_raw_fd()], timeout_ms)?[0])
}

/// True for accept errors (by OS error code) that concern one connection,
/// not the listener: accept(2) says to try again.
pub fn accept_error_is_transient(code: i32) -> bool {
    #[cfg(target_os = "linux")]
    if code == libc::ENONET {
        return true;
    }
    matches!(
        code,
        libc::EPROTO
            | libc::ENETDOWN
            | libc::ENOPROTOOPT
            | libc::EHOSTDOWN
            | libc::EHOSTUNREACH
            | libc::EOPNOTSUPP
            | libc::ENETUNREACH
    )
}

/// True when `err` says this process (or the system) ran out of files.
pub fn out_of_files(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// Arranges for the child that `command` starts to inherit `listener`
/// (its close-on-exec flag is cleared in the child only, between fork and
/// exec); returns the token the child hands to [`adopt_listener`].
pub fn share_listener(command: &mut Command, listener: &TcpListener) -> io::Result<String> {
    let fd = listener.as_raw_fd();
    // SAFETY: the closure runs in the child between fork and exec and only
    // calls fcntl, which is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(fd.to_string())
}

/// The listener a runner shared with this worker ([`share_listener`]).
pub fn adopt_listener(token: &str) -> io::Result<TcpListener> {
    let fd: RawFd = token.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a descriptor: {token}"),
        )
    })?;
    // SAFETY: the runner passed this descriptor open for us alone to own.
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    listener.local_addr().map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("descriptor {fd} is not a listening socket: {err}"),
        )
    })?;
    Ok(listener)
}

/// Waits, with no deadline, until `listener` has a connection or stdin has
/// something to read (a frame, or the runner closing the pipe).
pub fn wait_for_connection_or_input(listener: &TcpListener) -> io::Result<Woke> {
    let stdin_fd = std::io::stdin().as_raw_fd();
    let ready = poll_readable(&[listener.as_raw_fd(), stdin_fd], -1)?;
    Ok(Woke {
        connection: ready[0],
        input: ready[1],
    })
}

/// The end of `concur serve`: resolves on Ctrl-C or SIGTERM. The handlers
/// are installed when this returns, before the future is first polled.
pub fn interrupted() -> io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
