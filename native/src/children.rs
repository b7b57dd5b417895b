//! Worker processes the runner has started, so none outlives it.
//!
//! Every child is registered here from spawn until it is reaped. Ctrl-C (or
//! SIGTERM) kills every registered child before the runner exits with 130;
//! children also ask the kernel to kill them if the runner dies
//! (`PR_SET_PDEATHSIG`, see `exec::worker`).

use std::sync::Mutex;

static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// Children started as the leader of a process group of their own (a
/// Python twin and the processes it starts): Ctrl-C kills the whole group.
static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn groups() -> std::sync::MutexGuard<'static, Vec<u32>> {
    GROUPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `pid`, the leader of its own process group.
pub fn register_group(pid: u32) {
    groups().push(pid);
}

/// Kills what is left of `pid`'s group (it has exited or must stop) and
/// forgets it.
pub fn kill_group(pid: u32) {
    // SAFETY: kill has no memory effects; an empty group only yields ESRCH.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
    groups().retain(|&group| group != pid);
}

fn children() -> std::sync::MutexGuard<'static, Vec<u32>> {
    CHILDREN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn register(pid: u32) {
    children().push(pid);
}

pub fn unregister(pid: u32) {
    children().retain(|&child| child != pid);
}

/// Kills and reaps every registered child, then exits with 130.
///
/// The registry stays locked until the process is gone: a feeder thread
/// that sees its child die blocks in [`unregister`], so the run cannot
/// report the kills as worker failures and exit 1 before this exits 130.
fn kill_all_and_exit() -> ! {
    let registry = children();
    for &group in groups().iter() {
        // SAFETY: as below; the minus sign names the whole process group.
        unsafe {
            libc::kill(-(group as libc::pid_t), libc::SIGKILL);
        }
    }
    for &pid in registry.iter() {
        // SAFETY: kill has no memory effects; a stale pid only yields ESRCH.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
    }
    for &pid in registry.iter() {
        // SAFETY: a null status pointer is allowed. Reaping here leaves no
        // zombie behind for an init that does not reap.
        unsafe {
            libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
        }
    }
    crate::db::remove_databases(&crate::db::db_dir());
    eprintln!("concur: interrupted; stopped every worker");
    std::process::exit(130);
}

/// On Ctrl-C or SIGTERM: kill the children, say so, exit 130.
pub fn exit_on_interrupt() {
    let installed = ctrlc::set_handler(|| kill_all_and_exit());
    // A second call (bench runs several experiments) keeps the first handler.
    if let Err(ctrlc::Error::MultipleHandlers) | Ok(()) = installed {
        return;
    }
    eprintln!("concur: warning: cannot catch Ctrl-C: {installed:?}");
}
