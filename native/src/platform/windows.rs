//! The platform seam on Windows: `QueryPerformanceCounter`, process and
//! thread times, Job Objects and `TerminateProcess` (windows-sys).
//!
//! Before its first child, the runner puts itself in a Job Object with
//! `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`, so every worker it starts is born
//! in that job (no window between starting a child and assigning it); only
//! the runner holds the job's handle, so when the runner ends, however,
//! Windows kills every worker. A child
//! started as a group leader (a Python twin) gets a job of its own, which
//! [`kill_group`] terminates with everything the child started. The runner
//! keeps a handle to each child it started until [`reap`], so a pid is
//! never handed out again while the runner may still kill it.
//!
//! The echo pool's workers share the runner's listening socket by handle
//! inheritance, as Unix workers inherit the descriptor.

use super::Woke;
use std::io;
use std::io::Read;
use std::net::TcpListener;
use std::os::windows::io::{AsRawHandle, AsRawSocket, FromRawSocket};
use std::os::windows::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::Duration;
use windows_sys::Win32::Foundation::{
    CloseHandle, FILETIME, HANDLE, HANDLE_FLAG_INHERIT, SetHandleInformation, WAIT_TIMEOUT,
};
use windows_sys::Win32::Networking::WinSock::{
    POLLRDNORM, SOCKET, WSADATA, WSAPOLLFD, WSAPoll, WSAStartup,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
    SetInformationJobObject, TerminateJobObject,
};
use windows_sys::Win32::System::Performance::{QueryPerformanceCounter, QueryPerformanceFrequency};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetCurrentThread, GetExitCodeProcess, GetProcessTimes, GetThreadTimes,
    INFINITE, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE,
    PROCESS_TERMINATE, TerminateProcess, WaitForSingleObject,
};

/// The exit code [`kill`] gives a child, as a shell reports SIGKILL.
const KILLED: u32 = 137;

/// A FILETIME span (100 ns units) in nanoseconds.
fn filetime_ns(time: FILETIME) -> u64 {
    ((u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime)) * 100
}

/// `QueryPerformanceCounter`: one clock for every process on the machine.
pub fn monotonic_ns() -> u64 {
    static FREQUENCY: OnceLock<i64> = OnceLock::new();
    let frequency = *FREQUENCY.get_or_init(|| {
        let mut frequency = 0;
        // SAFETY: writes one i64 into a live local; cannot fail since XP.
        unsafe { QueryPerformanceFrequency(&mut frequency) };
        frequency.max(1)
    });
    let mut count = 0;
    // SAFETY: writes one i64 into a live local; cannot fail since XP.
    unsafe { QueryPerformanceCounter(&mut count) };
    (count as u128 * 1_000_000_000 / frequency as u128) as u64
}

/// Kernel plus user time of a process handle, in nanoseconds.
fn process_times(process: HANDLE) -> Option<u64> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: four live, writable FILETIMEs; a bad handle only fails.
    let ok = unsafe { GetProcessTimes(process, &mut created, &mut exited, &mut kernel, &mut user) };
    (ok != 0).then(|| filetime_ns(kernel) + filetime_ns(user))
}

/// CPU time used by the calling thread (`GetThreadTimes`, which Windows
/// counts in scheduler ticks).
pub fn thread_cpu_ns() -> u64 {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: the pseudo-handle of the calling thread and four live FILETIMEs.
    let ok = unsafe {
        GetThreadTimes(
            GetCurrentThread(),
            &mut created,
            &mut exited,
            &mut kernel,
            &mut user,
        )
    };
    if ok == 0 {
        return 0;
    }
    filetime_ns(kernel) + filetime_ns(user)
}

/// CPU time used by the whole process (every thread).
pub fn process_cpu_ns() -> u64 {
    // SAFETY: the pseudo-handle of this process needs no closing.
    process_times(unsafe { GetCurrentProcess() }).unwrap_or(0)
}

/// CPU time of the children [`reap`] has waited for.
static REAPED_CPU_NS: AtomicU64 = AtomicU64::new(0);

/// CPU time of this process and of its children that have been reaped.
pub fn own_cpu() -> Duration {
    Duration::from_nanos(process_cpu_ns() + REAPED_CPU_NS.load(Ordering::Relaxed))
}

