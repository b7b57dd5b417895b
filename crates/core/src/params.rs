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
pub const DELAY_MS: Limit = Limit {
    field: "delay-ms",
    min: 0,
    max: 60_000,
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

    /// Parses a whole number; `_` and `,` may group digits ("100_000_000").
    pub fn parse(&self, text: &str) -> Result<u64, ParamError> {
        let digits: String = text
            .trim()
            .chars()
            .filter(|c| *c != '_' && *c != ',')
            .collect();
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub tasks: u32,
    pub workers: u32,
    /// Iterations per CPU task.
    pub n: u64,
    /// Server-side delay of each I/O task.
    pub delay_ms: u64,
    pub gil_switch_ms: f64,
    pub runs: u32,
    pub warmup: u32,
    /// Where I/O goes instead of the built-in server.
    pub target: Option<String>,
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
        let gil_switch_ms = parse_gil_switch_ms(&gil_switch_ms.to_string())?;
        if let Some(url) = &target {
            check_target(url)?;
        }
        Ok(Params {
            tasks: TASKS.check(tasks)? as u32,
            workers: WORKERS.check(workers)? as u32,
            // Each experiment checks its own range first (`Experiment::n_limit`);
            // some allow 0 (the echo clients' gap).
            n: Limit { min: 0, ..N }.check(n)?,
            delay_ms: DELAY_MS.check(delay_ms)?,
            gil_switch_ms,
            runs: RUNS.check(runs)? as u32,
            warmup: WARMUP.check(warmup)? as u32,
            target,
        })
    }

    pub fn gil_switch(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.gil_switch_ms / 1000.0)
    }
}

/// Accepts `http://host[:port]/path` URLs, the kind every executor can GET.
pub fn check_target(url: &str) -> Result<(), ParamError> {
    let refuse = |why: &str| ParamError {
        field: "target",
        problem: format!(
            "must be an http:// URL with a host, like http://127.0.0.1:8080/delay/1000 ({why}; got \"{url}\")"
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
