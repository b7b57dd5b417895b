//! `concur serve --port 0` as a separate process: its endpoints seen from
//! outside, `concur run quick-io --target` pointed at it, Ctrl-C (SIGINT)
//! stopping it and closing its port, and the warning it prints before
//! serving on an address other than loopback.

use crate::procs::{live_children_of, proc_stat, send_signal};
use crate::support::{CONCUR_BINARY, ServeProcess, run_concur};
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
    assert_eq!(
        http_get(&format!("{base}/delay/50")),
        (200, r#"{"delay_ms":50}"#.to_string())
    );
    assert_eq!(http_get(&format!("{base}/status/418")).0, 418);
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
