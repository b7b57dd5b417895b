//! Sections 1 and 2 of the course: the same slow requests under every model,
//! and the GIL that decides which model can compute in parallel.

use crate::lessons::{Lesson, Prediction, Preset};

/// Section 1: five one-second requests under threads, processes and async.
pub(super) fn side_by_side() -> Lesson {
    Lesson {
        id: "side-by-side",
        section: 1,
        title: "Side by side: five slow requests",
        body: &[
            "The job: send five GET requests to a server that holds every answer for one \
             second. Done one after another it takes about five seconds, and nearly all of \
             that is waiting: while a request is in flight the CPU has nothing to do. Work \
             whose time goes to waiting on the network, a disk or a database is called \
             I/O-bound, and all three models can overlap the waits.",
            "With threads, five threads each send one request and block until it answers. A \
             blocked thread gives up the GIL, so the other four can send theirs, and the five \
             waits happen together: about one second in all (the tutorial measured 1.05 s). \
             With async, one thread runs five coroutines; each sends its request and awaits \
             the answer, and the event loop resumes whichever is ready (1.02 s).",
            "With processes, five separate interpreters each send one request. They overlap \
             the waits as well, but every process has to start first. Under fork that means \
             copying the parent, a matter of milliseconds; under spawn, the default on macOS \
             and Windows, each one boots a fresh interpreter and imports its modules again. \
             The tutorial measured 2.35 s for processes against about 1 s for the others.",
            "Here the same plan of five GETs runs under five models: sequential, threads with \
             an emulated GIL, threads with no GIL, processes and async. Natively, processes \
             are real OS processes (the concur binary started again as a worker) and async is \
             a one-thread tokio event loop. In the browser, threads are Web Workers sharing \
             memory, processes are Web Workers with their own WebAssembly instance, and async \
             is the page's own event loop with fetch.",
            "What to look for: every bar except sequential should sit near one second, and in \
             the timeline the io-wait slices of the lanes overlap. Both thread models should \
             tie, since waiting needs no GIL. Each processes lane opens with a spawn slice; a \
             compiled Rust worker starts in a millisecond or two, far faster than a Python \
             interpreter, so do not expect the tutorial's gap between processes and threads.",
        ],
        python: r#"import asyncio
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import aiohttp
import requests

URL = "http://127.0.0.1:8080/delay/1000"  # concur serve answers after 1 s
TASKS = 5


def fetch(url):
    return requests.get(url, timeout=10).status_code


async def fetch_all():
    async with aiohttp.ClientSession() as session:

        async def one():
            async with session.get(URL) as response:
                return response.status

        return await asyncio.gather(*(one() for _ in range(TASKS)))


def timed(label, run):
    start = time.perf_counter()
    statuses = run()
    print(f"{label:<10} {time.perf_counter() - start:5.2f} s  {statuses}")


if __name__ == "__main__":
    timed("sequential", lambda: [fetch(URL) for _ in range(TASKS)])
    with ThreadPoolExecutor(TASKS) as pool:
        timed("threads", lambda: list(pool.map(fetch, [URL] * TASKS)))
    with ProcessPoolExecutor(TASKS) as pool:  # workers start on first use
        timed("processes", lambda: list(pool.map(fetch, [URL] * TASKS)))
    timed("async", lambda: asyncio.run(fetch_all()))
"#,
        rust: r#"// crates/core/src/catalog.rs: quick-io's plan, one GET per task
fn delayed_gets(params: &Params, server_base: &str) -> (Vec<Op>, Dispatch) {
    let url = url(params, server_base, &format!("/delay/{}", params.delay_ms()));
    let ops = (0..params.tasks())
        .map(|_| Op::Get { url: url.clone() })
        .collect();
    (ops, Dispatch::Queue)
}

// native/src/exec/mod.rs: the same plan under each model
pub fn run_model(model: Model, workers: u32, plan: &Plan, env: &Env) -> RunOutcome {
    match model {
        Model::Sequential => threads::run_sequential(plan, env),
        Model::ThreadsGil => {
            threads::run_threads(plan, workers, Some(env.gil_switch), env)
        }
        Model::ThreadsFree => threads::run_threads(plan, workers, None, env),
        Model::Processes => processes::run_processes(plan, workers, env),
        Model::Async => asynch::run_async(plan, workers, env),
    }
}

// crates/core/src/worker.rs: a blocking GET holds its thread, not the GIL
let reply = self.without_gil(Some(task.idx), |ctx| {
    let sent = ctx.now_ns();
    let reply = io.get(url).map(Reply::Status); // the GIL is free meanwhile
    ctx.record(EventKind::IoWait, sent, ctx.now_ns(), Some(task.idx));
    reply
}); // ...and taken back here, which may mean waiting for it
"#,
        experiment: Some("quick-io"),
        preset: Preset::default(),
        predict: Some(Prediction::FastestModel),
        takeaways: &[
            "Threads, processes and async all turn five 1 s waits into about one second.",
            "Processes must start before they can wait; threads and coroutines start almost free.",
            "For waiting, the GIL does not matter: a thread releases it while it blocks.",
        ],
    }
}

