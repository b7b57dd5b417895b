//! Sections 1 and 2 of the course: the same slow requests under every model,
//! and the GIL that decides which model can compute in parallel.
//!
//! Figures said to be "measured for this course" come from CPython 3.11.7 on
//! a 2-core Linux machine (fork the default start method, a local HTTP
//! server), median of 3 to 7 runs; the tutorial's figures come from its own
//! 4-core machine. The comment beside each paragraph names its source.

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
            // Source: the tutorial's own figures (its 4-core machine).
            "With threads, five threads each send one request and block until it answers. A \
             blocked thread gives up the GIL, so the other four can send theirs, and the five \
             waits happen together: about one second in all (the tutorial measured 1.05 s). \
             With async, one thread runs five coroutines; each sends its request and awaits \
             the answer, and the event loop resumes whichever is ready (1.02 s).",
            // Sources: Lib/multiprocessing/context.py (the default start method
            // per platform and version); "What's New in Python 3.14"
            // (forkserver becomes the Linux default); measured for this
            // course (1.6 ms per fork start, 1.03 s under fork, 1.73 s under
            // spawn with the target moved to module level).
            "With processes, five separate interpreters each send one request. They overlap \
             the waits as well, but each process must start first, and the cost depends on \
             the start method. Under fork, the Linux default up to Python 3.13, the child \
             begins as the parent itself: the two share their memory pages copy-on-write, \
             and a page is copied only when one of them writes to it. Measured for this \
             course (CPython 3.11.7 on a 2-core Linux machine), a fork start takes about \
             1.6 ms, and the tutorial's code finished its processes in 1.03 s, no slower \
             than the threads.",
            "The gap appears under spawn, the default on macOS and Windows, which boots a \
             fresh interpreter per worker that imports your modules again, and under \
             forkserver, the Linux default from Python 3.14, which forks each worker from a \
             server process instead of from your program. Both must pickle the function a \
             worker runs, so the tutorial's code, whose target is a function defined inside \
             another, does not even run under them; with the function moved to module level \
             it took 1.73 s under spawn on the same machine. The tutorial reports 2.35 s for \
             processes against about 1 s for the others, on its own machine.",
            "Here the same plan of five GETs runs under five models: sequential, threads with \
             an emulated GIL, threads with no GIL, processes and async. Natively, processes \
             are real OS processes (the concur binary started again as a worker) and async is \
             a one-thread tokio event loop. In the browser, threads are Web Workers sharing \
             memory, processes are Web Workers with their own WebAssembly instance, and async \
             is the page's own event loop with fetch.",
            // Source: the processes lanes' spawn slices in this playground.
            "What to look for: every bar except sequential should sit near one second, and in \
             the timeline the io-wait slices of the lanes overlap. Both thread models should \
             tie, since waiting needs no GIL. Each processes lane opens with a spawn slice: a \
             Rust worker starts in a millisecond or two, about what a fork start costs \
             CPython, so expect processes close to the threads, as CPython's are under fork. \
             A gap like the tutorial's comes from spawn or forkserver start-up, not from \
             processes as such.",
        ],
        python: include_str!("../twins/quick_io.py"),
        rust: r#"// crates/core/src/catalog/mod.rs: quick-io's plan, one GET per task
let ops = (0..params.tasks())
    .map(|_| Op::Get {
        url: url.clone(),
        keep_alive: params.keep_alive(),
    })
    .collect();
(ops, Dispatch::Queue)

// native/src/exec/mod.rs: the same plan under each model
match model {
    Model::Sequential => threads::run_sequential(plan, env),
    Model::ThreadsGil => threads::run_threads(plan, workers, Some(env.gil_switch), env),
    Model::ThreadsFree => threads::run_threads(plan, workers, None, env),
    Model::Processes => processes::run_processes(plan, workers, env),
    Model::Async => asynch::run_async(plan, workers, env),
}

