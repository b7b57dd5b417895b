//! Sections 6 and 7 of the course: the comparison table, told row by row,
//! and the decision flow that turns it into three questions.

use crate::lessons::{Lesson, Preset};

/// Section 6: the three models compared along the tutorial's dimensions.
pub(super) fn comparison() -> Lesson {
    Lesson {
        id: "comparison",
        section: 6,
        title: "Threads, processes and async compared",
        body: &[
            "Best use: threads for I/O-bound work with a moderate number of operations at \
             once, especially with blocking libraries; processes for CPU-bound work; async \
             for many network connections at the same time.",
            // Sources: Lib/asyncio/base_events.py (getaddrinfo in the default
            // executor); Lib/asyncio/threads.py (to_thread).
            "Effect of the GIL and true parallelism: threads run Python code one at a time \
             and release the lock while they wait, so they overlap waiting but never compute \
             in parallel (unless a C extension releases the lock, or on a free-threaded \
             build). Processes each have their own GIL and compute on as many cores as there \
             are workers. Async runs its coroutines on one thread: they never compute in \
             parallel, and they contend for the GIL only with the threads asyncio starts \
             for name lookups (loop.getaddrinfo) and asyncio.to_thread.",
            // Sources: measured for this course (CPython 3.11.7, 2-core Linux,
            // median of 3-7 runs); glibc's pthread_create (a thread's stack is
            // reserved at the stack rlimit, 8 MB by default); the tutorial's
            // table for its 1-2 MB and 20-50 MB.
            "Memory per worker is measured three ways. Virtual memory is address space a \
             process has reserved, used or not; resident memory (RSS) is what sits in RAM \
             now; private memory is the resident part no other process shares. A thread \
             reserves an 8 MB stack (Linux's default), but that is virtual: its pages become \
             resident only when touched, so a thread blocked in time.sleep adds about 15.7 KB \
             resident. A sleeping asyncio task adds about 1.24 KB: both cost kilobytes. A \
             fork worker of a Pool shows 16 MB resident, of which only 2 MB is private, the \
             rest shared copy-on-write with its parent; a spawn worker, a fresh interpreter, \
             shows 22.5 MB with 12 MB private, and reaches about 40 MB only once it imports \
             libraries such as requests and aiohttp. Starting one takes 12.7 µs for a task, \
             65 µs for a thread, 1.6 ms for a fork process and 40 ms for a spawn process. \
             (All measured for this course: CPython 3.11.7 on a 2-core Linux machine.) The \
             tutorial's 1-2 MB per thread counts the reserved stack, not memory used, and \
             its 20-50 MB per process fits spawn workers that import big libraries.",
            "Context-switch overhead and scale: the OS switches threads, and under the GIL \
             they also hand the lock back and forth; threads scale to hundreds. Switching \
             processes changes address spaces and their data travels through pipes; for CPU \
             work they stop paying off beyond the number of cores. Switching coroutines is a \
             return to the event loop, the cheapest of the three, so async scales to \
             thousands. As a rule of thumb: threads for 10 to 100 concurrent I/O operations, \
             async for 100 or more, up to thousands.",
            "Sharing data: threads share memory, which makes passing data easy and calls for \
             locks. Processes share nothing by default; data is pickled through queues and \
             pipes, or placed in multiprocessing.shared_memory or a Manager. Coroutines share \
             memory on one thread, and since they switch only at await, a block of code \
             without an await needs no lock.",
            "Code complexity and debugging: threads keep ordinary code, but races and \
             deadlocks are hard to reproduce. Processes need picklable arguments, the \
             __main__ guard and some care with start-up, and errors happen in another \
             process. Async needs async def and await all the way down plus async libraries; \
             its usual bugs, a forgotten await or a blocking call that stalls the loop, show \
             up in asyncio's debug mode (asyncio.run(main(), debug=True)).",
            "Python versions: threading has been in Python since the 1990s, multiprocessing \
             since 2.6, asyncio since 3.4 with async and await since 3.5, asyncio.run since \
             3.7, to_thread since 3.9, TaskGroup and asyncio.timeout since 3.11, and \
             free-threaded builds since 3.13. Rust changes one column: its threads have no \
             GIL, which the playground shows as threads-free beside the emulated threads-gil. \
             Every run times start-up (spawn) and data copying (serialize), so you can check \
             the table's costs on your own machine.",
        ],
        python: r#"import asyncio
import multiprocessing as mp
import threading
import time


def nothing():
    pass


async def nothing_async():
    pass


def start_cost(label, count, make):
    start = time.perf_counter()
    workers = [make() for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    each_us = (time.perf_counter() - start) / count * 1e6
    print(f"{label:<9} {each_us:10.1f} us to start and finish")


async def coroutine_cost(count):
    start = time.perf_counter()
    await asyncio.gather(*(nothing_async() for _ in range(count)))
    each_us = (time.perf_counter() - start) / count * 1e6
    print(f"{'coroutine':<9} {each_us:10.1f} us to start and finish")


if __name__ == "__main__":
    # Ours (CPython 3.11.7, 2-core Linux): thread 65 us, fork 1.6 ms, task 12.7 us.
    start_cost("thread", 1_000, lambda: threading.Thread(target=nothing))
    start_cost("process", 20, lambda: mp.Process(target=nothing))  # spawn: 40 ms
    asyncio.run(coroutine_cost(10_000))
"#,
        rust: r#"// crates/core/src/model.rs: the models every experiment runs under
pub enum Model {
    /// One thread, one task after another: the baseline.
    Sequential,
    ThreadsGil, // OS threads (Web Workers in the browser) behind the emulated GIL
    /// OS threads with no GIL, as in Rust or free-threaded CPython.
    ThreadsFree,
    /// Separate processes (separate Web Workers) that share no memory.
    Processes,
    /// One thread running an event loop with a concurrency limit.
    Async,
}

// crates/core/src/model.rs: what each model stands for, in one line
pub fn describe(self) -> &'static str {
    match self {
        Model::Sequential => "one thread, tasks one after another",
        Model::ThreadsGil => {
            "threads behind one global lock (CPython's GIL, 5 ms switch interval)"
        }
        Model::ThreadsFree => "threads with no GIL (Rust, free-threaded CPython 3.13t+)",
        Model::Processes => "a pool of worker processes, data copied across pipes",
        Model::Async => "one thread, one event loop, a concurrency limit",
    }
}
"#,
        experiment: None,
        preset: Preset::default(),
        predict: None,
        takeaways: &[
            // Source: measured for this course (CPython 3.11.7, 2-core Linux).
            "Threads: kilobytes resident each, shared memory, no parallel Python under the \
             GIL; 10-100 I/O tasks.",
            "Processes: real parallelism; a fork worker costs about 2 MB private and 1.6 ms, \
             a spawn worker 12 MB and 40 ms; about one per core.",
            "Async: thousands of connections on one thread, at the price of async code.",
        ],
    }
}

