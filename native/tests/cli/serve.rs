//! `concur serve --port 0` as a separate process: its endpoints seen from
//! outside, `concur run quick-io --target` pointed at it, Ctrl-C (SIGINT)
//! stopping it and closing its port, the warning it prints before
//! serving on an address other than loopback, and the compression of what
//! `--dir` serves (brotli or gzip, as the request asks).

use crate::procs::{live_children_of, proc_stat, send_signal};
use crate::support::{CONCUR_BINARY, ServeProcess, TempDir, run_concur};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

/// GETs `url`; the status and body whatever the status.
fn http_get(url: &str) -> (u16, String) {
    match ureq::get(url).call() {
        Ok(response) => (
            response.status(),
            response.into_string().expect("a text body"),
        ),
        Err(ureq::Error::Status(code, response)) => {
            (code, response.into_string().expect("a text body"))
        }
        Err(err) => panic!("GET {url}: {err}"),
    }
}

fn quick_io_against(target: &str) -> crate::support::FinishedCommand {
    run_concur(&[
        "run",
        "quick-io",
        "--target",
        target,
        "--models",
        "sequential,async",
        "--tasks",
        "3",
        "--runs",
        "1",
        "--warmup",
        "0",
        "--json",
        "--quiet",
    ])
}

#[test]
fn quick_io_with_target_on_concur_serve_succeeds_and_serve_stops_on_sigint() {
    let mut serve = ServeProcess::start();
    let target = format!("{}/status/200", serve.base_url());
    let finished = quick_io_against(&target);
    finished.assert_exit_code(0);
    let report = finished.stdout_json();
    assert_eq!(report["params"]["target"], target.as_str());
    let results = report["results"].as_array().expect("results is an array");
    let models: Vec<&str> = results
        .iter()
        .map(|result| result["model"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(models, ["sequential", "async"], "{}", finished.describe());
    for result in results {
        assert_eq!(result["answer_ok"], true, "{}", finished.describe());
        assert_eq!(result["answer"], "3 × HTTP 200", "{}", finished.describe());
    }

    let addr = serve.addr;
    assert!(TcpStream::connect(addr).is_ok(), "serve stopped too early");
    let status = serve.interrupt_and_wait(Duration::from_secs(20));
    assert!(status.success(), "serve exited with {status} on SIGINT");
    assert!(
        TcpStream::connect(addr).is_err(),
        "port {addr} still accepts connections after serve exited"
    );
}

#[test]
fn quick_io_with_target_answering_503_exits_1_and_marks_every_answer_wrong() {
    let serve = ServeProcess::start();
    let target = format!("{}/status/503", serve.base_url());
    let finished = quick_io_against(&target);
    finished.assert_exit_code(1);
    let report = finished.stdout_json();
    let results = report["results"].as_array().expect("results is an array");
    assert_eq!(results.len(), 2, "{}", finished.describe());
    for result in results {
        assert_eq!(result["answer_ok"], false, "{}", finished.describe());
        assert_eq!(result["answer"], "3 × HTTP 503", "{}", finished.describe());
        let problems = result["problems"].as_array().expect("problems is an array");
        assert!(
            problems
                .iter()
                .any(|problem| problem.as_str().unwrap_or("").contains("HTTP 503")),
            "{}",
            finished.describe()
        );
    }
    assert!(
        finished.stderr.contains("concur: error:"),
        "{}",
        finished.describe()
    );
}

#[test]
fn serve_endpoints_answer_delay_status_and_not_found_from_outside() {
    let serve = ServeProcess::start();
    let base = serve.base_url();
    // httpbin's paths and answers: seconds, and the request described.
    let (code, body) = http_get(&format!("{base}/delay/0.05?x=1"));
    assert_eq!(code, 200, "{body}");
    let described: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(described["args"], serde_json::json!({ "x": "1" }), "{body}");
    assert_eq!(described["url"], format!("{base}/delay/0.05?x=1"), "{body}");
    assert_eq!(http_get(&format!("{base}/status/418")).0, 418);
    assert_eq!(http_get(&format!("{base}/delay/-1")).0, 400);
    let (code, body) = http_get(&format!("{base}/no/such/endpoint"));
    assert_eq!(code, 404, "{body}");
    assert!(body.contains("/no/such/endpoint"), "{body}");
    // A second request on the same server still works (it serves until stopped).
    assert_eq!(http_get(&format!("{base}/status/200")).0, 200);
}

/// What `concur serve --host HOST --port 0` printed before serving, and
/// the port it served on; the server has been stopped with SIGINT and
/// reaped, and nothing it started is left.
struct ServedOnce {
    first_line: String,
    stderr: String,
    port: u16,
}

fn serve_once_on(host: &str) -> ServedOnce {
    let mut child = Command::new(CONCUR_BINARY)
        .args(["serve", "--host", host, "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start concur serve: {err}"));
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let (line_sender, first_line) = channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = line_sender.send(lines.next().and_then(Result::ok));
        for _ in lines {}
    });
    let (err_sender, all_of_stderr) = channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = err_sender.send(text);
    });
    let first_line = match first_line.recv_timeout(Duration::from_secs(30)) {
        Ok(Some(line)) => line,
        other => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("concur serve --host {host} printed no first line: {other:?}");
        }
    };
    let port: u16 = first_line
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first_line:?}"));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "concur serve --host {host} does not accept on port {port}"
    );
    send_signal(pid, libc::SIGINT);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait on serve") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("concur serve --host {host} did not exit within 20 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "serve exited with {status} on SIGINT");
    // Its stderr closes only once no process holds it: nothing outlived it.
    let stderr = all_of_stderr
        .recv_timeout(Duration::from_secs(10))
        .expect("serve's stderr closed after it exited");
    assert!(proc_stat(pid).is_none(), "serve {pid} was not reaped");
    assert!(live_children_of(pid).is_empty());
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still accepts connections after serve exited"
    );
    ServedOnce {
        first_line,
        stderr,
        port,
    }
}