/// Section 2: the GIL, on the square-root sums.
pub(super) fn gil() -> Lesson {
    Lesson {
        id: "gil",
        section: 2,
        title: "The GIL: one lock, one thread at a time",
        body: &[
            "CPython frees memory by reference counting: every object carries a count of the \
             references to it, and that count changes all the time. If two threads updated \
             the same count at the same moment, one update could be lost, and an object could \
             be freed while still in use or never freed at all. Instead of a lock on every \
             object, CPython puts one mutex around the whole interpreter, the Global \
             Interpreter Lock. A thread must hold it to run Python bytecode, so only one \
             thread runs Python code at a time, however many cores the machine has.",
            "The lock changes hands in two ways. A thread lets go of it around blocking calls \
             (reading a socket or a file, time.sleep, waiting for a lock), and many C \
             extensions let go during long computations. A thread that only computes keeps it \
             until asked: a thread that wants the lock waits one switch interval \
             (sys.getswitchinterval(), 5 ms by default) and then sets a drop request; the \
             holder sees it at its next check, releases the lock and waits until the other \
             thread has taken it, so it cannot grab it straight back.",
            "What that means per model. Threads get no parallelism for Python code: \
             CPU-bound threads take turns and pay for every handover, so the tutorial's four \
             sums of 100,000,000 square roots took 10.32 s on four threads against 8.45 s in \
             one loop (1.22x slower), and 2.35 s in a pool of four processes (3.6x faster). \
             Each process has its own interpreter and its own GIL. Asyncio runs on one \
             thread, so it never contends for the lock, and never computes in parallel \
             either.",
            "The convoy effect: put a thread that does many short I/O operations next to a \
             CPU-bound thread. Each time one of its operations completes, the I/O thread \
             needs the GIL back, and the CPU-bound thread gives it up only when asked, up to \
             a switch interval later. A loop of quick reads or requests can slow down several \
             times over. A shorter interval (sys.setswitchinterval) eases it; moving the CPU \
             work into a process removes it.",
            "Free-threaded CPython drops the lock altogether (PEP 703): an experimental build \
             in 3.13 (python3.13t), officially supported in 3.14 (PEP 779) but not the \
             default. There threads compute on several cores at once; single-threaded code \
             runs roughly 5-10% slower in 3.14, and importing a C extension that has not \
             declared itself safe turns the GIL back on unless you override it.",
            "Rust has no GIL, so this playground emulates one: a single lock that a worker \
             must hold to compute and that follows CPython's rules. A waiting thread asks for \
             it after one switch interval (5 ms, the gil-switch-ms knob), the holder checks \
             every 16,384 iterations (about 20 µs of work), hands over and waits until it has \
             been taken, and every blocking GET runs with the lock released. The threads-free \
             model runs the same threads without it, which is what free-threaded CPython aims \
             for.",
            "This run sums 20,000,000 square roots four times with two workers. Expect \
             threads-gil to take about as long as sequential, and threads-free and processes \
             close to half of it if two cores are free. In the timeline, run slices of the \
             GIL-on threads never overlap; the gaps between them are gil-wait slices.",
        ],
        python: r#"import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

N = 100_000_000  # square roots per task (this lesson's Run panel uses 20,000,000)
TASKS = 4
WORKERS = 4


def sum_sqrt(n):
    total = 0.0
    for i in range(n):
        total += math.sqrt(i)
    return total


def timed(label, run):
    start = time.perf_counter()
    total = sum(run())
    print(f"{label:<10} {time.perf_counter() - start:6.2f} s  total {total:.6e}")


if __name__ == "__main__":
    print("switch interval:", sys.getswitchinterval(), "s")  # 0.005
    gil_on = getattr(sys, "_is_gil_enabled", lambda: True)()  # 3.13+ can say False
    print("GIL enabled:", gil_on)
    timed("sequential", lambda: [sum_sqrt(N) for _ in range(TASKS)])
    with ThreadPoolExecutor(WORKERS) as pool:  # one core at a time under the GIL
        timed("threads", lambda: list(pool.map(sum_sqrt, [N] * TASKS)))
    with ProcessPoolExecutor(WORKERS) as pool:  # one GIL per process
        timed("processes", lambda: list(pool.map(sum_sqrt, [N] * TASKS)))
"#,
        rust: r#"// crates/core/src/gil.rs: the emulated GIL (error handling dropped)
pub fn acquire(&self, worker: u32) {
    let mut state = self.lock_state();
    while state.holder.is_some() {
        let seen = state.switch_number;
        let (guard, timeout) =
            self.released.wait_timeout(state, self.switch_interval).unwrap();
        state = guard;
        // A whole interval passed and nobody switched: ask the holder to let go.
        if timeout.timed_out() && state.holder.is_some() && state.switch_number == seen {
            self.drop_request.store(true, Ordering::Release);
        }
    }
    state.holder = Some(worker);
    state.switch_number += 1;
    self.drop_request.store(false, Ordering::Release);
    self.taken.notify_all();
}

// Called at every workload checkpoint (each 16,384 iterations).
pub fn yield_if_requested(&self, worker: u32) -> bool {
    if !self.drop_requested() {
        return false;
    }
    let mut state = self.lock_state();
    state.holder = None;
    let released_at = state.switch_number;
    self.released.notify_one();
    while state.switch_number == released_at {
        state = self.taken.wait(state).unwrap(); // until someone else took it
    }
    drop(state);
    self.acquire(worker);
    true
}
"#,
        experiment: Some("cpu-sqrt"),
        preset: Preset {
            tasks: Some(4),
            workers: Some(2),
            n: Some(20_000_000),
            delay_ms: None,
        },
        predict: Some(Prediction::GilThreadsHelp),
        takeaways: &[
            "The GIL lets one thread at a time run Python bytecode; it protects reference counts.",
            "Threads still help I/O, because a thread waiting on I/O releases the GIL.",
            "For CPU work use processes, or a free-threaded 3.13t/3.14 build.",
            "Short I/O next to CPU-bound threads suffers the convoy effect.",
        ],
    }
}