/// Section 7: the decision flow.
pub(super) fn decision_flow() -> Lesson {
    Lesson {
        id: "decision-flow",
        section: 7,
        title: "Choosing a model: three questions",
        body: &[
            "First question: is the work CPU-bound, with most of its time spent computing \
             rather than waiting? Then use processes. The GIL keeps threads from computing in \
             parallel, and an event loop never computes in parallel at all.",
            "Second question, for I/O-bound work: how many operations are in flight at once? \
             Under about 100, use threads. At that scale a thread per operation costs little, \
             and the code keeps its ordinary blocking libraries.",
            "Third question, for 100 or more: can the code become async? That needs an async \
             library for what you talk to (aiohttp or httpx for HTTP, asyncpg for \
             PostgreSQL, and so on) and no legacy blocking code in the way. If so, use \
             asyncio; if not, stay with threads, in a bounded pool.",
            "To tell whether a job is CPU-bound, measure it: when CPU time (time.process_time) \
             is close to wall time (time.perf_counter), it computes; when it is far below, it \
             waits. concur run shows the same in its cpu column, where 100% means one core \
             busy. A job that does both can be split, for instance asyncio for fetching and a \
             process pool for parsing.",
            // Sources: PEP 684 (a GIL per interpreter, 3.12); PEP 734
            // (concurrent.interpreters, 3.14); "What's New in Python 3.14"
            // (concurrent.futures.InterpreterPoolExecutor).
            "A fourth answer for CPU-bound work sits between threads and processes: \
             subinterpreters, several Python interpreters in one process. Since Python 3.12 \
             each interpreter can have a GIL of its own (PEP 684), so they can compute on \
             several cores at once, and Python 3.14 lets plain Python code use them, through \
             the concurrent.interpreters module (PEP 734) and \
             concurrent.futures.InterpreterPoolExecutor. Like processes, interpreters share \
             no Python objects, so data passes between them as copies or through queues made \
             for it; like threads, they all live in one process. Many C extensions do not \
             support them yet, so check your libraries before you choose them.",
            "The page's advisor and concur advise ask these three questions and answer with \
             the model, the reasons, and the experiment that shows it: cpu-sqrt for \
             processes, scraper for threads, async-requests for async, and quick-io for \
             threads when async is not an option. The thresholds are rules of thumb, not \
             hard limits, so run the experiment with your own numbers.",
        ],
        python: r#"MANY = 100  # concurrent I/O operations where threads stop being the easy answer


def choose(cpu_bound: bool, concurrent_io: int, can_go_async: bool) -> str:
    if cpu_bound:
        # 3.14 adds InterpreterPoolExecutor: a GIL per interpreter, one process
        return "multiprocessing"  # the GIL stops threads; async never computes at once
    if concurrent_io < MANY:
        return "threading"  # cheap at this scale, blocking libraries are fine
    if can_go_async:
        return "asyncio"  # one event loop holds thousands of connections
    return "threading"  # legacy blocking code: a bounded thread pool


if __name__ == "__main__":
    jobs = {
        "resize 10,000 images": (True, 0, False),
        "call 20 REST endpoints": (False, 20, True),
        "poll 5,000 devices over HTTP": (False, 5_000, True),
        "5,000 queries through a blocking-only driver": (False, 5_000, False),
    }
    for job, answers in jobs.items():
        print(f"{job:<46} -> {choose(*answers)}")
"#,
        rust: r#"// crates/core/src/advise.rs: the decision flow (the reasons left out)
pub const MANY_CONNECTIONS: u32 = 100;
pub fn advise(situation: Situation) -> Advice {
    if situation.cpu_bound {
        return Advice {
            pick: Pick::Processes,
            // ... the reasons: CPU-bound, one GIL, one-thread async
            experiment: "cpu-sqrt",
        };
    }
    // ... the reasons so far: I/O-bound, and the GIL is free while waiting
    if situation.concurrent_io < MANY_CONNECTIONS {
        // ... a modest number: a thread per operation costs little
        return Advice {
            pick: Pick::Threads,
            reasons,
            experiment: "scraper",
        };
    }
    if situation.can_go_async {
        // ... async libraries exist: one event loop serves them all
        Advice {
            pick: Pick::Async,
            reasons,
            experiment: "async-requests",
        }
    } else {
        // ... the code must stay blocking: threads, in a bounded pool
        Advice {
            pick: Pick::Threads,
            reasons,
            experiment: "quick-io",
        }
    }
}
"#,
        experiment: None,
        preset: Preset::default(),
        predict: None,
        takeaways: &[
            "CPU-bound: processes.",
            "I/O-bound with under about 100 at once: threads.",
            "100 or more at once: async if the code can go async, otherwise threads.",
        ],
    }
}