#[test]
fn serve_on_every_address_warns_what_the_network_can_reach() {
    let served = serve_once_on("0.0.0.0");
    assert!(
        served
            .first_line
            .starts_with("serving the concur endpoints on http://0.0.0.0:"),
        "{:?}",
        served.first_line
    );
    let warning = served
        .stderr
        .lines()
        .find(|line| line.starts_with("concur: warning:"))
        .unwrap_or_else(|| panic!("no warning on stderr: {:?}", served.stderr));
    for exposed in [
        "0.0.0.0 is not a loopback address",
        &format!("port {}", served.port),
        "/get (which sends back every request header",
        "/echo",
        "--host 127.0.0.1",
    ] {
        assert!(
            warning.contains(exposed),
            "{exposed:?} missing from {warning:?}"
        );
    }
}

#[test]
fn serve_on_localhost_stays_on_loopback_without_a_warning() {
    let served = serve_once_on("localhost");
    assert!(
        served
            .first_line
            .starts_with("serving the concur endpoints on http://127.0.0.1:"),
        "{:?}",
        served.first_line
    );
    assert!(
        !served.stderr.contains("warning"),
        "a loopback server warned: {:?}",
        served.stderr
    );
}

/// What a GET with `Accept-Encoding: accept` (none if empty) received:
/// the response's content encoding, the raw body bytes, and its headers.
struct Fetched {
    encoding: Option<String>,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

fn fetch_encoded(url: &str, accept: &str) -> Fetched {
    let mut request = ureq::get(url);
    if !accept.is_empty() {
        request = request.set("accept-encoding", accept);
    }
    let response = request
        .call()
        .unwrap_or_else(|err| panic!("GET {url}: {err}"));
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|name| Some((name.clone(), response.header(&name)?.to_string())))
        .collect();
    let encoding = response.header("content-encoding").map(str::to_string);
    let mut body = Vec::new();
    response
        .into_reader()
        .read_to_end(&mut body)
        .expect("a body");
    Fetched {
        encoding,
        body,
        headers,
    }
}

