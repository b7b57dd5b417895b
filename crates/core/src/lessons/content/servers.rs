//! Section 5, second half, of the course: a TCP echo server under asyncio,
//! set beside one connection at a time, a thread per connection and a
//! pre-forked pool of processes.

use crate::lessons::{Lesson, Prediction, Preset};

/// Section 5, continued: many clients on one event loop.
pub(super) fn echo_server() -> Lesson {
    Lesson {
        id: "echo-server",
        section: 5,
        title: "Asyncio for many connections: an echo server",
        body: &[
            "A server spends most of its life waiting: for the next client to connect, for \
             its request to arrive, for a database to answer. The tutorial's second asyncio \
             example is a TCP echo server. asyncio.start_server listens on a port and runs a \
             handler coroutine for every connection; the handler reads one line, awaits \
             asyncio.sleep(0.5) to stand for real work such as a query, and writes the line \
             back. Five clients start 0.1 s apart, each sends a line and waits for its echo. \
             While one handler sleeps, the loop accepts the next connection and starts the \
             next handler, so every client has its answer half a second after it connected, \
             and all five are done in under a second on one thread.",
            "The Run panel sets this beside the other ways to write a server. A plain loop \
             that accepts a client and serves it before accepting the next makes the clients \
             queue: the fifth waits for four handlers before its own, and the batch takes \
             about 2.5 s. A thread per connection, as socketserver.ThreadingTCPServer does \
             it, is as quick: each thread blocks in its own read or sleep, and the GIL is \
             free during those waits, so it hardly matters here. A pre-fork pool, the design \
             of gunicorn's sync workers, starts N processes that inherit the listening \
             socket; each accepts and serves one connection at a time, so N clients are \
             served at once and the others wait their turn.",
            // Sources: Lib/asyncio/base_events.py (create_server's backlog=100);
            // listen(2) (the backlog is capped at net.core.somaxconn).
            "Connections the server has not accepted yet wait in a queue in the kernel, \
             whose length is the listen backlog. start_server asks for 100 unless you pass \
             backlog=... When thousands of clients connect at the same moment that queue \
             overflows: the kernel drops the extra handshakes, and the clients' TCP retries \
             them a second or more later, so some connections are slow and some time out; a \
             client whose last handshake packet was dropped may even believe it is \
             connected, send its line and get a reset. concur's listener asks for as much \
             as the kernel allows (net.core.somaxconn, 4096 by default on recent kernels), \
             and a run that loses a client says why: whether the server ever accepted it, \
             and how much the kernel's overflow counters rose during the run.",
            "Natively, concur run echo-server is the real thing: a TCP server on 127.0.0.1 \
             under each model. Sequential serves one connection at a time on the main \
             thread; the thread models accept on a thread that does nothing else (starting \
             a thread is slower than accepting, so the queue stays short) and start a thread \
             per connection (under threads-gil, the emulated GIL is released around every \
             blocking step); processes are a pool of --workers worker processes sharing the listening socket, pre-fork \
             style; async is a tokio task per connection on one thread. The clients run in a \
             process of their own, and each sends a line naming itself and checks the echo. \
             A web page cannot open TCP sockets, so the browser runs an in-page equivalent: \
             each client is an arrival scheduled on the run's clock, and the server's \
             workers (the runner thread, the pool's threads, process Web Workers or \
             coroutines on the event loop) wait for it, run the same handler and answer. \
             There the threads come from a pool of at most 8 rather than one per connection.",
            "In the timeline the server's lanes come first (the main thread, a thread or a \
             task per connection, or the worker processes), then one lane per client, from \
             connecting to getting its echo. Under sequential the client bars form a \
             staircase: each ends one pause after the previous one, so each is longer than \
             the last. Under the other models they are all one pause long, each starting \
             0.1 s after the one before. The per request column is a client's mean wait: \
             about 1.3 s one at a time against about 0.5 s for the others.",
            // Source: concur's own runs on a 2-core Linux machine (Rust, not
            // CPython).
            "Then push it from a terminal: concur run echo-server --tasks 10000 --n 0 \
             --models async,threads-free,threads-gil starts 10,000 clients at once. In runs \
             on a two-core machine, async answered them all in about a second on its one \
             thread; free threads took about 1.5 s with 10,000 OS threads, and threads under \
             the GIL anywhere from 2 to 5.5 s (it varies from run to run), because every thread that wakes must queue for the one \
             lock. A pre-fork pool serves only as many clients at once as it has workers: \
             even 512 processes serve 10,000 clients in about 20 rounds of half a second, \
             over 10 s. That is why the tutorial reaches for \
             asyncio once connections number in the thousands.",
        ],
        python: include_str!("../twins/echo_server.py"),
        rust: r#"// native/src/exec/echo/servers.rs: one thread, one loop, a task per connection
let runtime = tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
// ... then, inside runtime.block_on, the accept loop:
let mut handles = Vec::new();
loop {
    tokio::select! {
        accepted = listener.accept() => match accepted {
            Ok((stream, peer)) => {
                peers.insert(peer.port());
                let connection = handles.len() as u32 + 1;
                handles.push(tokio::spawn(coroutine(stream, connection, wait, clock)));
            }
            // ... a failed accept: wait and retry, or give up
        },
        // Every client has its answer once `stop` is raised.
        () = tokio::time::sleep(Duration::from_millis(20)) => {
            if stop.raised() {
                break;
            }
        }
    }
}

// native/src/exec/echo/servers.rs: the handler; each await lends the thread out
let (reader, mut writer) = stream.into_split();
let mut line = String::new();
let read = BufReader::new(reader).read_line(&mut line).await;
let line = line.trim_end_matches(['\r', '\n']).to_string();
// ... a failed read ends the connection here; every wait is traced
tokio::time::sleep(Duration::from_millis(wait_ms)).await; // the pause
let sent = writer.write_all(format!("{line}\n").as_bytes()).await;
// ... a failed send becomes a failure in the worker's share
"#,
        experiment: Some("echo-server"),
        preset: Preset::default(),
        predict: Some(Prediction::GilThreadsHelp),
        takeaways: &[
            "An async server starts a cheap task per connection; while one handler awaits, \
             the loop serves the rest.",
            "A server that takes one connection at a time makes each client wait for the \
             handlers before its own.",
            "A thread per connection is as quick, GIL or not, but costs a thread each; for \
             bursts of clients, raise the listen backlog.",
        ],
    }
}
