//! Tests of the stepwise GET against canned responses from a local
//! listener: which blocking steps a request takes, with and without
//! keep-alive, and the three ways a body ends.

use super::*;
use concur_core::worker::Edge;
use std::net::TcpListener;

/// Serves `responses` in order, one per request, each on its connection's
/// next request; `per_connection` responses per accepted connection.
fn serve(responses: Vec<&'static str>, per_connection: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        let mut responses = responses.into_iter();
        'connections: while let Ok((mut stream, _)) = listener.accept() {
            for _ in 0..per_connection {
                let mut request = Vec::new();
                let mut byte = [0u8; 1];
                while !request.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).unwrap_or(0) == 0 {
                        continue 'connections;
                    }
                    request.push(byte[0]);
                }
                let Some(response) = responses.next() else {
                    return;
                };
                // Two writes, so the client may need more than one read.
                let (head, tail) = response.split_at(response.len() / 2);
                let _ = stream.write_all(head.as_bytes());
                std::thread::sleep(Duration::from_millis(5));
                let _ = stream.write_all(tail.as_bytes());
            }
        }
    });
    base
}

/// GETs `url` and lists the steps it took.
fn stepped(io: &HttpIo, url: &str, keep_alive: bool) -> (Result<Reply, String>, Vec<Step>) {
    let mut seen = Vec::new();
    let mut hook = |step: Step, edge: Edge| {
        if edge == Edge::Begin {
            seen.push(step);
        }
    };
    let request = GetRequest {
        url,
        timeout_ms: None,
        keep_alive,
    };
    let reply = io.get_in_steps(&request, &mut Steps::new(&mut hook));
    (reply, seen)
}

const SIZED: &str = "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{\"ok\":true}\n";
const CHUNKED: &str = "HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
const UNSIZED: &str = "HTTP/1.1 202 Accepted\r\nconnection: close\r\n\r\nuntil the end";

#[test]
fn a_new_connection_per_request_looks_up_connects_sends_receives_and_closes() {
    let io = HttpIo::default();
    for (response, status) in [(SIZED, 200), (CHUNKED, 201), (UNSIZED, 202)] {
        let base = serve(vec![response], 1);
        let (reply, steps) = stepped(&io, &format!("{base}/delay/0"), false);
        assert_eq!(reply, Ok(Reply::Status(status)), "{response:?}");
        assert_eq!(
            &steps[..3],
            [Step::Resolve, Step::Connect, Step::Send],
            "{response:?}"
        );
        assert_eq!(steps.last(), Some(&Step::Close), "{response:?}");
        let receives = steps.iter().filter(|s| **s == Step::Receive).count();
        assert!(receives >= 1, "{response:?}: {steps:?}");
        assert_eq!(receives, steps.len() - 4, "{response:?}: {steps:?}");
    }
}

#[test]
fn keep_alive_reuses_the_connection_and_skips_connecting_and_closing() {
    let io = HttpIo::default();
    let base = serve(vec![SIZED, CHUNKED], 2);
    let url = format!("{base}/status/200");
    let (first, steps) = stepped(&io, &url, true);
    assert_eq!(first, Ok(Reply::Status(200)));
    assert_eq!(&steps[..3], [Step::Resolve, Step::Connect, Step::Send]);
    assert!(!steps.contains(&Step::Close), "{steps:?}");
    let (second, steps) = stepped(&io, &url, true);
    assert_eq!(second, Ok(Reply::Status(201)));
    assert_eq!(steps[0], Step::Send, "{steps:?}");
    assert!(steps[1..].iter().all(|s| *s == Step::Receive), "{steps:?}");
}

#[test]
fn urls_name_their_host_port_and_path() {
    let parsed = target("http://example.org/delay/10?x=1#top").expect("a plain URL");
    assert_eq!(
        (parsed.authority.as_str(), parsed.host, parsed.path),
        ("example.org:80", "example.org", "/delay/10?x=1")
    );
    assert_eq!(target("http://h:8080").expect("a URL").authority, "h:8080");
    assert_eq!(target("http://[::1]").expect("a URL").authority, "[::1]:80");
    assert!(target("https://example.org/").is_err());
}
