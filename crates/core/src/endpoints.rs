//! The rules of the built-in endpoints, which follow httpbin.org's paths
//! and meanings so that the tutorial's URLs work against concur unchanged:
//! `/delay/{seconds}` (a decimal, fractions allowed, at most
//! [`DELAY_MAX_S`] waited, as httpbin's `min(delay, 10)`) and
//! `/status/{codes}` (one code, a comma-separated list picked from at
//! random, or weighted `200:0.9,500:0.1`).
//!
//! One copy of the rules serves the native server (native/src/server.rs),
//! the page's simulation without a service worker (web/src/io.rs) and the
//! deadlines of worker processes ([`crate::worker::deadline`]); the
//! service worker (web/sw.js) is JavaScript and keeps a copy of its own,
//! which the browser tests hold to the same answers.

use std::time::Duration;

/// The longest a `/delay/{seconds}` waits, in seconds (httpbin's cap).
pub const DELAY_MAX_S: u64 = 10;

/// Status codes `/status/{codes}` may answer with: a final response cannot
/// be 1xx, and the HTTP crates refuse codes outside 100..=999.
pub const STATUS_RANGE: std::ops::RangeInclusive<u16> = 200..=599;

/// The path that waits `ms` milliseconds: `/delay/1`, `/delay/0.01`,
/// `/delay/1.5` (seconds, no trailing zeros).
pub fn delay_path(ms: u64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        return format!("/delay/{whole}");
    }
    let digits = format!("{frac:03}");
    format!("/delay/{whole}.{}", digits.trim_end_matches('0'))
}

/// How long `/delay/{seconds}` waits for the path segment `seconds`: a
/// plain decimal (`1`, `0.5`, `.5`, `1.`; no sign, exponent, `inf` or
/// `NaN`), capped at [`DELAY_MAX_S`]. The error names the segment and the
/// range.
pub fn parse_delay(segment: &str) -> Result<Duration, String> {
    let text = segment.trim();
    match plain_decimal(text) {
        Some(seconds) => Ok(Duration::from_secs_f64(seconds.min(DELAY_MAX_S as f64))),
        None => Err(format!(
            "/delay/{{seconds}} takes a number of seconds from 0 to {DELAY_MAX_S}, like 1 or 0.01 (more than {DELAY_MAX_S} waits {DELAY_MAX_S}); got \"{text}\""
        )),
    }
}

/// The value of a plain decimal (`1`, `0.5`, `.5`, `1.`): digits and at
/// most one dot, no sign, exponent, `inf` or `NaN`.
fn plain_decimal(text: &str) -> Option<f64> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let dots = text.chars().filter(|c| *c == '.').count();
    let plain = digits > 0 && dots <= 1 && digits + dots == text.len();
    plain.then(|| text.parse::<f64>().ok()).flatten()
}

/// The message of a refused `/status/{codes}`: httpbin's words, then
/// what is allowed.
fn invalid_status(codes: &str) -> String {
    format!(
        "Invalid status code: /status/{{codes}} takes a code from {} to {}, a list like 200,500 (one at random) or weights like 200:0.9,500:0.1; got \"{codes}\"",
        STATUS_RANGE.start(),
        STATUS_RANGE.end()
    )
}

/// The status `/status/{codes}` answers with. `roll`, in `0.0..1.0`, picks
/// from a list by the weights (1 where none is given), as httpbin's
/// `weighted_choice` does.
pub fn pick_status(codes: &str, roll: f64) -> Result<u16, String> {
    let refuse = || invalid_status(codes);
    let mut choices: Vec<(u16, f64)> = Vec::new();
    for choice in codes.trim().split(',') {
        let (code, weight) = match choice.split_once(':') {
            Some((code, weight)) => (code, plain_decimal(weight.trim()).ok_or_else(refuse)?),
            None => (choice, 1.0),
        };
        let code = code.trim();
        let code = code
            .parse::<u16>()
            .ok()
            .filter(|c| code.chars().all(|d| d.is_ascii_digit()) && STATUS_RANGE.contains(c))
            .ok_or_else(refuse)?;
        choices.push((code, weight));
    }
    let total: f64 = choices.iter().map(|(_, weight)| weight).sum();
    if total <= 0.0 {
        return Err(refuse());
    }
    let mut at = roll.clamp(0.0, 1.0) * total;
    for (code, weight) in &choices {
        if at < *weight {
            return Ok(*code);
        }
        at -= weight;
    }
    // A roll of 1.0 (or rounding) lands on the last code with a weight.
    Ok(choices
        .iter()
        .rev()
        .find(|(_, weight)| *weight > 0.0)
        .map_or(choices[0].0, |(code, _)| *code))
}

