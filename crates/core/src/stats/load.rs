//! Other programs' CPU use while the models ran, and when it is worth a
//! warning.
//!
//! The native runner reads the operating system's busy CPU time (every
//! process, every core) before and after the runs, and its own (itself and
//! its reaped children). What is left, over the wall time, is how many
//! cores other programs kept busy meanwhile: the measurements competed with
//! them. This module is the arithmetic and the words; reading the counters
//! is the platform's (`native/src/load.rs`). The page cannot read them, so
//! its reports carry no load at all.

use serde::{Deserialize, Serialize};

/// Other programs using more than this many cores on average (a quarter of
/// one core) make the timings less trustworthy: a warning says so.
pub const BUSY_OTHERS_CORES: f64 = 0.25;
/// Windows shorter than this are not judged: the OS counts busy time in
/// ticks (10 ms per core on Linux), too coarse for a shorter window.
pub const MIN_WINDOW_S: f64 = 1.0;

/// What other programs did to the machine while the models ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MachineLoad {
    /// Other programs' average CPU use, in cores (0.5 = half of one core
    /// busy); null when it was not measured, and `note` says why.
    pub others_cores: Option<f64>,
    /// The window measured: every model's warm-up and measured runs, in
    /// seconds.
    pub window_s: f64,
    /// Why `others_cores` is null ("not measured on this platform").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl MachineLoad {
    /// From the counters' deltas over a window of `window_s` seconds: the
    /// machine's busy CPU seconds and concur's own (itself and its children).
    pub fn measured(system_busy_s: f64, own_s: f64, window_s: f64) -> MachineLoad {
        if window_s < MIN_WINDOW_S {
            return MachineLoad {
                others_cores: None,
                window_s,
                note: Some(format!(
                    "the runs took {window_s:.2} s, too short to measure (at least {MIN_WINDOW_S} s)"
                )),
            };
        }
        // Tick rounding can make others' share come out a hair below zero.
        let others = ((system_busy_s - own_s) / window_s).max(0.0);
        MachineLoad {
            others_cores: Some(others),
            window_s,
            note: None,
        }
    }

    /// Where the platform cannot tell.
    pub fn not_measured(window_s: f64) -> MachineLoad {
        MachineLoad {
            others_cores: None,
            window_s,
            note: Some("not measured on this platform".to_string()),
        }
    }

    /// The warning when others kept more than [`BUSY_OTHERS_CORES`] busy.
    pub fn warning(&self) -> Option<String> {
        let others = self.others_cores?;
        (others > BUSY_OTHERS_CORES).then(|| {
            format!(
                "other programs used {others:.2} cores on average while this ran: the timings are less trustworthy; close them or compare ratios within one run"
            )
        })
    }

    /// One line for the table, measured or not.
    pub fn line(&self) -> String {
        match (self.others_cores, &self.note) {
            (Some(others), _) => format!(
                "Other programs: {others:.2} cores busy on average during the {:.1} s of runs (warning above {BUSY_OTHERS_CORES})",
                self.window_s
            ),
            (None, Some(note)) => format!("Other programs' CPU use: {note}"),
            (None, None) => "Other programs' CPU use: not measured".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_above_a_quarter_core_and_not_below() {
        // 10 s window, the machine busy 23 CPU-seconds, concur 10: 1.3 cores.
        let busy = MachineLoad::measured(23.0, 10.0, 10.0);
        assert!((busy.others_cores.unwrap() - 1.3).abs() < 1e-9);
        let warning = busy.warning().expect("1.3 cores is a busy machine");
        assert!(warning.contains("1.30 cores"), "{warning}");
        assert!(warning.contains("close them"), "{warning}");
        let quiet = MachineLoad::measured(12.0, 10.0, 10.0);
        assert!((quiet.others_cores.unwrap() - 0.2).abs() < 1e-9);
        assert_eq!(quiet.warning(), None);
        assert!(quiet.line().contains("0.20 cores"), "{}", quiet.line());
    }

    #[test]
    fn rounding_below_zero_reads_as_idle() {
        assert_eq!(
            MachineLoad::measured(9.99, 10.0, 5.0).others_cores,
            Some(0.0)
        );
    }

    #[test]
    fn short_windows_and_other_platforms_say_why_there_is_no_figure() {
        let short = MachineLoad::measured(5.0, 0.1, 0.2);
        assert_eq!((short.others_cores, short.warning()), (None, None));
        assert!(short.line().contains("too short"), "{}", short.line());
        let elsewhere = MachineLoad::not_measured(3.0);
        assert!(elsewhere.line().contains("not measured on this platform"));
        let json = serde_json::to_value(&elsewhere).unwrap();
        assert_eq!(json["others_cores"], serde_json::Value::Null);
    }
}