/// Nothing to raise: Windows has no per-process soft limit on handles.
pub fn raise_open_file_limit() {}

/// A handle as an integer, so the registries can live in statics.
type Raw = usize;

/// The job the runner and every worker belong to (0 if Windows refused to
/// make it), and whether the runner is in it, so children are born in it.
fn workers_job() -> (Raw, bool) {
    static JOB: OnceLock<(Raw, bool)> = OnceLock::new();
    *JOB.get_or_init(|| {
        let Some(job) = new_job() else {
            return (0, false);
        };
        // SAFETY: a live job handle and this process's pseudo-handle.
        let joined = unsafe { AssignProcessToJobObject(job as HANDLE, GetCurrentProcess()) } != 0;
        (job, joined)
    })
}

/// A job that kills its processes when its last handle closes.
fn new_job() -> Option<Raw> {
    // SAFETY: no attributes, no name: a fresh anonymous job.
    let job = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
    if job.is_null() {
        return None;
    }
    // SAFETY: an all-zero limit structure is valid; only the flag is set.
    let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { std::mem::zeroed() };
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    // SAFETY: the pointer and size describe `limits`, which outlives the call.
    let set = unsafe {
        SetInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            (&raw const limits).cast(),
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        )
    };
    if set == 0 {
        // SAFETY: the job handle is ours and closed once.
        unsafe { CloseHandle(job) };
        return None;
    }
    Some(job as Raw)
}

/// Children started here and not reaped yet: pid, process handle, and the
/// job of a group leader.
static CHILDREN: Mutex<Vec<(u32, Raw, Option<Raw>)>> = Mutex::new(Vec::new());

