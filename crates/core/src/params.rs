//! Knobs of a run, validated once.
//!
//! Raw text (a CLI flag, a form field) becomes a value through
//! [`Limit::parse`], which names the field and the allowed range when the text
//! is wrong. A [`Params`] can only be built from values that passed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a knob's text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// The knob, as the CLI spells it without dashes: `workers`, `n`, ...
    pub field: &'static str,
    /// What is wrong, starting with "must ...".
    pub problem: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--{} {}", self.field, self.problem)
    }
}

impl std::error::Error for ParamError {}

/// The allowed range of a whole-number knob.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub field: &'static str,
    pub min: u64,
    pub max: u64,
}

pub const TASKS: Limit = Limit {
    field: "tasks",
    min: 1,
    max: 10_000,
};
pub const WORKERS: Limit = Limit {
    field: "workers",
    min: 1,
    max: 512,
};
pub const N: Limit = Limit {
    field: "n",
    min: 1,
    max: 10_000_000_000,
};
/// At most the built-in server's longest delay
/// ([`crate::endpoints::DELAY_MAX_S`], httpbin's cap), so no value is
/// silently shortened.
pub const DELAY_MS: Limit = Limit {
    field: "delay-ms",
    min: 0,
    max: crate::endpoints::DELAY_MAX_S * 1000,
};
pub const RUNS: Limit = Limit {
    field: "runs",
    min: 1,
    max: 100,
};
pub const WARMUP: Limit = Limit {
    field: "warmup",
    min: 0,
    max: 20,
};

/// The switch interval's range in milliseconds (CPython takes any positive value).
pub const GIL_SWITCH_MS_MIN: f64 = 0.01;
pub const GIL_SWITCH_MS_MAX: f64 = 1000.0;

impl Limit {
    fn refuse(&self, text: &str) -> ParamError {
        ParamError {
            field: self.field,
            problem: format!(
                "must be a whole number from {} to {} (got \"{}\")",
                group(self.min),
                group(self.max),
                text.trim()
            ),
        }
    }

    /// Parses a whole number. Digits may be grouped in threes by `_` or `,`
    /// ("100_000_000", "10,000"), one separator kind per number; any other
    /// use of a separator ("2,4", "1,,0", ",5") is refused.
    pub fn parse(&self, text: &str) -> Result<u64, ParamError> {
        let digits = ungroup(text.trim()).ok_or_else(|| self.refuse(text))?;
        let value: u64 = digits.parse().map_err(|_| self.refuse(text))?;
        self.check(value).map_err(|_| self.refuse(text))
    }

    /// Checks a number that is already parsed.
    pub fn check(&self, value: u64) -> Result<u64, ParamError> {
        if (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(self.refuse(&value.to_string()))
        }
    }
}

/// Parses the GIL switch interval in milliseconds (fractions allowed).
pub fn parse_gil_switch_ms(text: &str) -> Result<f64, ParamError> {
    let refuse = || ParamError {
        field: "gil-switch-ms",
        problem: format!(
            "must be a number of milliseconds from {GIL_SWITCH_MS_MIN} to {GIL_SWITCH_MS_MAX} (got \"{}\")",
            text.trim()
        ),
    };
    let value: f64 = text.trim().parse().map_err(|_| refuse())?;
    if value.is_finite() && (GIL_SWITCH_MS_MIN..=GIL_SWITCH_MS_MAX).contains(&value) {
        Ok(value)
    } else {
        Err(refuse())
    }
}

/// The digits of a number written with optional groups of three
/// ("1,000,000" or "1_000_000"), or `None` when a separator is misplaced.
fn ungroup(text: &str) -> Option<String> {
    let separators: Vec<char> = text.chars().filter(|c| matches!(c, '_' | ',')).collect();
    let Some(&separator) = separators.first() else {
        return Some(text.to_string());
    };
    if separators.iter().any(|c| *c != separator) {
        return None;
    }
    let mut groups = text.split(separator);
    let head = groups.next()?;
    let head_ok = (1..=3).contains(&head.len()) && head.chars().all(|c| c.is_ascii_digit());
    let rest_ok = groups
        .clone()
        .all(|group| group.len() == 3 && group.chars().all(|c| c.is_ascii_digit()));
    (head_ok && rest_ok).then(|| text.replace(separator, ""))
}