/// A header name as httpbin shows it: `user-agent` -> `User-Agent`.
pub fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The query of a URL as httpbin's `args`: each name with its value, or
/// with a list of values when it is repeated. Names and values are
/// percent-decoded (`+` is a space).
pub fn query_args(query: &str) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let mut args = serde_json::Map::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name), Value::String(decode(value)));
        match args.get_mut(&name) {
            Some(Value::Array(values)) => values.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
            None => {
                args.insert(name, value);
            }
        }
    }
    args
}

/// Percent-decoding of a query component (`+` as a space); a malformed
/// escape stays as it is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match bytes[idx] {
            b'+' => out.push(b' '),
            b'%' if hex(idx + 1).is_some() && hex(idx + 2).is_some() => {
                out.push((hex(idx + 1).unwrap_or(0) * 16 + hex(idx + 2).unwrap_or(0)) as u8);
                idx += 2;
            }
            other => out.push(other),
        }
        idx += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_paths_are_seconds_without_trailing_zeros() {
        for (ms, path) in [
            (0, "/delay/0"),
            (10, "/delay/0.01"),
            (500, "/delay/0.5"),
            (1000, "/delay/1"),
            (1500, "/delay/1.5"),
            (2001, "/delay/2.001"),
            (10_000, "/delay/10"),
        ] {
            assert_eq!(delay_path(ms), path);
            let segment = path.strip_prefix("/delay/").unwrap();
            assert_eq!(
                parse_delay(segment),
                Ok(Duration::from_millis(ms)),
                "{path}"
            );
        }
    }

    #[test]
    fn delays_are_plain_decimals_capped_at_ten_seconds() {
        assert_eq!(parse_delay(".5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_delay("1."), Ok(Duration::from_secs(1)));
        assert_eq!(parse_delay("99999"), Ok(Duration::from_secs(10)));
        for bad in [
            "", "-1", "NaN", "inf", "1e3", "+1", "1,000x", "1.2.3", ".", "abc",
        ] {
            let err = parse_delay(bad).unwrap_err();
            assert!(
                err.contains("/delay/{seconds}") && err.contains("0 to 10"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn statuses_are_one_code_a_list_or_weights() {
        assert_eq!(pick_status("503", 0.7), Ok(503));
        assert_eq!(pick_status("200,500", 0.2), Ok(200));
        assert_eq!(pick_status("200,500", 0.7), Ok(500));
        assert_eq!(pick_status("200:0.9,500:0.1", 0.85), Ok(200));
        assert_eq!(pick_status("200:0.9,500:0.1", 0.95), Ok(500));
        assert_eq!(pick_status("200:1,500:0", 1.0), Ok(200));
        for bad in [
            "42", "100", "600", "abc", "", "200,", "200:x", "200:-1", "200:0", "+200", "200:1e2",
            "200:inf",
        ] {
            let err = pick_status(bad, 0.5).unwrap_err();
            assert!(err.starts_with("Invalid status code"), "{bad}: {err}");
        }
    }

    #[test]
    fn headers_and_args_look_like_httpbins() {
        assert_eq!(title_case("user-agent"), "User-Agent");
        assert_eq!(title_case("HOST"), "Host");
        assert_eq!(title_case("x-concur-request"), "X-Concur-Request");
        let args = query_args("x=1&y=a+b%21&x=2&flag");
        assert_eq!(
            serde_json::Value::Object(args),
            serde_json::json!({ "x": ["1", "2"], "y": "a b!", "flag": "" })
        );
    }
}