fn children() -> std::sync::MutexGuard<'static, Vec<(u32, Raw, Option<Raw>)>> {
    CHILDREN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Keeps a handle of our own to `child` (std closes its handle when the
/// `Child` drops, and the pid could then be handed out again).
fn keep(child: &Child, job: Option<Raw>) {
    // SAFETY: opens the process we just started; a failure yields null.
    let handle = unsafe {
        OpenProcess(
            PROCESS_TERMINATE | PROCESS_SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
            0,
            child.id(),
        )
    };
    children().push((child.id(), handle as Raw, job));
}

/// The handle kept for `pid`, or a fresh one (not kept).
fn handle_of(pid: u32) -> (HANDLE, bool) {
    if let Some(&(_, handle, _)) = children().iter().find(|(p, ..)| *p == pid)
        && handle != 0
    {
        return (handle as HANDLE, false);
    }
    // SAFETY: opening a process by pid has no memory effects.
    let handle = unsafe {
        OpenProcess(
            PROCESS_TERMINATE | PROCESS_SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
            0,
            pid,
        )
    };
    (handle, true)
}

fn close(handle: HANDLE) {
    if !handle.is_null() {
        // SAFETY: a handle we own, closed once.
        unsafe { CloseHandle(handle) };
    }
}

/// Starts a child in the workers' job, so it dies with this process.
pub fn spawn_child(command: &mut Command) -> io::Result<Child> {
    let (job, joined) = workers_job();
    let child = command.spawn()?;
    if job != 0 && !joined {
        // This process could not join its job (an older Windows that
        // cannot nest jobs): put the child in after the fact.
        // SAFETY: both handles are live; a failure leaves the child out.
        unsafe { AssignProcessToJobObject(job as HANDLE, child.as_raw_handle() as HANDLE) };
    }
    keep(&child, None);
    Ok(child)
}

/// Starts a child in a job of its own, so that [`kill_group`] also reaches
/// what it starts, and that dies with this process too.
pub fn spawn_group_leader(command: &mut Command) -> io::Result<Child> {
    let _ = workers_job();
    let child = command.spawn()?;
    let job = new_job().filter(|&job| {
        // SAFETY: both handles are live.
        let joined =
            unsafe { AssignProcessToJobObject(job as HANDLE, child.as_raw_handle() as HANDLE) };
        if joined == 0 {
            close(job as HANDLE);
        }
        joined != 0
    });
    keep(&child, job);
    Ok(child)
}

/// Nothing to ask: the runner's job kills this process if the runner dies.
pub fn die_with_parent() {}

/// True while the process `parent` still runs.
pub fn parent_is(parent: u32) -> bool {
    // SAFETY: opening a process by pid has no memory effects.
    let handle = unsafe { OpenProcess(PROCESS_SYNCHRONIZE, 0, parent) };
    if handle.is_null() {
        return false;
    }
    // SAFETY: a live handle; a zero wait only asks whether it has ended.
    let running = unsafe { WaitForSingleObject(handle, 0) } == WAIT_TIMEOUT;
    close(handle);
    running
}

/// Kills the child `pid` (`TerminateProcess`, exit code 137).
pub fn kill(pid: u32) {
    let (handle, fresh) = handle_of(pid);
    if !handle.is_null() {
        // SAFETY: a live process handle; an ended process only fails.
        unsafe { TerminateProcess(handle, KILLED) };
    }
    if fresh {
        close(handle);
    }
}

/// Kills `pid` and everything in its job.
pub fn kill_group(pid: u32) {
    let job = children()
        .iter()
        .find(|(p, ..)| *p == pid)
        .and_then(|&(_, _, job)| job);
    match job {
        // SAFETY: the job handle is ours and still open.
        Some(job) => unsafe {
            TerminateJobObject(job as HANDLE, KILLED);
        },
        None => kill(pid),
    }
}

/// Blocks until the child `pid` has ended; its handle stays open, so the
/// pid is not handed out again before [`reap`].
pub fn wait_until_ended(pid: u32) {
    let (handle, fresh) = handle_of(pid);
    if !handle.is_null() {
        // SAFETY: a live handle with SYNCHRONIZE access.
        unsafe { WaitForSingleObject(handle, INFINITE) };
    }
    if fresh {
        close(handle);
    }
}

/// Waits for the child `pid`, reads its exit code and CPU time
/// (`GetProcessTimes`), and lets its handle go.
pub fn reap(pid: u32) -> (io::Result<ExitStatus>, u64) {
    wait_until_ended(pid);
    let kept = {
        let mut children = children();
        let at = children.iter().position(|(p, ..)| *p == pid);
        at.map(|at| children.remove(at))
    };
    let (handle, job) = match kept {
        Some((_, handle, job)) if handle != 0 => (handle as HANDLE, job),
        _ => (handle_of(pid).0, None),
    };
    if handle.is_null() {
        return (Err(io::Error::last_os_error()), 0);
    }
    let mut code = 0u32;
    // SAFETY: a live handle and a live, writable u32.
    let status = if unsafe { GetExitCodeProcess(handle, &mut code) } != 0 {
        Ok(ExitStatus::from_raw(code))
    } else {
        Err(io::Error::last_os_error())
    };
    let cpu_ns = process_times(handle).unwrap_or(0);
    REAPED_CPU_NS.fetch_add(cpu_ns, Ordering::Relaxed);
    close(handle);
    if let Some(job) = job {
        close(job as HANDLE);
    }
    (status, cpu_ns)
}

/// How a child ended, for people.
pub fn describe_status(status: &ExitStatus) -> String {
    match status.code() {
        Some(code) if code as u32 == KILLED => {
            format!("was killed (TerminateProcess, exit code {KILLED})")
        }
        Some(code) => format!("exited with status {code}"),
        None => format!("ended: {status}"),
    }
}

/// Windows keeps the queue std asked for (listening again changes
/// nothing), so this leaves it be.
pub fn set_backlog(_listener: &TcpListener, _backlog: i32) -> io::Result<()> {
    Ok(())
}

/// Waits up to `timeout_ms` for a connection on `listener` (`WSAPoll`);
/// true if one may be waiting.
pub fn wait_for_connection(listener: &TcpListener, timeout_ms: i32) -> io::Result<bool> {
    let mut polled = [WSAPOLLFD {
        fd: listener.as_raw_socket() as SOCKET,
        events: POLLRDNORM,
        revents: 0,
    }];
    // SAFETY: the pointer and length describe `polled`, which outlives the call.
    let rc = unsafe { WSAPoll(polled.as_mut_ptr(), 1, timeout_ms) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(polled[0].revents != 0)
}

/// True for accept errors (Winsock codes) that concern one connection,
/// not the listener.
pub fn accept_error_is_transient(code: i32) -> bool {
    // WSAENOPROTOOPT, WSAEOPNOTSUPP, WSAENETDOWN, WSAENETUNREACH,
    // WSAECONNRESET, WSAEHOSTDOWN, WSAEHOSTUNREACH.
    matches!(code, 10042 | 10045 | 10050 | 10051 | 10054 | 10064 | 10065)
}

/// True when `err` says Winsock ran out of sockets (WSAEMFILE).
pub fn out_of_files(err: &io::Error) -> bool {
    err.raw_os_error() == Some(10024)
}

/// Makes `listener`'s socket handle inheritable, so the child that
/// `command` starts (std starts children inheriting inheritable handles)
/// holds the same socket under the same value; returns that value for
/// [`adopt_listener`]. It stays inheritable until the listener closes at
/// the end of the run; the pool's workers are the only children started
/// meanwhile.
pub fn share_listener(_command: &mut Command, listener: &TcpListener) -> io::Result<String> {
    let socket = listener.as_raw_socket();
    // SAFETY: a live socket handle we own; only its inherit flag changes.
    let set =
        unsafe { SetHandleInformation(socket as HANDLE, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) };
    if set == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(socket.to_string())
}

/// The listener a runner shared with this worker ([`share_listener`]).
pub fn adopt_listener(token: &str) -> io::Result<TcpListener> {
    let socket: u64 = token.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a socket handle: {token}"),
        )
    })?;
    // std starts Winsock only when it makes a socket itself; this process
    // makes none before adopting one.
    // SAFETY: an all-zero WSADATA is valid for WSAStartup to fill in.
    let mut data: WSADATA = unsafe { std::mem::zeroed() };
    // SAFETY: `data` is live and writable; 2.2 is Winsock's version.
    let rc = unsafe { WSAStartup(0x0202, &mut data) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    // SAFETY: the runner made this handle inheritable for us alone to own.
    let listener = unsafe { TcpListener::from_raw_socket(socket) };
    listener.local_addr().map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("handle {socket} is not a listening socket: {err}"),
        )
    })?;
    Ok(listener)
}