/// Writes 100000000 as 100,000,000.
pub fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Validated knobs of one experiment run.
///
/// The fields are private: a `Params` comes from [`Params::new`], from the
/// checked setters, or from deserializing, which runs the same checks
/// (`#[serde(try_from)]`), so an imported report or a run request posted to
/// the browser runner with a knob out of range is refused with a message
/// that names the field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawParams")]
pub struct Params {
    tasks: u32,
    workers: u32,
    /// Iterations per CPU task.
    n: u64,
    /// Server-side delay of each I/O task.
    delay_ms: u64,
    gil_switch_ms: f64,
    runs: u32,
    warmup: u32,
    /// Where I/O goes instead of the built-in server.
    target: Option<String>,
    /// Blocking GETs reuse one connection (`requests.Session`) instead of
    /// opening one per request (`requests.get`, the tutorial's code).
    keep_alive: bool,
}

/// The wire shape of [`Params`], before its checks.
#[derive(Deserialize)]
struct RawParams {
    tasks: u64,
    workers: u64,
    n: u64,
    delay_ms: u64,
    gil_switch_ms: f64,
    runs: u64,
    warmup: u64,
    target: Option<String>,
    /// Absent from reports written before the knob existed: off.
    #[serde(default)]
    keep_alive: bool,
}

impl TryFrom<RawParams> for Params {
    type Error = ParamError;

    fn try_from(raw: RawParams) -> Result<Params, ParamError> {
        Params::new(
            raw.tasks,
            raw.workers,
            raw.n,
            raw.delay_ms,
            raw.gil_switch_ms,
            raw.runs,
            raw.warmup,
            raw.target,
        )
        .map(|mut params| {
            params.keep_alive = raw.keep_alive;
            params
        })
    }
}

