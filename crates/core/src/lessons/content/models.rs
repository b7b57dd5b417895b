//! Sections 3 to 5 of the course: each model on the work it suits, namely
//! threads for a modest amount of I/O, processes for computation, and
//! asyncio for many connections at once.

use crate::lessons::{Lesson, Prediction, Preset};

/// Section 3: a scraper with a fixed pool of threads.
pub(super) fn threading() -> Lesson {
    Lesson {
        id: "threading",
        section: 3,
        title: "Threading for I/O: a worker pool",
        body: &[
            // Source: the tutorial's own figures (its 4-core machine, a distant
            // test service).
            "Threads suit I/O-bound work with a modest number of operations at once. The code \
             stays ordinary blocking code (requests.get, a database driver), and while one \
             thread waits for the network the GIL lets another one run. The tutorial's \
             scraper fetches five pages that each answer after 2 s: about 10 s one by one, \
             2.15 s with five threads.",
            // Sources: Lib/queue.py (Queue is thread-safe); Python's FAQ, "What
            // kinds of global value mutation are thread-safe?" (list.append).
            "It uses a fixed pool rather than a thread per URL, so a list of ten thousand URLs \
             still runs on five threads. The main thread puts the URLs on a queue.Queue, which \
             is safe to share between threads, and each worker loops: take a URL, fetch it, \
             record the result. Results go into a shared list under a threading.Lock. A \
             single append is atomic in CPython, but as soon as recording a result takes more \
             than one step, such as a check and then an insert or two counters to update, the \
             lock is what keeps the shared state consistent.",
            "A worker blocked in queue.get() cannot tell that the work is over, so after the \
             last URL the main thread puts one poison pill (a sentinel such as None) on the \
             queue per worker. A worker stops at the first pill it takes and never takes \
             another, so five pills stop exactly five workers; then the main thread joins \
             them all.",
            // Sources: the tutorial's figures; Lib/sqlite3 documentation
            // (check_same_thread defaults to True).
            "The tutorial's second example inserts rows into SQLite from four threads, ten \
             rows each, committing every insert and pausing 10 ms after it to stand for \
             processing: 40 rows in 0.45 s. Each worker opens its own connection, because a \
             sqlite3 connection by default refuses to be used by a thread other than the one \
             that created it, and a connection per thread keeps transactions apart. SQLite \
             still writes one transaction at a time; what the threads overlap is the time \
             between writes.",
            "In Rust the threads take task numbers from an atomic counter instead of a queue, \
             and a worker stops when the counter runs past the end of the list, so no poison \
             pill is needed; each thread hands its results back when it is joined, so no lock \
             either. In the browser each thread is a Web Worker blocked in a synchronous \
             XMLHttpRequest. This lesson sets the delay to 1000 ms: expect about 5 s \
             sequential and about 1 s for both thread models, with five io-wait slices side by \
             side in the timeline. Processes and async run too, for comparison.",
        ],
        python: include_str!("../twins/scraper.py"),
        rust: r#"// native/src/exec/threads.rs: one scoped OS thread per worker
let gil = gil_switch.map(Gil::new);
let next = AtomicUsize::new(0); // the queue: an index into the task list
let results: Vec<WorkerShare> = std::thread::scope(|scope| {
    let handles: Vec<_> = (0..workers)
        .map(|lane| {
            let (next, pending, gil) = (&next, &pending, gil.as_ref());
            std::thread::Builder::new()
                .name(format!("worker-{}", lane + 1))
                .spawn_scoped(scope, move || {
                    work(lane, workers, plan, next, pending, gil, env)
                })
                .expect("the OS refused to start a thread")
        })
        .collect();
    // ... then join them all and gather their shares

// crates/core/src/worker.rs: take the next task until none is left
while let Some(task) = plan.tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
    run_one(self, task);
}

// crates/core/src/worker.rs: ...and wait for each page with the GIL released
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
        experiment: Some("scraper"),
        preset: Preset {
            delay_ms: Some(1000),
            ..Preset::default()
        },
        predict: Some(Prediction::FastestModel),
        takeaways: &[
            "A fixed pool fed by a queue bounds the threads, however long the list.",
            "Stop the pool with one poison pill per worker, then join.",
            "Guard shared results with a lock; give each thread its own database connection.",
        ],
    }
}

/// Section 4: batch processing on a pool of processes.
pub(super) fn multiprocessing() -> Lesson {
    Lesson {
        id: "multiprocessing",
        section: 4,
        title: "Multiprocessing for CPU: a process pool",
        body: &[
            // Source: the tutorial's own figures (its 4-core machine).
            "For CPU-bound Python code, processes are the way around the GIL: each worker \
             process runs its own interpreter with its own GIL, so four workers can keep four \
             cores busy. multiprocessing.Pool (or concurrent.futures.ProcessPoolExecutor) \
             starts the workers once and hands them tasks. In the tutorial the square-root \
             sums went from 8.45 s to 2.35 s (3.6x on four cores) and a batch job from \
             3.82 s to 1.15 s (3.3x).",
            "The batch job: eight batches of 1,000,000 random integers from 0 to 100; keep \
             the values over 50, then count them, sum them and take their mean, one batch per \
             task.",
            // Sources: Lib/multiprocessing/spawn.py (a spawn child imports the
            // main module); Lib/multiprocessing/forkserver.py (the server
            // preloads __main__ once, then forks every worker from itself).
            "Processes share no memory, and that has a price. Every argument is pickled in \
             the parent, written to a pipe and unpickled in the worker, and every result \
             makes the same trip back. The function travels by name only, so it must be \
             defined at module level. Under spawn each worker is a fresh interpreter that \
             imports your main module; under forkserver a server process imports it once \
             and forks every worker from itself. Either way that import must not start \
             another pool, which is why the pool is created under if __name__ == \
             \"__main__\". Under fork the workers are copies of the parent and import \
             nothing.",
            // Source: Lib/pickle.py (an int below 256 pickles as BININT1, two
            // bytes, so a million of them take about 2 MB).
            "Whether a pool pays off depends on the work done per byte shipped. A million \
             small integers pickle to about 2 MB, and pickling, piping and unpickling them \
             costs about as much as filtering them in pure Python, so with the batches made \
             in the parent, as in the twin, the pool gains little or loses to one plain loop. \
             Send small inputs instead (a seed, a file name, a range), let each worker make or \
             load its own data and return a summary: then a few bytes travel per task, and a \
             pool can run several times faster than one loop, the kind of gain the tutorial \
             reported.",
            "Here, as in the Python twin, the batches are made in the parent and travel with \
             the tasks. Natively each worker is the concur binary started again and fed over \
             pipes in a compact binary format; in the browser a process is a Web Worker with \
             its own WebAssembly memory, fed by postMessage. Compiled Rust filters a batch in \
             well under a millisecond, less than it takes to copy it there, so expect the \
             processes bar to come out longer than sequential; the serialize and spawn \
             slices in the timeline show where the time went. The cpu-sqrt experiment is the \
             opposite case: little data, much work, and processes near 2x with two workers.",
            // Sources: fork(2) (only the calling thread is copied); "What's New
            // in Python 3.12" (os.fork warns in a multi-threaded process);
            // "What's New in Python 3.14" (forkserver the Linux default);
            // measured for this course (1.40x inherited, 0.74x pickled).
            "Only fork lets workers read the parent's data without pickling it: a pool \
             forked after the batches exist inherits them, and each task needs to carry only \
             an index, as the twin's last pool does. Measured for this course (CPython \
             3.11.7 on a 2-core Linux machine), that ran 1.40x as fast as one loop, where \
             shipping the pickled batches ran at 0.74x, slower than the loop. But fork copies \
             only the thread that calls it. If another thread held a lock at that moment, in \
             malloc, logging or an I/O library, the child inherits the lock still held by a \
             thread that does not exist there, and can hang the first time it takes it. That \
             is why Python 3.12 warns when a process with several threads forks, and why \
             Python 3.14 made forkserver, whose server has one thread, the Linux default.",
        ],
        python: include_str!("../twins/data_batches.py"),
        rust: r#"// native/src/exec/processes.rs: one feeder thread per worker process
loop {
    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
    let Some(task) = next else {
        // ... none left: tell the worker to leave, and wait for its Bye
    };
    // ... the whole batch is encoded and pushed through the pipe
    let encode_start = env.clock.now_ns();
    let frame = encode_frame(&ToWorker::Task(task.clone()));
    recorder.record(
        EventKind::Serialize,
        encode_start,
        env.clock.now_ns(),
        Some(task.idx),
    );
    stdin
        .write_all(&frame)
    // ... and the answer comes back the same way
    let reply = read_message(&mut stdout)?;
    let decode_start = env.clock.now_ns();
    let (outcome, events) =
        receive_shipped_answer(reply, task, decode_start, &env.clock, recorder)?;
    fed.events.extend(events);
    fed.outcomes.push((task.idx, outcome));
}

// crates/core/src/workload.rs: what a worker does with a batch
for &value in chunk {
    if value > 50 {
        kept += 1;
        sum += u64::from(value);
    }
}
"#,
        experiment: Some("data-batches"),
        preset: Preset {
            workers: Some(2),
            ..Preset::default()
        },
        predict: Some(Prediction::ProcessesHelp),
        takeaways: &[
            "Processes give CPU-bound Python real parallelism: one interpreter, one GIL each.",
            "Arguments and results are pickled both ways; only fork lets workers inherit \
             data instead, and fork in a process with threads can hang.",
            "Cheap work over big data can lose to one loop: ship small inputs, return summaries.",
        ],
    }
}

/// Section 5: many requests on one event loop.
pub(super) fn asyncio() -> Lesson {
    Lesson {
        id: "asyncio",
        section: 5,
        title: "Asyncio for many connections",
        body: &[
            "Asyncio runs many I/O operations on one thread. Calling an async def function \
             makes a coroutine object; the event loop runs it until it awaits something that \
             is not ready yet, such as a response or a timer. Then the coroutine is suspended \
             and the loop resumes another one that is ready. Switches happen only at await \
             points, so the code between two awaits runs without interruption.",
            // Sources: the tutorial's figures (3.45 s, 14.5 requests/s); measured
            // for this course (1.24 KB per sleeping task, 15.7 KB per blocked
            // thread).
            "The tutorial's job: 50 GET requests, ten that answer after 1 s and forty that \
             answer at once, at most 50 in flight and a 30 s timeout (aiohttp's \
             ClientTimeout(total=30), which bounds each request). A waiting coroutine is \
             small, about 1.24 KB against 15.7 KB resident for a blocked thread (measured for \
             this course, CPython 3.11.7 on a 2-core Linux machine), and switching between coroutines is a \
             return to the loop, so thousands can wait at once; a limit, an \
             asyncio.Semaphore or aiohttp's TCPConnector(limit=...), protects the server and \
             your open sockets. Against a distant service it took 3.45 s (14.5 requests/s); \
             on loopback the batch should take about as long as one slow request.",
            "CPU work blocks the loop. The loop can switch only at an await, so a coroutine \
             that computes for two seconds stalls every other coroutine for two seconds: \
             timers fire late and responses sit unread. Hand such work elsewhere with await \
             asyncio.to_thread(...) for blocking calls, or loop.run_in_executor() with a \
             ProcessPoolExecutor for computation.",
            "Natively, async is a tokio current-thread runtime (one thread) with an async \
             HTTP client and a semaphore as the limit; in the browser it is the page's own \
             event loop with fetch and a semaphore. The timeline has one lane per coroutine, \
             and queue-wait slices appear when the limit is lower than the number of \
             requests. With the default limit of 50, async and the thread models should each \
             finish in about one second. The browser caps workers at 8, so there ten slow \
             requests share eight slots and the batch takes closer to two seconds.",
            // Sources: aiohttp/connector.py (TCPConnector, limit=100);
            // Lib/concurrent/futures/thread.py (max_workers defaults to
            // min(32, cpu count + 4)); Lib/asyncio/base_events.py
            // (run_in_executor's default executor, create_server's backlog).
            "Caps hide in the defaults. An aiohttp ClientSession's TCPConnector opens at \
             most 100 connections at a time, so thousands of requests in flight means 100 on \
             the wire and the rest queued inside aiohttp, unless you pass \
             TCPConnector(limit=...) (0 for no limit). asyncio.to_thread and \
             run_in_executor(None, ...) share the loop's default ThreadPoolExecutor, which \
             has min(32, cores + 4) threads, so with two cores the seventh blocking call \
             waits for a free thread. A third cap, on how many connections a server keeps \
             waiting before it accepts them, belongs to the tutorial's second example, a TCP \
             echo server that answers many clients at once on one thread: the next lesson.",
        ],
        python: include_str!("../twins/async_requests.py"),
        rust: r#"// native/src/exec/asynch.rs: one thread, one event loop, a semaphore
let runtime = tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
// ... then an HTTP client with its timeouts
let limit = Arc::new(Semaphore::new(limit as usize));
runtime.block_on(async move {
    let handles: Vec<_> = plan
        .tasks
        .iter()
        .map(|task| {
            tokio::spawn(coroutine(
            // ... every task becomes a coroutine on this one thread

// native/src/exec/asynch.rs: one task's coroutine
let _permit = limit
    .acquire_owned()
    .await
    .expect("the semaphore is never closed");
let mut ctx = WorkerCtx::new(lane, &clock, None);
// Computations run right on the loop and block it, as under asyncio.
let outcome = match (ctx.compute(&task), task.op.requests()) {
    (Some(answer), _) => Ok(answer),
    // ... blocking work with no async library (the database) stalls it too
    (None, None) => ctx.run_task(&task, &blocking),
    (None, Some(_)) => {
        let client = &client;
        ctx.await_requests(&task, |url, timeout_ms| async move {
            get(client, &url, timeout_ms).await // the loop runs others meanwhile
        })
        .await
    }
};
"#,
        experiment: Some("async-requests"),
        preset: Preset::default(),
        predict: Some(Prediction::FastestModel),
        takeaways: &[
            "One thread, many coroutines: the loop switches only at await points.",
            "Cap what is in flight with a semaphore or connector limit (aiohttp's default is \
             100), and set timeouts.",
            "Never compute for long in a coroutine: hand CPU work to a thread or process pool.",
        ],
    }
}
