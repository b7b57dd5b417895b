//! The endpoints' handlers, with httpbin.org's paths and answers so the
//! tutorial's URLs work against concur: `/delay/{seconds}` (at most 10 s
//! waited) and `/get` answer httpbin's JSON (`args`, `headers` with
//! Title-Case names, `origin`, `url`, and for `/delay` also `data`,
//! `files` and `form`), `/status/{codes}` answers one code, or one of a
//! list picked at random (weighted with `code:weight`), with an empty
//! body. `/echo` (not httpbin's) sends the request body back. The rules
//! themselves live in `concur_core::endpoints`, shared with the page;
//! web/sw.js answers the same in the browser.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Request};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use concur_core::endpoints::{parse_delay, pick_status, query_args, title_case};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// What httpbin's 418 says, more or less.
const TEAPOT: &str = "\n    -=[ teapot ]=-\n\n    I'm a teapot (RFC 2324): no coffee here.\n";

fn bad_request(problem: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": problem })),
    )
        .into_response()
}

/// httpbin's `args`, `headers`, `origin` and `url` of a request.
fn described(request: &Request) -> serde_json::Map<String, Value> {
    let headers: serde_json::Map<String, Value> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                title_case(name.as_str()),
                json!(String::from_utf8_lossy(value.as_bytes())),
            )
        })
        .collect();
    let origin = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(String::new, |info| info.0.ip().to_canonical().to_string());
    let uri = request.uri();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let url = match host {
        Some(host) => format!("http://{host}{path}"),
        None => uri.to_string(),
    };
    let mut body = serde_json::Map::new();
    body.insert(
        "args".into(),
        Value::Object(query_args(uri.query().unwrap_or(""))),
    );
    body.insert("headers".into(), Value::Object(headers));
    body.insert("origin".into(), json!(origin));
    body.insert("url".into(), json!(url));
    body
}

/// `/delay/{seconds}`: waits, then answers like `/get` plus httpbin's
/// `data`, `files` and `form`.
pub async fn delay(Path(seconds): Path<String>, request: Request) -> Response {
    match parse_delay(&seconds) {
        Ok(wait) => {
            tokio::time::sleep(wait).await;
            let mut body = described(&request);
            body.insert("data".into(), json!(""));
            body.insert("files".into(), json!({}));
            body.insert("form".into(), json!({}));
            axum::Json(Value::Object(body)).into_response()
        }
        Err(problem) => bad_request(problem),
    }
}

/// `/get`: what the request was.
pub async fn describe(request: Request) -> Response {
    axum::Json(Value::Object(described(&request))).into_response()
}

/// A number in `0.0..1.0`, fresh each call (std's hasher keys are random).
fn roll() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// `/status/{codes}`: that status (one of them), an empty body as httpbin
/// sends it; 418 is a teapot.
pub async fn status(Path(codes): Path<String>) -> Response {
    match pick_status(&codes, roll()) {
        Ok(code) => {
            let status = StatusCode::from_u16(code).expect("200..=599 are valid statuses");
            let html = (header::CONTENT_TYPE, "text/html; charset=utf-8");
            if code == 418 {
                let more = (
                    header::HeaderName::from_static("x-more-info"),
                    "http://tools.ietf.org/html/rfc2324",
                );
                return (status, [html, more], TEAPOT).into_response();
            }
            (status, [html], "").into_response()
        }
        Err(problem) => bad_request(problem),
    }
}