impl Params {
    /// Builds params from numbers, checking each against its limit.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tasks: u64,
        workers: u64,
        n: u64,
        delay_ms: u64,
        gil_switch_ms: f64,
        runs: u64,
        warmup: u64,
        target: Option<String>,
    ) -> Result<Params, ParamError> {
        let gil_switch_ms = check_gil_switch_ms(gil_switch_ms)?;
        if let Some(url) = &target {
            check_target(url)?;
        }
        Ok(Params {
            tasks: TASKS.check(tasks)? as u32,
            workers: WORKERS.check(workers)? as u32,
            // Each experiment checks its own range first (`Experiment::n_limit`);
            // some allow 0 (the echo clients' gap).
            n: N_ANY.check(n)?,
            delay_ms: DELAY_MS.check(delay_ms)?,
            gil_switch_ms,
            runs: RUNS.check(runs)? as u32,
            warmup: WARMUP.check(warmup)? as u32,
            target,
            keep_alive: false,
        })
    }

    /// The catalog's compile-time defaults. Unchecked here because `const`
    /// cannot call the checks; a catalog test runs every experiment's
    /// defaults through [`Params::new`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn catalog_default(
        tasks: u32,
        workers: u32,
        n: u64,
        delay_ms: u64,
        runs: u32,
        warmup: u32,
    ) -> Params {
        Params {
            tasks,
            workers,
            n,
            delay_ms,
            gil_switch_ms: 5.0,
            runs,
            warmup,
            target: None,
            keep_alive: false,
        }
    }

    pub fn tasks(&self) -> u32 {
        self.tasks
    }
    pub fn workers(&self) -> u32 {
        self.workers
    }
    /// Iterations per CPU task (rows, gaps: what the experiment's `--n` means).
    pub fn n(&self) -> u64 {
        self.n
    }
    /// Server-side delay of each I/O task (or the experiment's pause).
    pub fn delay_ms(&self) -> u64 {
        self.delay_ms
    }
    pub fn gil_switch_ms(&self) -> f64 {
        self.gil_switch_ms
    }
    pub fn runs(&self) -> u32 {
        self.runs
    }
    pub fn warmup(&self) -> u32 {
        self.warmup
    }
    /// Where I/O goes instead of the built-in server.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }
    /// True when blocking GETs (sequential, threads, processes) reuse one
    /// connection per worker (`requests.Session`); false, the default and
    /// the tutorial's `requests.get`, opens one per request. The async
    /// model shares one client's connections either way, as
    /// `aiohttp.ClientSession` does.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    pub fn set_tasks(&mut self, tasks: u64) -> Result<&mut Params, ParamError> {
        self.tasks = TASKS.check(tasks)? as u32;
        Ok(self)
    }
    pub fn set_workers(&mut self, workers: u64) -> Result<&mut Params, ParamError> {
        self.workers = WORKERS.check(workers)? as u32;
        Ok(self)
    }
    pub fn set_n(&mut self, n: u64) -> Result<&mut Params, ParamError> {
        self.n = N_ANY.check(n)?;
        Ok(self)
    }
    pub fn set_delay_ms(&mut self, delay_ms: u64) -> Result<&mut Params, ParamError> {
        self.delay_ms = DELAY_MS.check(delay_ms)?;
        Ok(self)
    }
    pub fn set_gil_switch_ms(&mut self, gil_switch_ms: f64) -> Result<&mut Params, ParamError> {
        self.gil_switch_ms = check_gil_switch_ms(gil_switch_ms)?;
        Ok(self)
    }
    pub fn set_runs(&mut self, runs: u64) -> Result<&mut Params, ParamError> {
        self.runs = RUNS.check(runs)? as u32;
        Ok(self)
    }
    pub fn set_warmup(&mut self, warmup: u64) -> Result<&mut Params, ParamError> {
        self.warmup = WARMUP.check(warmup)? as u32;
        Ok(self)
    }
    pub fn set_target(&mut self, target: Option<String>) -> Result<&mut Params, ParamError> {
        if let Some(url) = &target {
            check_target(url)?;
        }
        self.target = target;
        Ok(self)
    }
    /// Every value is valid, so this setter cannot refuse.
    pub fn set_keep_alive(&mut self, keep_alive: bool) -> &mut Params {
        self.keep_alive = keep_alive;
        self
    }

    pub fn gil_switch(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.gil_switch_ms / 1000.0)
    }
}

/// `--n` before an experiment narrows it (`Experiment::n_limit`).
const N_ANY: Limit = Limit { min: 0, ..N };

fn check_gil_switch_ms(value: f64) -> Result<f64, ParamError> {
    if value.is_finite() && (GIL_SWITCH_MS_MIN..=GIL_SWITCH_MS_MAX).contains(&value) {
        Ok(value)
    } else {
        parse_gil_switch_ms(&value.to_string())
    }
}

