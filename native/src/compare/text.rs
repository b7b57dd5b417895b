//! The comparison as text: a header naming each side (file, tool,
//! machine, other programs' CPU use), what the ratio means, then one table
//! per experiment (each side's median and min … max, B/A, each side's
//! speedup over its own sequential, and a note in words), then warnings.

use concur_core::compare::{Cell, Comparison, Kind, Row, Side};
use concur_core::export::table::{aligned, times};

/// Renders the whole comparison.
pub fn render(comparison: &Comparison) -> String {
    let mut out = String::new();
    for side in &comparison.sides {
        out.push_str(&side_lines(comparison.kind, side));
    }
    out.push_str(&format!("{}.\n", comparison.ratio_meaning));
    out.push_str(
        "Speedups are each side's own sequential median over the model's: the shape, which transfers between machines where absolute times do not.\n",
    );
    let mut start = 0;
    while start < comparison.rows.len() {
        let first = &comparison.rows[start];
        let end = start
            + comparison.rows[start..]
                .iter()
                .take_while(|row| {
                    row.experiment == first.experiment && row.occurrence == first.occurrence
                })
                .count();
        out.push_str(&format!("\n{}", first.experiment));
        if first.occurrence > 1 {
            out.push_str(&format!(
                " (report {} of that experiment)",
                first.occurrence
            ));
        }
        out.push('\n');
        out.push_str(&table(&comparison.rows[start..end]));
        start = end;
    }
    if !comparison.warnings.is_empty() {
        out.push('\n');
    }
    for warning in &comparison.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

/// "A: file: tool", the machine, and other programs' CPU use.
fn side_lines(kind: Kind, side: &Side) -> String {
    let what = match (kind, side.label.as_str()) {
        (Kind::ConcurVsCpython, "A") => "concur's models, ",
        (Kind::ConcurVsCpython, _) => "the CPython twins, ",
        _ => "",
    };
    let document = side
        .document_tool
        .as_ref()
        .map_or_else(String::new, |tool| {
            format!(" ({} reports written by {tool})", side.reports)
        });
    let machine = &side.machine;
    let mut out = format!(
        "{}: {}{document}: {what}{}\n   {} logical cores, {}, {}\n",
        side.label, side.file, side.tool, machine.logical_cores, machine.cpu_model, machine.os
    );
    match side.machine_load.as_slice() {
        [] => {}
        [only] if side.reports == 1 => out.push_str(&format!("   {}\n", only.load.line())),
        loads => {
            let busiest = loads
                .iter()
                .filter_map(|l| Some((l.load.others_cores?, &l.experiment)))
                .max_by(|x, y| x.0.total_cmp(&y.0));
            if let Some((cores, experiment)) = busiest {
                out.push_str(&format!(
                    "   Other programs: at most {cores:.2} cores busy on average (during {experiment}), over the {} of {} reports that measured it\n",
                    loads.len(),
                    side.reports
                ));
            }
        }
    }
    out
}

fn speedup(cell: Option<&Cell>) -> String {
    cell.and_then(|c| c.speedup)
        .map_or_else(|| "-".to_string(), |s| format!("{s:.2}x"))
}

/// Median and min … max of a side, or dashes where it has no such row.
fn wall(cell: Option<&Cell>) -> [String; 2] {
    match cell {
        Some(cell) => {
            let [median, _, range] = times(&cell.wall_s);
            [median, range]
        }
        None => ["-".to_string(), "-".to_string()],
    }
}

/// The row's note: which way the ratio goes, in words; the spread; WRONG.
pub fn note(row: &Row) -> String {
    let wrong_in: Vec<&str> = [("A", &row.a), ("B", &row.b)]
        .into_iter()
        .filter(|(_, cell)| cell.as_ref().is_some_and(|c| !c.answer_ok))
        .map(|(label, _)| label)
        .collect();
    if !wrong_in.is_empty() {
        return format!("WRONG answer in {}: no ratio", wrong_in.join(" and "));
    }
    match (&row.a, &row.b, row.ratio) {
        (Some(_), None, _) => "only in A".to_string(),
        (None, Some(_), _) => "only in B".to_string(),
        (_, _, Some(ratio)) => {
            let way = if ratio >= 1.0 {
                format!("B takes {ratio:.2}x as long")
            } else {
                format!("B is {:.2}x faster", 1.0 / ratio)
            };
            if row.overlap == Some(true) {
                format!("{way}, within the run-to-run spread")
            } else {
                way
            }
        }
        _ => "-".to_string(),
    }
}

fn label(row: &Row) -> String {
    match (&row.a, &row.b) {
        (Some(a), Some(b)) if a.label != b.label => format!("{} vs {}", a.label, b.label),
        (Some(cell), _) | (_, Some(cell)) => cell.label.clone(),
        (None, None) => String::new(),
    }
}

/// The table of one experiment's rows, numbers aligned right.
fn table(rows: &[Row]) -> String {
    let header: Vec<String> = [
        "model",
        "A median",
        "A min … max",
        "B median",
        "B min … max",
        "B/A",
        "A speedup",
        "B speedup",
        "",
    ]
    .map(String::from)
    .to_vec();
    let mut lines = vec![header];
    for row in rows {
        let [a_median, a_range] = wall(row.a.as_ref());
        let [b_median, b_range] = wall(row.b.as_ref());
        lines.push(vec![
            label(row),
            a_median,
            a_range,
            b_median,
            b_range,
            row.ratio
                .map_or_else(|| "-".to_string(), |r| format!("{r:.2}x")),
            speedup(row.a.as_ref()),
            speedup(row.b.as_ref()),
            note(row),
        ]);
    }
    let columns = lines[0].len();
    let text = aligned(&lines, |col| col != 0 && col != columns - 1);
    text.lines().map(|line| format!("  {line}\n")).collect()
}
