//! The result table as plain text, the way the CLI prints it.

use crate::report::{ModelResult, Report};

/// Seconds for people: "12.3 s", "1.23 s" or "45.6 ms".
pub fn duration(seconds: f64) -> String {
    if seconds >= 10.0 {
        format!("{seconds:.1} s")
    } else if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else {
        format!("{:.1} ms", seconds * 1000.0)
    }
}

fn row(result: &ModelResult, requests: bool) -> Vec<String> {
    let model = match result.gil_switch_ms {
        Some(ms) if ms != 5.0 => format!("{} ({ms} ms)", result.model.name()),
        _ => result.model.name().to_string(),
    };
    vec![
        model,
        result.workers.to_string(),
        duration(result.wall_s.median),
        duration(result.wall_s.min),
        duration(result.wall_s.max),
        result
            .speedup
            .map_or_else(|| "-".to_string(), |s| format!("{s:.2}x")),
        result
            .cpu_util
            .map_or_else(|| "-".to_string(), |util| format!("{:.0}%", util * 100.0)),
        if requests {
            result
                .request_ms
                .map_or_else(|| "-".to_string(), |ms| format!("{ms:.2} ms"))
        } else {
            String::new()
        },
        if result.answer_ok {
            format!("ok   {}", result.answer)
        } else {
            format!("WRONG {}", result.answer)
        },
    ]
}

/// Renders the table, then any problems, warnings and the explanation.
pub fn render(report: &Report) -> String {
    // The per-request column shows only where there were requests.
    let requests = report.results.iter().any(|r| r.request_ms.is_some());
    let header: Vec<String> = [
        "model",
        "workers",
        "median",
        "min",
        "max",
        "speedup",
        "cpu",
        if requests { "per request" } else { "" },
        "answer",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = std::iter::once(header)
        .chain(report.results.iter().map(|r| row(r, requests)))
        .map(|mut cells| {
            if !requests {
                cells.remove(7);
            }
            cells
        })
        .collect();
    let numeric = if requests { 1..=7 } else { 1..=6 };
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(col, cell)| {
                let pad = widths[col] - cell.chars().count();
                // Numbers align right, words left.
                if numeric.contains(&col) {
                    format!("{}{cell}", " ".repeat(pad))
                } else {
                    format!("{cell}{}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    for line in report.results.iter().flat_map(|r| r.problem_lines()) {
        out.push_str(&line);
        out.push('\n');
    }
    for warning in &report.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out.push_str(&format!("\nWhy: {}\n", report.explanation));
    if !report.claims.is_empty() {
        out.push_str("\nThe tutorial's claims on this machine:\n");
        for claim in &report.claims {
            let verdict = claim.verdict();
            out.push_str(&format!(
                "  {verdict:<13} {} (tutorial: {}; here: {})\n",
                claim.claim, claim.tutorial, claim.measured
            ));
        }
    }
    out
}
