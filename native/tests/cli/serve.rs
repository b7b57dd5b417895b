//! `concur serve --port 0` as a separate process: its endpoints seen from
//! outside, `concur run quick-io --target` pointed at it, and Ctrl-C
//! (SIGINT) stopping it and closing its port.

use crate::support::{ServeProcess, run_concur};
use std::net::TcpStream;
use std::time::Duration;

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
