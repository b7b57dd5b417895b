//! Worker processes the runner has started, so none outlives it.
//!
//! Every child is registered here from spawn until it is reaped. Ctrl-C (or
//! SIGTERM) kills every registered child before the runner exits with 130;
//! children also die if the runner dies (`platform::spawn_child`: Linux's
//! `PR_SET_PDEATHSIG`, a Windows Job Object, on macOS the pipes closing).

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
    crate::platform::kill_group(pid);
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
        crate::platform::kill_group(group);
    }
    for &pid in registry.iter() {
        crate::platform::kill(pid);
    }
    for &pid in registry.iter() {
        // Reaping here leaves no zombie behind for an init that does not reap.
        let _ = crate::platform::reap(pid);
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
