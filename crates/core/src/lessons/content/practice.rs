//! Sections 8 and 9 of the course: a URL health checker written three ways,
//! and the questions people ask once they start mixing the models.

use crate::lessons::{Lesson, Prediction, Preset};

/// Section 8: the health checker under threads, processes and async.
pub(super) fn health_check() -> Lesson {
    Lesson {
        id: "health-check",
        section: 8,
        title: "Real life: a URL health checker",
        body: &[
            // Source: requests' documentation, "Timeouts" (the timeout bounds
            // connecting and each wait for bytes, not the whole response).
            "A health checker sends a GET to every URL on a list and reports which ones \
             answer 200 and which fail or time out; nearly all of its time is waiting. The \
             tutorial's list has 50 URLs: in every group of five, four answer 200 at once and \
             one answers after 1 s. Each request gets a 5 s timeout, but in requests that \
             bounds connecting and each wait for the next bytes, not the whole response: a \
             server that trickles its answer a few bytes at a time keeps a request going \
             long past 5 s. Timeouts also add up along a fixed slice: had ten URLs in one \
             slice hung, that thread alone would need 50 s. To bound the whole check, give \
             it a deadline of its own, such as a timeout on waiting for the futures.",
            "The threads version starts five threads and gives each a fixed slice of ten \
             URLs up front, with no queue. It is simple, but a slice is done only when its \
             slowest URLs are, and a thread that finishes early cannot help the others. This \
             list happens to spread the slow URLs evenly, two per slice, so on loopback the \
             threads need about two slow requests; had all ten slow URLs landed in one slice, \
             that thread alone would need ten.",
            // Sources: Lib/multiprocessing/pool.py (map's chunksize for 50 items on
            // 4 workers is 4); the tutorial's own figures (a distant service).
            "The processes version maps the list over a Pool of four. The pool cuts the list \
             into chunks of four URLs and hands them out as workers become free; ten of the \
             chunks hold a slow URL, so on loopback it needs about three slow requests, on \
             top of starting the processes and pickling every URL and result. The async \
             version opens one session and sends all 50 requests through a semaphore of 50, \
             so the whole check takes about as long as one slow request. Against a distant \
             public service the tutorial measured threads 15.32 s, processes 18.45 s and \
             async 12.15 s; that service's latency and load, not the designs, set those \
             numbers.",
            "This run uses a 500 ms delay, and every model follows the workers knob (5 by \
             default) where the tutorial used 5 threads, 4 processes and a limit of 50. The \
             thread workers get fixed slices as in the tutorial; processes and async take the \
             next URL whenever a slot frees up. Expect the threads to finish in about one \
             second (two slow URLs each); in the timeline each thread lane holds its own ten \
             tasks, and each process lane starts with a spawn slice.",
            // Sources: native/src/http.rs (one deadline bounds every step of the
            // whole request); native/src/exec/asynch.rs (reqwest's likewise).
            "Timeouts: every check here gives up 5 s after it starts, under every model, \
             whatever the server does, since the whole request is bounded (a blocking \
             request's overall timeout for threads and processes, an aborted fetch or a \
             request timeout on the event loop for async), and the report counts the URL as \
             timed out rather than failing the run. Set the delay knob to 6000 \
             to see it: the slow URLs come back as \"timed out\" after 5 s, everywhere.",
        ],
        python: include_str!("../twins/health_check.py"),
        rust: r#"// crates/core/src/catalog/mod.rs: (4 healthy + 1 slow) x 10, each with a timeout
fn mixed_gets(params: &Params, server_base: &str, timeout_ms: u64) -> Vec<Op> {
    (0..params.tasks())
        .map(|idx| {
            let (path, delay_ms) = if idx % 5 == 4 {
                (delay_path(params.delay_ms()), params.delay_ms())
            } else {
                ("/status/200".to_string(), 0)
            };
            Op::Check {
                url: url(params, server_base, &path),
                timeout_ms,
                delay_ms: params.target().is_none().then_some(delay_ms),
                keep_alive: params.keep_alive(),
            }
        })
        .collect()
}
// crates/core/src/catalog/health_check.rs: the threads get fixed slices
planner: |params, base| (mixed_gets(params, base, CHECK_TIMEOUT_MS), Dispatch::Slices),
// crates/core/src/experiment.rs: worker `lane` of `workers` owns one slice
pub fn slice(&self, lane: u32, workers: u32) -> &[Task] {
    let len = self.tasks.len();
    let workers = workers.max(1) as usize;
    let start = len * lane as usize / workers;
    let end = len * (lane as usize + 1) / workers;
    &self.tasks[start.min(len)..end.min(len)]
}

// crates/core/src/worker.rs: a thread runs its own slice (or drains the queue)
Dispatch::Slices => {
    for task in plan.slice(lane, workers) {
        run_one(self, task);
    }
}
"#,
        experiment: Some("health-check"),
        preset: Preset {
            delay_ms: Some(500),
            ..Preset::default()
        },
        predict: Some(Prediction::FastestModel),
        takeaways: &[
            "One checker fits all three models; async holds the most URLs for the least.",
            "Fixed slices finish with their slowest slice; a queue or a semaphore balances itself.",
            // Source: requests' documentation, "Timeouts".
            "Give every request a timeout, and the whole job a deadline: a per-request \
             timeout in requests bounds each wait, not the response.",
        ],
    }
}

