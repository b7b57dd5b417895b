//! Checkable answers: what a task computed, and whether a run got it right.
//!
//! Every task returns a [`TaskAnswer`]. A run's answer is the list of them in
//! task order, so a model that ran tasks in another order or lost one differs.

use serde::{Deserialize, Serialize};

/// What one task produced.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskAnswer {
    /// A floating-point sum; compared bit for bit.
    Sum(f64),
    /// The HTTP status of a request.
    Status(u16),
    /// How many values a filter kept and their sum.
    Stats { kept: u64, sum: u64 },
    /// How many of a run of requests succeeded.
    Requests { ok: u32, total: u32 },
    /// How many rows a task inserted and committed.
    Rows { inserted: u32 },
    /// A request that got no answer within its timeout.
    TimedOut { after_ms: u32 },
    /// What an echo client got back: its length and FNV-1a hash.
    Echo { bytes: u32, hash: u64 },
}

impl TaskAnswer {
    /// What an echo client records about the reply it got.
    pub fn echo_of(reply: &[u8]) -> TaskAnswer {
        TaskAnswer::Echo {
            bytes: reply.len() as u32,
            hash: crate::workload::echo_hash(reply),
        }
    }

    /// Equality that treats floats bit for bit (so 0.1+0.2 != 0.3 is caught).
    pub fn same_as(&self, other: &TaskAnswer) -> bool {
        match (self, other) {
            (TaskAnswer::Sum(a), TaskAnswer::Sum(b)) => a.to_bits() == b.to_bits(),
            (a, b) => a == b,
        }
    }
}

/// A run's answers in task order; `None` where a task failed.
pub type RunAnswer = Vec<Option<TaskAnswer>>;

/// True when two runs produced the identical answers.
pub fn same_answers(a: &[Option<TaskAnswer>], b: &[Option<TaskAnswer>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| match (a, b) {
            (Some(a), Some(b)) => a.same_as(b),
            _ => false,
        })
}

/// Sorts per-task outcomes into answers in task order plus failure lines.
pub fn gather(
    n_tasks: usize,
    outcomes: impl IntoIterator<Item = (u32, Result<TaskAnswer, String>)>,
) -> (RunAnswer, Vec<String>) {
    let mut answers = vec![None; n_tasks];
    let mut failures = Vec::new();
    for (task_idx, outcome) in outcomes {
        match outcome {
            Ok(answer) => answers[task_idx as usize] = Some(answer),
            Err(why) => failures.push(why),
        }
    }
    failures.sort();
    (answers, failures)
}

/// A short human summary: "4 sums, total 2.6667e12" or "5 × HTTP 200".
pub fn summarize(answers: &[Option<TaskAnswer>]) -> String {
    let failed = answers.iter().filter(|a| a.is_none()).count();
    let mut sums = Vec::new();
    let (mut batches, mut kept, mut kept_sum) = (0u64, 0u64, 0u64);
    let mut parts = Vec::new();
    let mut rows = 0u64;
    let (mut echoes, mut echoed) = (0u64, 0u64);
    let mut timed_out = 0u64;
    let mut statuses: Vec<(u16, usize)> = Vec::new();
    for answer in answers.iter().flatten() {
        match answer {
            TaskAnswer::Sum(value) => sums.push(*value),
            TaskAnswer::Status(code) => match statuses.iter_mut().find(|(c, _)| c == code) {
                Some((_, count)) => *count += 1,
                None => statuses.push((*code, 1)),
            },
            TaskAnswer::Stats { kept: k, sum } => {
                batches += 1;
                kept += k;
                kept_sum += sum;
            }
            TaskAnswer::Requests { ok, total } => {
                parts.push(format!("{ok} of {total} requests ok"));
            }
            TaskAnswer::Rows { inserted } => rows += u64::from(*inserted),
            TaskAnswer::TimedOut { .. } => timed_out += 1,
            TaskAnswer::Echo { bytes, .. } => {
                echoes += 1;
                echoed += u64::from(*bytes);
            }
        }
    }
    if echoes > 0 {
        parts.push(format!("{echoes} echoes, {echoed} bytes"));
    }
    if rows > 0 {
        parts.push(format!("{rows} rows committed"));
    }
    if batches > 0 {
        parts.push(format!(
            "{batches} batches, kept {kept}, mean {:.4}",
            kept_sum as f64 / kept.max(1) as f64
        ));
    }
    if !sums.is_empty() {
        let total: f64 = sums.iter().sum();
        parts.push(format!("{} sums, total {:.6e}", sums.len(), total));
    }
    statuses.sort();
    for (code, count) in statuses {
        parts.push(format!("{count} × HTTP {code}"));
    }
    if timed_out > 0 {
        parts.push(format!("{timed_out} timed out"));
    }
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if parts.is_empty() {
        "nothing".to_string()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_compare_bit_for_bit_and_failures_never_match() {
        let a = vec![Some(TaskAnswer::Sum(0.1 + 0.2))];
        let b = vec![Some(TaskAnswer::Sum(0.3))];
        assert!(!same_answers(&a, &b));
        assert!(same_answers(&a, &a.clone()));
        assert!(!same_answers(&[None], &[None]));
        assert!(!same_answers(&a, &[]));
    }

    #[test]
    fn summaries_count_statuses_and_failures() {
        let answers = vec![
            Some(TaskAnswer::Status(200)),
            Some(TaskAnswer::Status(503)),
            Some(TaskAnswer::Status(200)),
            None,
        ];
        assert_eq!(summarize(&answers), "2 × HTTP 200, 1 × HTTP 503, 1 failed");
        assert_eq!(
            summarize(&[Some(TaskAnswer::Sum(2.0)), Some(TaskAnswer::Sum(1.0))]),
            "2 sums, total 3.000000e0"
        );
    }
}
