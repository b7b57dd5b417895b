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
            "Threads suit I/O-bound work with a modest number of operations at once. The code \
             stays ordinary blocking code (requests.get, a database driver), and while one \
             thread waits for the network the GIL lets another one run. The tutorial's \
             scraper fetches five pages that each answer after 2 s: about 10 s one by one, \
             2.15 s with five threads.",
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
        python: r#"import queue
import threading
import time

import requests

URLS = ["http://127.0.0.1:8080/delay/2000"] * 5  # five pages, 2 s each
WORKERS = 5
STOP = None  # the poison pill, one per worker


def worker(jobs, results, lock):
    while True:
        url = jobs.get()
        if url is STOP:
            break
        response = requests.get(url, timeout=10)  # the GIL is free while waiting
        with lock:
            results.append((url, response.status_code))


def main():
    jobs, results, lock = queue.Queue(), [], threading.Lock()
    threads = [
        threading.Thread(target=worker, args=(jobs, results, lock))
        for _ in range(WORKERS)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for url in URLS:
        jobs.put(url)
    for _ in threads:
        jobs.put(STOP)
    for thread in threads:
        thread.join()
    print(f"{len(results)} pages in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
"#,
        rust: r#"// native/src/exec/threads.rs: one scoped OS thread per worker
let gil = gil_switch.map(Gil::new);
let next = AtomicUsize::new(0); // the queue: an index into the task list
let results: Vec<WorkerResult> = std::thread::scope(|scope| {
    let handles: Vec<_> = (0..workers)
        .map(|lane| {
            let (next, gil) = (&next, gil.as_ref());
            scope.spawn(move || work(lane, workers, plan, next, gil, env))
        })
        .collect();
    handles.into_iter().map(|handle| handle.join().unwrap()).collect()
});

// crates/core/src/worker.rs: take the next task until none is left
while let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
    outcomes.push((task.idx, self.run_task(task, io)));
}

// ...and wait for each page with the GIL released
let reply = self.without_gil(Some(task.idx), |ctx| {
    let sent = ctx.now_ns();
    let reply = io.get(url).map(Reply::Status); // blocks this thread only
    ctx.record(EventKind::IoWait, sent, ctx.now_ns(), Some(task.idx));
    reply
});
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
            "For CPU-bound Python code, processes are the way around the GIL: each worker \
             process runs its own interpreter with its own GIL, so four workers can keep four \
             cores busy. multiprocessing.Pool (or concurrent.futures.ProcessPoolExecutor) \
             starts the workers once and hands them tasks. In the tutorial the square-root \
             sums went from 8.45 s to 2.35 s (3.6x on four cores) and a batch job from \
             3.82 s to 1.15 s (3.3x).",
            "The batch job: eight batches of 1,000,000 random integers from 0 to 100; keep \
             the values over 50, then count them, sum them and take their mean, one batch per \
             task.",
            "Processes share no memory, and that has a price. Every argument is pickled in \
             the parent, written to a pipe and unpickled in the worker, and every result \
             makes the same trip back. The function travels by name only, so it must be \
             defined at module level; under the spawn and forkserver start methods each \
             worker also imports your main module, which is why the pool is created under \
             if __name__ == \"__main__\".",
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
        ],
        python: r#"import random
import time
from multiprocessing import Pool, cpu_count

BATCHES = 8
SIZE = 1_000_000  # random integers from 0 to 100 in each batch


def make_batch(seed):
    rng = random.Random(seed)
    return [rng.randint(0, 100) for _ in range(SIZE)]


def stats(batch):
    kept = [value for value in batch if value > 50]
    return len(kept), sum(kept), sum(kept) / len(kept)


def show(label, start, results):
    count = sum(result[0] for result in results)
    total = sum(result[1] for result in results)
    elapsed = time.perf_counter() - start
    print(f"{label:<10} {elapsed:5.2f} s  kept {count}, mean {total / count:.4f}")


if __name__ == "__main__":
    batches = [make_batch(seed) for seed in range(BATCHES)]  # made in the parent
    start = time.perf_counter()
    show("sequential", start, [stats(batch) for batch in batches])
    start = time.perf_counter()
    with Pool(cpu_count()) as pool:  # starting the workers counts too
        # each batch is pickled to a worker, each result pickled back
        results = pool.map(stats, batches)
    show("processes", start, results)
"#,
        rust: r#"// native/src/exec/processes.rs: one feeder thread per worker process