// crates/core/src/worker.rs: a blocking GET holds its thread, not the GIL
let mut around = |_step: Step, edge: Edge| match edge {
    Edge::Begin => {
        self.held = None; // each step (connect, send, receive) lets the GIL go
        step_started = self.now_ns();
    }
    Edge::End => {
        let back = self.now_ns();
        self.record(EventKind::IoWait, step_started, back, Some(task_idx));
        self.take_gil(Some(task_idx)); // may wait for a CPU-bound holder
    }
};
let reply = io.get_in_steps(request, &mut Steps::new(&mut around));
"#,
        experiment: Some("quick-io"),
        preset: Preset::default(),
        predict: Some(Prediction::FastestModel),
        takeaways: &[
            "Threads, processes and async all turn five 1 s waits into about one second.",
            // Source: measured for this course (fork 1.6 ms, spawn 40 ms).
            "Processes must start before they can wait: about 1.6 ms each under fork, tens \
             of milliseconds under spawn or forkserver.",
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
            // Sources: Python's glossary, "global interpreter lock"; PEP 703
            // (biased reference counting, per-object locks, mimalloc).
            "CPython's objects were built for one thread at a time. Every object carries a \
             reference count that changes whenever a reference is made or dropped, and \
             built-in types such as dict and list change their insides in several steps. \
             Two threads doing that at once could lose an update, see a half-made change, or \
             free an object still in use. Instead of a lock in every object, CPython puts one \
             mutex around the whole interpreter, the Global Interpreter Lock, which, in the \
             words of Python's glossary, makes the object model, built-in types such as dict \
             included, implicitly safe against concurrent access. A thread must hold it to \
             run Python bytecode, so only one thread runs Python code at a time, however many \
             cores the machine has. That is why removing it (PEP 703) took much more than \
             atomic reference counts: a lock per object for the built-in containers and a \
             new memory allocator as well.",
            // Source: Python/ceval_gil.c (take_gil, drop_gil, FORCE_SWITCHING).
            "The lock changes hands in two ways. A thread lets go of it around blocking calls \
             (reading a socket or a file, time.sleep, waiting for a lock), and many C \
             extensions let go during long computations. A thread that only computes keeps it \
             until asked: a thread that wants the lock waits one switch interval \
             (sys.getswitchinterval(), 5 ms by default) and then sets a drop request; the \
             holder sees it at its next check, releases the lock and waits until the other \
             thread has taken it, so it cannot grab it straight back.",
            // Sources: measured for this course (2.75 s against 2.80 s; counting
            // loops 1.00x at 5 ms, 1.04x slower at 0.5 ms); the tutorial's
            // figures; Lib/asyncio/base_events.py (getaddrinfo runs in the
            // default executor); aiohttp/resolver.py (ThreadedResolver);
            // Lib/asyncio/threads.py (to_thread).
            "What that means per model. Threads get no parallelism for Python code: \
             CPU-bound threads take turns, so four of them need about as long as one loop \
             doing all the work. The handovers themselves are cheap, microseconds every 5 ms. \
             Measured for this course (CPython 3.11.7 on a 2-core Linux machine), four sums \
             of 20,000,000 square roots took 2.75 s on four threads against 2.80 s in one \
             loop, and two counting loops on two threads took as long as one after the other \
             (4% longer with a 0.5 ms interval). So on CPython 3.11, CPU-bound threads run \
             about as fast as one thread: no gain, little loss. The tutorial reports 10.32 s \
             on four threads against 8.45 s in one loop (1.22x slower) and 2.35 s on four \
             processes (3.6x faster); its slowdown comes from its own machine and Python \
             version. Each process has its own interpreter and its own GIL. Asyncio's \
             coroutines share one thread, so they never compute in parallel and never \
             contend with each other for the lock; but asyncio hands some calls to a pool of \
             threads, and those do contend: loop.getaddrinfo (the name lookup before a new \
             connection), aiohttp's default resolver when aiodns is not installed, and \
             asyncio.to_thread.",
            // Sources: Python/ceval_gil.c (take_gil sets the drop request only
            // after a whole timed wait); measured for this course (+20.6 ms per
            // 10 ms request, 2.69x).
            "The convoy effect: put a thread that does short blocking I/O next to a \
             CPU-bound thread. Each time a blocking call returns, the I/O thread needs the \
             GIL back. It first waits a whole switch interval (take_gil in CPython's \
             Python/ceval_gil.c sets the drop request only after a full timed wait), and the \
             CPU-bound thread lets go only when asked, so beside a thread that only computes \
             it waits the whole interval, every time. One requests.get needs the lock back \
             several times: after connecting, after sending, after each receive. Measured for \
             this course, a request to an endpoint that answers after 10 ms took 20.6 ms \
             longer next to a counting loop, about four intervals: 2.69x its time alone.",
            // Source: measured for this course (Session 1.46x, 0.5 ms 1.15x,
            // CPU work in a process 0.99x).
            "Fewer blocking calls, smaller convoy. Every return from a blocking call costs an \
             interval, so cut the returns or the interval. A keep-alive requests.Session \
             reuses its connection and skips the connect: the same request was 1.46x as long \
             next to the loop. A shorter interval, sys.setswitchinterval(0.0005), makes each \
             wait shorter: 1.15x. Moving the CPU work into a process removes the contest: \
             0.99x, no convoy at all.",
            // Sources: PEP 703, PEP 779; "What's New in Python 3.14" (the
            // single-threaded cost of the free-threaded build).
            "Free-threaded CPython drops the lock altogether (PEP 703): an experimental build \
             in 3.13 (python3.13t), officially supported in 3.14 (PEP 779) but not the \
             default. There threads compute on several cores at once; single-threaded code \
             runs roughly 5-10% slower in 3.14, and importing a C extension that has not \
             declared itself safe turns the GIL back on unless you override it.",
            // Sources: crates/core/src/gil.rs; measured for this course (34.6 ns
            // per iteration, about 3.5 s per task of 100,000,000); one run of
            // `concur fidelity` on the machine this course was written on
            // (CPython 3.11.7, 2 cores, medians of 3 runs; README "Beside CPython").
            "Rust has no GIL, so this playground emulates one that follows CPython's rules: \
             a waiting thread asks for it after one switch interval (5 ms, the gil-switch-ms \
             knob), the holder checks every 16,384 iterations (about 20 µs of work), hands \
             over and waits until it has been taken, and every blocking step of a GET \
             (connecting, sending, each receive) runs with the lock released and takes it \
             back afterwards, as CPython's socket calls do. The threads-free model runs the same threads without it, as \
             free-threaded CPython does. This run sums 20,000,000 square roots four times \
             with two workers: expect threads-gil to take about as long as sequential, and \
             threads-free and processes close to half of it if two cores are free; in the \
             timeline, the GIL-on threads' run slices never overlap. In Python one sum of \
             100,000,000 square roots takes seconds, how many depends on the CPU: about \
             3.5 s (34.6 ns per iteration) on the machine measured for this course. The twin \
             prints your own figure. \
             How close is the emulation? concur fidelity runs the GIL-sensitive shapes \
             under CPython, through the Python twins, and under the emulated GIL, and \
             compares the ratios. On the machine this course was written on (CPython \
             3.11.7, 2 cores), a 10 ms request beside the twin's sums took 2.40x its time \
             alone in CPython and 2.21x under the emulated GIL; with keep-alive 1.52x and \
             1.46x; at a 0.5 ms interval 1.24x and 1.20x; with the sums in a process 1.09x \
             and 1.01x; four CPU-bound threads ran at 0.93x and 0.84x of one loop. Those \
             are that machine's figures, not yours: concur fidelity, or concur python \
             cpu-sqrt for this lesson's twin, measures your own.",
        ],
        python: include_str!("../twins/cpu_sqrt.py"),
        rust: r#"// crates/core/src/gil.rs: taking the emulated GIL, after CPython's take_gil