/// Section 9: questions and answers.
pub(super) fn faq() -> Lesson {
    Lesson {
        id: "faq",
        section: 9,
        title: "Questions and answers",
        body: &[
            "Can the models be mixed? Yes, and real programs often do. Inside asyncio, await \
             asyncio.to_thread(fn, *args) (3.9 and later) runs a blocking call on a thread \
             without stalling the loop, and await loop.run_in_executor(pool, fn, *args) with \
             a ProcessPoolExecutor runs CPU work in another process. The other way round, a \
             plain thread can hand a coroutine to a running loop with \
             asyncio.run_coroutine_threadsafe.",
            "Why do Python threads behave differently from Java or C# threads? They are the \
             same kind of thread, real OS threads scheduled by the kernel. The difference is \
             the interpreter: the JVM and .NET have no global lock, so their threads run code \
             on several cores at once, while CPython's threads take turns holding the GIL. \
             Free-threaded CPython (3.13t, supported in 3.14) closes that gap. Asyncio or \
             threads for I/O? Both overlap waiting equally well. Threads keep blocking code \
             and suit tens to about a hundred operations; asyncio needs async libraries, but \
             handles thousands of connections, and its switches happen only at await.",
            // Sources: Lib/multiprocessing/reduction.py (register(socket.socket,
            // _reduce_socket)); Lib/multiprocessing/synchronize.py and
            // context.py (SemLock pickles only while spawning a child).
            "What can be sent to a process? Whatever pickle handles: None, booleans, numbers, \
             strings, bytes, and tuples, lists, sets and dicts of them; functions and classes \
             defined at module level, which pickle stores by name so the worker must be able \
             to import them; instances of such classes whose attributes are picklable. Not: \
             lambdas, functions defined inside other functions, open files, threading locks, \
             database connections, generators. Two exceptions: multiprocessing registers a \
             reducer for socket.socket that passes the file descriptor itself, so a socket \
             can go to another process; and a multiprocessing.Lock can be given to a \
             Process when it is created, which the child inherits, though not through a \
             Queue or as a Pool task's argument (RuntimeError: Lock objects should only be \
             shared between processes through inheritance). The Rust runner works like pickle: a worker is \
             the concur binary started afresh, and only data encoded with serde crosses the \
             pipe, never code.",
            // Source: measured for this course (CPython 3.11.7, 2-core Linux,
            // median of 3-7 runs).
            "How much does starting a worker cost? Measured for this course (CPython 3.11.7 \
             on a 2-core Linux machine): an asyncio task 12.7 µs, or 4.5 µs with the cyclic \
             garbage collector off, since with 100,000 tasks alive its passes over them take \
             most of the time; a thread 65 µs; a process 1.6 ms under fork, 21 ms under \
             forkserver and 40 ms under spawn, which boots a fresh interpreter and imports \
             your main module. In memory a blocked thread holds about 15.7 KB resident and a \
             sleeping task 1.24 KB; a thread's 8 MB stack is reserved address space, not \
             memory used (the comparison lesson has the processes' figures). Create pools \
             once and reuse them. Every processes lane in this playground starts with a spawn \
             slice that shows the price on your machine.",
            "Timeouts in asyncio: await asyncio.wait_for(coro, timeout=5) cancels the \
             coroutine and raises TimeoutError after 5 s (since 3.11 asyncio.TimeoutError is \
             the built-in TimeoutError), and async with asyncio.timeout(5) (3.11 and later) \
             bounds a whole block. HTTP clients add their own, such as aiohttp's \
             ClientTimeout(total=..., connect=...), which bounds each request; to bound a \
             whole batch, wrap the gather in wait_for or asyncio.timeout.",
            // Sources: Lib/multiprocessing/popen_spawn_posix.py and
            // popen_forkserver.py (both pickle the process object);
            // Lib/multiprocessing/context.py (the defaults per platform).
            "Why can a function defined inside another function not be a process target? \
             Under spawn the child is a fresh interpreter, and under forkserver it is forked \
             from a server process that has only imported your main module, without any of \
             the objects your program made since; either way Process.start() pickles the \
             target, and pickle records a function by its \
             module and qualified name for the child to import. A nested function \
             (outer.<locals>.inner) cannot be found that way, so pickling fails. Only fork \
             works, because the child is a copy of the parent's memory and nothing is \
             pickled. spawn is the default on macOS and Windows, and forkserver became the \
             Linux default in Python 3.14, so code that used to run on Linux can fail there \
             now. A Pool pickles the function for every task whatever the start method, so \
             with a pool it fails even under fork. The fix: define the function at module \
             level.",
        ],
        python: r#"import multiprocessing as mp


def work(n):  # module level: pickled by name, works under every start method
    print("module-level:", n * n)


def run(method, target):
    process = mp.get_context(method).Process(target=target, args=(7,))
    process.start()  # spawn and forkserver pickle the target here
    process.join()


def nested_target(method):
    def inner(n):  # exists only inside this call: outer.<locals>.inner
        print("nested:", n * n)

    run(method, inner)


if __name__ == "__main__":
    print("default start method:", mp.get_start_method())
    for method in mp.get_all_start_methods():  # no fork on Windows
        run(method, work)
        try:
            nested_target(method)  # works only under fork
        except Exception as err:  # AttributeError or PicklingError
            print(f"{method}: {type(err).__name__}: {err}")
"#,
        rust: r#"// native/src/exec/processes.rs: a worker is this binary, started afresh
let exe = std::env::current_exe()?;
let mut command = Command::new(exe);
command
    .args([
        "__worker",
        "--lane",
        &lane.to_string(),
        "--parent",
        &std::process::id().to_string(),
    ])
    .env(crate::db::DB_DIR_VAR, db_dir)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
let child = crate::platform::spawn_child(&mut command)?;
children::register(child.id());
Ok(child)

// crates/core/src/wire.rs: only data crosses the pipe, never code
pub enum ToWorker {
    Task(Task),
    Shutdown,
}

// native/src/exec/worker.rs: the child runs code it already has
let message: ToWorker = decode_body(&body)?;
match message {
    ToWorker::Task(task) => {
        let done =
            answer_shipped_task(lane, &clock, &io, &task, (decode_start, decode_end));
        send(&mut output, &done).map_err(|err| err.to_string())?;
    }
    // ... ToWorker::Shutdown: answer Bye with the CPU time used, and leave
}
"#,
        experiment: None,
        preset: Preset::default(),
        predict: None,
        takeaways: &[
            "Mix models with asyncio.to_thread and run_in_executor (a process pool for CPU).",
            "Only picklable data and module-level functions can go to another process.",
            "spawn (macOS, Windows) and forkserver (Linux since 3.14) need picklable targets.",
            "Bound every network await: wait_for, asyncio.timeout, client timeouts.",
        ],
    }
}