/// Accepts `http://host[:port]/path` URLs, the kind every executor can GET.
pub fn check_target(url: &str) -> Result<(), ParamError> {
    let refuse = |why: &str| ParamError {
        field: "target",
        problem: format!(
            "must be an http:// URL with a host, like http://127.0.0.1:8080/delay/1 ({why}; got \"{url}\")"
        ),
    };
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(refuse(if url.starts_with("https://") {
            "https is not supported: the runner speaks plain HTTP only"
        } else {
            "no http:// scheme"
        }));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(refuse("no host"));
    }
    if let Some((_, port)) = host.rsplit_once(':')
        && !host.ends_with(']')
        && port.parse::<u16>().map_or(true, |port| port == 0)
    {
        return Err(refuse("the port must be 1 to 65535"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_field_and_the_range() {
        assert_eq!(WORKERS.parse(" 4 "), Ok(4));
        assert_eq!(N.parse("100_000_000"), Ok(100_000_000));
        let zero = WORKERS.parse("0").unwrap_err();
        assert_eq!(
            zero.to_string(),
            "--workers must be a whole number from 1 to 512 (got \"0\")"
        );
        assert!(WORKERS.parse("-3").is_err());
        assert!(N.parse("99999999999999999999999").is_err());
        assert!(N.parse("ten").is_err());
        assert!(DELAY_MS.parse("0").is_ok());
        assert_eq!(group(10_000_000_000), "10,000,000,000");
    }

    #[test]
    fn separators_group_digits_in_threes_only() {
        assert_eq!(N.parse("1,000"), Ok(1000));
        assert_eq!(N.parse("12_345_678"), Ok(12_345_678));
        assert_eq!(N.parse("999"), Ok(999));
        for bad in [
            "2,4",
            "1,,0",
            ",5",
            "5,",
            "1,0000",
            "1_000,000",
            "1__000",
            "1234,567",
            "1,000_",
        ] {
            let err = N.parse(bad).unwrap_err();
            assert_eq!(err.field, "n", "{bad}");
            assert!(err.problem.contains(bad), "{bad}: {}", err.problem);
        }
        assert!(WORKERS.parse("2,4").is_err());
        assert!(TASKS.parse("1,,0").is_err());
    }

    #[test]
    fn deserializing_runs_the_checks_and_names_the_field() {
        let good = Params::new(4, 2, 1000, 0, 5.0, 1, 0, None).unwrap();
        let json = serde_json::to_string(&good).unwrap();
        assert_eq!(serde_json::from_str::<Params>(&json).unwrap(), good);
        for (field, value) in [
            ("workers", "0"),
            ("tasks", "10001"),
            ("runs", "0"),
            ("delay_ms", "10001"),
            ("gil_switch_ms", "0.0"),
        ] {
            let mut raw: serde_json::Value = serde_json::from_str(&json).unwrap();
            raw[field] = serde_json::from_str(value).unwrap();
            let err = serde_json::from_value::<Params>(raw)
                .unwrap_err()
                .to_string();
            let flag = field.replace('_', "-");
            assert!(err.contains(&format!("--{flag} must")), "{field}: {err}");
        }
        let mut raw: serde_json::Value = serde_json::from_str(&json).unwrap();
        raw["target"] = "ftp://x".into();
        let err = serde_json::from_value::<Params>(raw)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--target"), "{err}");
    }

    #[test]
    fn keep_alive_round_trips_and_older_reports_load_with_it_off() {
        let mut params = Params::new(4, 2, 1000, 0, 5.0, 1, 0, None).unwrap();
        assert!(!params.keep_alive());
        params.set_keep_alive(true);
        let json = serde_json::to_string(&params).unwrap();
        assert!(json.contains(r#""keep_alive":true"#), "{json}");
        assert_eq!(serde_json::from_str::<Params>(&json).unwrap(), params);
        let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
        old.as_object_mut().unwrap().remove("keep_alive");
        let loaded = serde_json::from_value::<Params>(old).unwrap();
        assert!(!loaded.keep_alive());
        assert_eq!(DELAY_MS.max, 10_000);
    }

    #[test]
    fn setters_check_like_the_constructor() {
        let mut params = Params::new(4, 2, 1000, 0, 5.0, 1, 0, None).unwrap();
        assert_eq!(params.set_workers(0).unwrap_err().field, "workers");
        assert_eq!(params.workers(), 2);
        params.set_workers(8).unwrap().set_n(5).unwrap();
        assert_eq!((params.workers(), params.n()), (8, 5));
    }

    #[test]
    fn switch_interval_accepts_fractions_within_range() {
        assert_eq!(parse_gil_switch_ms("0.5"), Ok(0.5));
        for bad in ["0", "-1", "NaN", "inf", "5000", "five"] {
            let err = parse_gil_switch_ms(bad).unwrap_err();
            assert_eq!(err.field, "gil-switch-ms", "{bad}");
        }
    }

    #[test]
    fn targets_must_be_plain_http() {
        assert!(check_target("http://127.0.0.1:9/delay/1").is_ok());
        assert!(check_target("http://example.org").is_ok());
        for bad in [
            "https://x.org",
            "ftp://x",
            "http://",
            "http://h:0/",
            "http://h:99999/",
        ] {
            assert_eq!(check_target(bad).unwrap_err().field, "target", "{bad}");
        }
    }
}