/// `/echo`: the body back, with its content type.
pub async fn echo(headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or_else(|| header::HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

pub async fn not_found(uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({
            "error": format!("no endpoint at {}; try /delay/{{seconds}}, /status/{{codes}}, /get or /echo", uri.path())
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::super::Server;
    use std::time::{Duration, Instant};

    /// Status, content type and body, whatever the status.
    fn fetch(url: &str) -> (u16, String, String) {
        let response = match ureq::get(url).set("x-test", "1").call() {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(err) => panic!("{url}: {err}"),
        };
        let status = response.status();
        let content_type = response.header("content-type").unwrap_or("").to_string();
        (status, content_type, response.into_string().unwrap())
    }

    fn keys(body: &str) -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        value.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn delay_and_get_answer_httpbins_json() {
        let server = Server::start("127.0.0.1:0".parse().unwrap()).unwrap();
        let base = server.base_url();
        let started = Instant::now();
        let (code, content_type, body) = fetch(&format!("{base}/delay/0.12?x=1&x=2&y=z"));
        assert!(started.elapsed() >= Duration::from_millis(120));
        assert_eq!((code, content_type.as_str()), (200, "application/json"));
        // httpbin's /delay/{n}: args, data, files, form, headers, origin, url.
        assert_eq!(
            keys(&body),
            ["args", "data", "files", "form", "headers", "origin", "url"]
        );
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            value["args"],
            serde_json::json!({ "x": ["1", "2"], "y": "z" })
        );
        assert_eq!(value["origin"], "127.0.0.1");
        assert_eq!(value["url"], format!("{base}/delay/0.12?x=1&x=2&y=z"));
        assert_eq!(value["headers"]["X-Test"], "1");
        assert_eq!(value["headers"]["Host"], base.trim_start_matches("http://"));
        assert_eq!(
            (&value["data"], &value["form"]),
            (&"".into(), &serde_json::json!({}))
        );
        // httpbin's /get: args, headers, origin, url.
        let (code, content_type, body) = fetch(&format!("{base}/get?q=a+b"));
        assert_eq!((code, content_type.as_str()), (200, "application/json"));
        assert_eq!(keys(&body), ["args", "headers", "origin", "url"]);
        assert!(body.contains(r#""args":{"q":"a b"}"#), "{body}");
        assert!(body.contains(r#""User-Agent":"ureq"#), "{body}");
    }

    #[test]
    fn delays_are_seconds_capped_at_ten_and_garbage_is_refused() {
        let server = Server::start("127.0.0.1:0".parse().unwrap()).unwrap();
        let base = server.base_url();
        for bad in ["-1", "NaN", "inf", "1e3", "1,000x", "abc"] {
            let (code, content_type, body) = fetch(&format!("{base}/delay/{bad}"));
            assert_eq!(
                (code, content_type.as_str()),
                (400, "application/json"),
                "{bad}"
            );
            assert!(
                body.contains("/delay/{seconds}") && body.contains("0 to 10"),
                "{bad}: {body}"
            );
        }
        let post = ureq::post(&format!("{base}/delay/0")).call();
        assert!(matches!(post, Err(ureq::Error::Status(405, _))));
    }

    #[test]
    fn status_answers_one_code_or_one_of_a_list_with_an_empty_body() {
        let server = Server::start("127.0.0.1:0".parse().unwrap()).unwrap();
        let base = server.base_url();
        let (code, content_type, body) = fetch(&format!("{base}/status/503"));
        assert_eq!(
            (code, content_type.as_str(), body.as_str()),
            (503, "text/html; charset=utf-8", "")
        );
        assert_eq!(fetch(&format!("{base}/status/200")).0, 200);
        let (code, _, body) = fetch(&format!("{base}/status/418"));
        assert_eq!(code, 418);
        assert!(body.contains("teapot"), "{body}");
        let seen: std::collections::BTreeSet<u16> = (0..40)
            .map(|_| fetch(&format!("{base}/status/201,202")).0)
            .collect();
        assert_eq!(seen, [201, 202].into());
        assert_eq!(fetch(&format!("{base}/status/200:1,500:0")).0, 200);
        for bad in ["42", "1000", "abc", "200:x", "100"] {
            let (code, _, body) = fetch(&format!("{base}/status/{bad}"));
            assert_eq!(code, 400, "{bad}");
            assert!(body.contains("Invalid status code"), "{bad}: {body}");
        }
    }
}