/// Bytes that compress well, as code does, but are not one repeated byte.
fn compressible_bytes(len: usize) -> Vec<u8> {
    let words = [
        "(func $run",
        " (local.get 0)",
        " i32.add",
        " call $sqrt",
        ")\n",
    ];
    let mut bytes = Vec::with_capacity(len);
    let mut state = 7u32;
    while bytes.len() < len {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        bytes.extend_from_slice(words[(state >> 16) as usize % words.len()].as_bytes());
    }
    bytes.truncate(len);
    bytes
}

fn assert_isolated(fetched: &Fetched, what: &str) {
    for (name, value) in [
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-embedder-policy", "require-corp"),
        ("cross-origin-resource-policy", "same-origin"),
    ] {
        assert!(
            fetched
                .headers
                .iter()
                .any(|(n, v)| n.eq_ignore_ascii_case(name) && v == value),
            "{what}: no {name}: {value} among {:?}",
            fetched.headers
        );
    }
}

#[test]
fn serve_dir_compresses_with_brotli_or_gzip_as_asked_and_keeps_isolation_headers() {
    let dir = TempDir::new("compressed-site");
    let wasm = compressible_bytes(200_000);
    let script = compressible_bytes(50_000);
    std::fs::write(dir.join("runner_bg.wasm"), &wasm).expect("write the wasm");
    std::fs::write(dir.join("runner.js"), &script).expect("write the script");
    std::fs::write(dir.join("index.html"), "<p>hi</p>").expect("write the page");
    // A build may leave a brotli file beside the original: it is sent as it is.
    let precompressed = compressible_bytes(40_000);
    let mut packed = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut packed, 4096, 11, 22);
        std::io::Write::write_all(&mut writer, &precompressed).expect("compress");
    }
    std::fs::write(dir.join("app.js"), compressible_bytes(30_000)).expect("write app.js");
    std::fs::write(dir.join("app.js.br"), &packed).expect("write app.js.br");
    let served = ServeProcess::start_with_dir(&dir.join(""));
    let base = served.base_url();
    for (file, original) in [("runner_bg.wasm", &wasm), ("runner.js", &script)] {
        let url = format!("{}/{file}", base);

        let br = fetch_encoded(&url, "br");
        assert_eq!(br.encoding.as_deref(), Some("br"), "{file}");
        assert!(
            br.body.len() < original.len() / 4,
            "{file}: {} bytes",
            br.body.len()
        );
        let mut decoded = Vec::new();
        brotli::Decompressor::new(br.body.as_slice(), 4096)
            .read_to_end(&mut decoded)
            .expect("a brotli stream");
        assert!(
            decoded == *original,
            "{file}: brotli decodes to other bytes"
        );
        assert_isolated(&br, &format!("{file} with br"));

        let gzip = fetch_encoded(&url, "gzip");
        assert_eq!(gzip.encoding.as_deref(), Some("gzip"), "{file}");
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(gzip.body.as_slice())
            .read_to_end(&mut decoded)
            .expect("a gzip stream");
        assert!(decoded == *original, "{file}: gzip decodes to other bytes");
        assert_isolated(&gzip, &format!("{file} with gzip"));

        let plain = fetch_encoded(&url, "");
        assert_eq!(plain.encoding, None, "{file} without Accept-Encoding");
        assert!(plain.body == *original, "{file}: the plain body differs");
        assert_isolated(&plain, &format!("{file} plain"));
    }
    // Both offered: brotli wins; the endpoints' tiny answers go as they are,
    // the delayed one after its delay.
    assert_eq!(
        fetch_encoded(&format!("{}/runner.js", base), "gzip, deflate, br")
            .encoding
            .as_deref(),
        Some("br")
    );
    let prebuilt = fetch_encoded(&format!("{}/app.js", base), "br");
    assert_eq!(prebuilt.encoding.as_deref(), Some("br"));
    assert!(prebuilt.body == packed, "app.js.br is sent as it is");
    assert_isolated(&prebuilt, "app.js from app.js.br");
    let started = Instant::now();
    let delayed = fetch_encoded(&format!("{}/delay/0.05", base), "br, gzip");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(delayed.encoding, None);
    let described: serde_json::Value = serde_json::from_slice(&delayed.body).expect("JSON");
    assert_eq!(described["data"], "", "the delayed answer is plain JSON");
    assert_isolated(&delayed, "/delay/0.05");
}