/// Set once stdin had something to read (a frame, or the runner closing it).
static INPUT: AtomicBool = AtomicBool::new(false);

/// Winsock's "not a socket".
const WSAENOTSOCK: i32 = 10038;

/// How often a pool worker looks at its stdin flag while it waits.
const INPUT_POLL_MS: i32 = 20;

/// Waits, with no deadline, until `listener` has a connection or stdin has
/// something to read. A pipe cannot be polled with a socket on Windows: a
/// thread blocks on stdin and raises [`INPUT`], which the wait on the
/// socket looks at every 20 ms.
pub fn wait_for_connection_or_input(listener: &TcpListener) -> io::Result<Woke> {
    static WATCHING: Once = Once::new();
    WATCHING.call_once(|| {
        std::thread::spawn(|| {
            let mut byte = [0u8; 1];
            // A byte, the end, or an error: any of them means leave.
            let _ = std::io::stdin().read(&mut byte);
            INPUT.store(true, Ordering::SeqCst);
        });
    });
    loop {
        if INPUT.load(Ordering::SeqCst) {
            return Ok(Woke {
                connection: false,
                input: true,
            });
        }
        let connection = match wait_for_connection(listener, INPUT_POLL_MS) {
            Ok(connection) => connection,
            // Wine 8.0 cannot poll an inherited socket (WSAENOTSOCK) though
            // it accepts on it: try the accept after a short pause instead
            // (the worker's accept is non-blocking and retries).
            Err(err) if err.raw_os_error() == Some(WSAENOTSOCK) => {
                std::thread::sleep(Duration::from_millis(1));
                true
            }
            Err(err) => return Err(err),
        };
        if connection {
            return Ok(Woke {
                connection: true,
                input: false,
            });
        }
    }
}

/// The end of `concur serve`: resolves on Ctrl-C (or Ctrl-Break). The
/// handler is installed when this returns.
pub fn interrupted() -> io::Result<impl std::future::Future<Output = ()>> {
    let mut interrupt = tokio::signal::windows::ctrl_c()?;
    let mut brk = tokio::signal::windows::ctrl_break()?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = brk.recv() => {}
        }
    })
}