fn take(&self, worker: u32) {
    let mut state = self.lock_state();
    while state.holder.is_some() {
        let seen = state.switch_number;
        let (guard, timeout) = self
            .released
            .wait_timeout(state, self.switch_interval) // ...then unwrapped
        state = guard;
        if timeout.timed_out() && state.holder.is_some() && state.switch_number == seen {
            self.drop_request.store(true, Ordering::Release); // a whole interval
        }
    }
    state.holder = Some(worker);
    state.switch_number += 1;
    self.drop_request.store(false, Ordering::Release);
    self.taken.notify_all();
}
// crates/core/src/gil.rs: the holder's checkpoint, every 16,384 iterations
pub fn yield_if_requested(&mut self) -> bool {
    if !self.drop_requested() {
        return false;
    }
    // ... give the lock up, keeping the state locked
    let released_at = state.switch_number;
    while state.switch_number == released_at {
        state = self
            .gil
            .taken
            .wait(state) // ...then unwrapped: until someone else has taken it
    }
    drop(state);
    self.gil.take(self.worker);
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
            // Source: Python's glossary, "global interpreter lock".
            "The GIL lets one thread at a time run Python bytecode, and so keeps CPython's \
             objects, dicts and lists included, safe without locks of their own.",
            // Source: measured for this course (CPython 3.11.7, 2 cores).
            "On CPython 3.11, CPU-bound threads run about as fast as one thread: no gain, \
             little loss. For CPU work use processes, or a free-threaded 3.13t/3.14 build.",
            "Threads still help I/O, because a thread waiting on I/O releases the GIL.",
            // Source: Python/ceval_gil.c (take_gil); measured for this course.
            "Beside CPU-bound threads, short I/O waits a switch interval each time it needs \
             the GIL back (the convoy effect): make fewer blocking calls, or move the CPU \
             work to a process.",
        ],
    }
}