loop {
    let next = queue.lock().unwrap().pop_front();
    let Some(task) = next else {
        stdin.write_all(&encode_frame(&ToWorker::Shutdown))?;
        return Ok(());
    };
    // The whole batch is encoded and pushed through the pipe...
    let encode_start = env.clock.now_ns();
    let frame = encode_frame(&ToWorker::Task(task.clone()));
    let encoded = env.clock.now_ns();
    recorder.record(EventKind::Serialize, encode_start, encoded, Some(task.idx));
    stdin.write_all(&frame)?;
    // ...and the answer comes back the same way.
    if let FromWorker::Done { task_idx, outcome, events } = read_message(&mut stdout)? {
        let outcome: TaskOutcome = decode_body(&outcome)?;
        fed.events.extend(events);
        fed.outcomes.push((task_idx, outcome));
    }
}

// crates/core/src/workload.rs: what a worker does with a batch
pub fn batch_stats(values: &[u8], mut checkpoint: impl FnMut()) -> (u64, u64) {
    let (mut kept, mut sum) = (0u64, 0u64);
    for chunk in values.chunks(CHECKPOINT_EVERY as usize) {
        for &value in chunk {
            if value > 50 {
                kept += 1;
                sum += u64::from(value);
            }
        }
        checkpoint();
    }
    (kept, sum)
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
            "Arguments and results are pickled both ways; that cost grows with the data.",
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
            "The tutorial's job: 50 GET requests, ten that answer after 1 s and forty that \
             answer at once, at most 50 in flight and a 30 s timeout (aiohttp's \
             ClientTimeout(total=30), which bounds each request). A coroutine costs kilobytes \
             where a thread costs a stack, so thousands can be in flight; the limit, an \
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
            "The tutorial's second example, a TCP echo server that answers many clients at \
             once on one thread, is the next lesson.",
        ],
        python: r#"import asyncio
import time

import aiohttp

BASE = "http://127.0.0.1:8080"
URLS = [f"{BASE}/delay/1000" if i % 5 == 4 else f"{BASE}/status/200" for i in range(50)]
LIMIT = 50  # requests in flight at most


async def fetch(session, limit, url):
    async with limit:  # wait for a free slot
        async with session.get(url) as response:  # an await point
            await response.read()
            return response.status


async def main():
    limit = asyncio.Semaphore(LIMIT)
    timeout = aiohttp.ClientTimeout(total=30)  # per request
    async with aiohttp.ClientSession(timeout=timeout) as session:
        start = time.perf_counter()
        statuses = await asyncio.gather(*(fetch(session, limit, u) for u in URLS))
        elapsed = time.perf_counter() - start
    ok = statuses.count(200)
    print(f"{ok}/{len(URLS)} ok in {elapsed:.2f} s, {len(URLS) / elapsed:.1f} req/s")


if __name__ == "__main__":
    asyncio.run(main())
"#,
        rust: r#"// native/src/exec/asynch.rs: one thread, one event loop, a semaphore
let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build()?;
let limit = Arc::new(Semaphore::new(limit as usize));
runtime.block_on(async move {
    let handles: Vec<_> = plan.tasks.iter()
        .map(|task| tokio::spawn(coroutine(task.clone(), limit.clone(), client.clone())))
        .collect();
    for handle in handles {
        results.push(handle.await?);
    }
});

async fn coroutine(task: Task, limit: Arc<Semaphore>, client: reqwest::Client)
    -> TaskResult {
    let _permit = limit.acquire_owned().await.unwrap(); // a free slot
    let mut ctx = WorkerCtx::new(task.idx, &clock, None);
    // Computations run right here, on the loop, and block it as under asyncio.
    let outcome = match (ctx.compute(&task), task.op.requests()) {
        (Some(answer), _) => Ok(answer),
        // Each GET is awaited: the loop runs other coroutines meanwhile.
        (None, Some(_)) => {
            ctx.await_requests(&task, |url, timeout_ms| async move {
                get(&client, &url, timeout_ms).await
            })
            .await
        }
        (None, None) => ctx.run_task(&task, &blocking), // blocks the loop
    };
    (task.idx, outcome, ctx.finish())
}
"#,
        experiment: Some("async-requests"),
        preset: Preset::default(),
        predict: Some(Prediction::FastestModel),
        takeaways: &[
            "One thread, many coroutines: the loop switches only at await points.",
            "Cap what is in flight with a semaphore or connector limit, and set timeouts.",
            "Never compute for long in a coroutine: hand CPU work to a thread or process pool.",
        ],
    }
}
