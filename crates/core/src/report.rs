//! Reports: what the runs of every model add up to.
//!
//! Executors hand in [`ModelRuns`] (the measured runs of each model, with
//! traces); [`Report::build`] checks answers, summarizes wall times, computes
//! speedups against sequential and writes the explanation. The report is
//! serde JSON with a schema version, so a page can import a native one.

use crate::answer::{RunAnswer, TaskAnswer, gather, same_answers, summarize as summarize_answers};
use crate::claims::{ClaimCheck, check_claims};
use crate::experiment::{CLIENT_LANES, Experiment, Plan};
use crate::explain::explain;
use crate::model::{GilMode, Model};
use crate::params::Params;
use crate::stats::{Interval, MachineLoad, Summary, outliers, speedup_interval, summarize};
use crate::trace::{Event, EventKind, Lane, Trace};
use serde::{Deserialize, Serialize};

/// Bumped whenever a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// The machine the runs were made on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub logical_cores: u32,
    pub os: String,
    pub cpu_model: String,
}

/// One run of one model, as an executor measured it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    pub start_ns: u64,
    pub end_ns: u64,
    /// CPU time the workers used (threads, processes or the loop), summed;
    /// None where the platform cannot tell (browsers).
    pub cpu_ns: Option<u64>,
    /// Answers in task order; None where the task failed.
    pub answers: RunAnswer,
    /// Why tasks failed, one line each.
    pub failures: Vec<String>,
    pub trace: Trace,
}

impl RunOutcome {
    pub fn wall_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// Puts a run together from what its workers brought back: answers in
    /// task order, every failure, all events, and the CPU time of those
    /// workers that could measure it.
    pub fn assemble(
        start_ns: u64,
        end_ns: u64,
        n_tasks: usize,
        lanes: Vec<Lane>,
        shares: impl IntoIterator<Item = WorkerShare>,
    ) -> RunOutcome {
        let (mut outcomes, mut loose_failures, mut events) = (Vec::new(), Vec::new(), Vec::new());
        let mut cpu_ns: Option<u64> = None;
        for share in shares {
            outcomes.extend(share.outcomes);
            loose_failures.extend(share.failures);
            events.extend(share.events);
            if let Some(cpu) = share.cpu_ns {
                cpu_ns = Some(cpu_ns.unwrap_or(0) + cpu);
            }
        }
        // Run-wide lines (a worker that died, the echo clients' summary of
        // causes) come first: they explain the per-task lines after them,
        // and the table shows only the first few.
        let (answers, task_failures) = gather(n_tasks, outcomes);
        let mut failures = loose_failures;
        failures.extend(task_failures);
        RunOutcome {
            start_ns,
            end_ns,
            cpu_ns,
            answers,
            failures,
            trace: Trace { lanes, events },
        }
    }
}

/// What one worker (a thread, a process, a coroutine) brings back from a run.
#[derive(Clone, Debug, Default)]
pub struct WorkerShare {
    /// Per task: its answer, or why it failed.
    pub outcomes: Vec<(u32, Result<TaskAnswer, String>)>,
    /// Failures tied to no task (a worker that never started, say).
    pub failures: Vec<String>,
    pub events: Vec<Event>,
    /// CPU time the worker used, where the platform can measure it.
    pub cpu_ns: Option<u64>,
}

/// The measured (not warm-up) runs of one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRuns {
    pub model: Model,
    pub workers: u32,
    pub runs: Vec<RunOutcome>,
}

/// Seconds per event kind, summed over the lanes of the median run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeBreakdown {
    pub run_s: f64,
    pub io_wait_s: f64,
    pub gil_wait_s: f64,
    pub spawn_s: f64,
    pub serialize_s: f64,
    pub queue_wait_s: f64,
    /// Time spent neither computing nor waiting on anything shared (the
    /// processing after each database row); absent from older reports.
    #[serde(default)]
    pub idle_s: f64,
}

/// The outcome of one model, as tables and JSON show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    pub model: Model,
    pub workers: u32,
    /// "on" or "off" for the thread models, null for the rest.
    pub gil: Option<GilMode>,
    pub gil_switch_ms: Option<f64>,
    pub wall_s: Summary,
    /// Sequential median over this median; null without a sequential run.
    pub speedup: Option<f64>,
    /// The speedup's 95% interval by the percentile bootstrap over the
    /// runs (`stats::speedup_interval`); null for sequential itself, with
    /// fewer than 3 runs on either side, and in older reports.
    #[serde(default)]
    pub speedup_ci: Option<Interval>,
    /// CPU time over wall time in the median run: 2.0 means two cores
    /// busy; null where the platform cannot measure CPU time.
    pub cpu_util: Option<f64>,
    pub answer: String,
    /// True when every run produced the checked answer every other model did.
    pub answer_ok: bool,
    /// What went wrong: failed tasks, wrong or differing answers.
    pub problems: Vec<String>,
    /// Zero-based indices of runs flagged as outliers (modified Z-score
    /// above `stats::OUTLIER_Z`).
    pub outlier_runs: Vec<usize>,
    /// Mean time per request in the median run: waiting for the answer plus
    /// waiting for the GIL back (null without requests).
    pub request_ms: Option<f64>,
    pub time: TimeBreakdown,
    /// The GIL in numbers in the median run (threads-gil only): per
    /// thread, the share of the run it held the lock and waited for it,
    /// and how often the lock changed hands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gil_stats: Option<crate::analysis::GilStats>,
    /// The distribution of per-request (or per-client) latencies in the
    /// median run, where there were requests or echo clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<crate::analysis::Histogram>,
}

/// Problems a table shows per model; the JSON report has them all.
pub const PROBLEMS_SHOWN: usize = 10;

impl ModelResult {
    /// "model: problem" lines for people: the first [`PROBLEMS_SHOWN`], then
    /// how many more there are (10,000 failed clients make 10,000 lines).
    pub fn problem_lines(&self) -> Vec<String> {
        let name = self.model.name();
        let mut lines: Vec<String> = self
            .problems
            .iter()
            .take(PROBLEMS_SHOWN)
            .map(|problem| format!("{name}: {problem}"))
            .collect();
        if self.problems.len() > PROBLEMS_SHOWN {
            lines.push(format!(
                "{name}: and {} more problems (the JSON report lists them all)",
                self.problems.len() - PROBLEMS_SHOWN
            ));
        }
        lines
    }
}

/// Everything one `concur run` measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    /// "concur 0.1.0 (native)" or the page's equivalent.
    pub tool: String,
    pub experiment: String,
    pub params: Params,
    pub machine: Machine,
    pub results: Vec<ModelResult>,
    pub explanation: String,
    /// The tutorial's claims for this experiment, checked against this run.
    pub claims: Vec<ClaimCheck>,
    pub warnings: Vec<String>,
    /// Other programs' CPU use while the models ran (native runs); null
    /// where nobody measured it (the page, older reports).
    #[serde(default)]
    pub machine_load: Option<MachineLoad>,
    /// The Python twin's results beside concur's (`concur python`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpython: Vec<crate::twin::CpythonResult>,
}

fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// The index of the run whose wall time is the median (the lower one for an even count).
fn median_run(runs: &[RunOutcome]) -> usize {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by_key(|&idx| runs[idx].wall_ns());
    order[(order.len() - 1) / 2]
}

/// Mean milliseconds per request: io-wait and gil-wait slices of I/O tasks
/// over the number of GETs they made; for echo clients, the time each
/// waited from connecting to its answer.
fn request_ms(plan: &Plan, trace: &Trace) -> Option<f64> {
    let requests: u32 = plan.tasks.iter().map(|t| t.op.request_count()).sum();
    if requests == 0 {
        return None;
    }
    let waited: u64 = trace
        .events
        .iter()
        .filter(|e| {
            if e.lane >= CLIENT_LANES {
                return matches!(e.kind, EventKind::IoWait | EventKind::QueueWait);
            }
            matches!(e.kind, EventKind::IoWait | EventKind::GilWait)
                && e.task_idx
                    .and_then(|idx| plan.tasks.get(idx as usize))
                    .is_some_and(|task| task.op.requests().is_some())
        })
        .map(|e| e.duration_ns())
        .sum();
    Some(waited as f64 / 1e6 / f64::from(requests))
}

/// A run's answers as models compare them: a health check that may go
/// either way (see `Op::either_outcome`) counts the same whatever it got.
pub fn comparable(plan: &Plan, answers: &[Option<TaskAnswer>]) -> Vec<Option<TaskAnswer>> {
    answers
        .iter()
        .zip(&plan.tasks)
        .map(|(answer, task)| match answer {
            Some(_) if task.op.either_outcome() => Some(TaskAnswer::TimedOut { after_ms: 0 }),
            other => *other,
        })
        .collect()
}

fn breakdown(trace: &Trace) -> TimeBreakdown {
    let s = |kind| seconds(trace.total_ns(kind));
    TimeBreakdown {
        run_s: s(EventKind::Run),
        io_wait_s: s(EventKind::IoWait),
        gil_wait_s: s(EventKind::GilWait),
        spawn_s: s(EventKind::Spawn),
        serialize_s: s(EventKind::Serialize),
        queue_wait_s: s(EventKind::QueueWait),
        idle_s: s(EventKind::Idle),
    }
}

/// Problems with one run's answers, checked against the workload alone.
fn check_run(experiment: &Experiment, plan: &Plan, run: &RunOutcome) -> Vec<String> {
    let mut problems = run.failures.clone();
    for (task, answer) in plan.tasks.iter().zip(&run.answers) {
        match answer {
            Some(answer) => problems.extend(experiment.check(task, answer).err()),
            None if run.failures.is_empty() => {
                problems.push(format!("task {}: no answer", task.idx));
            }
            None => {}
        }
    }
    if run.answers.len() != plan.tasks.len() {
        problems.push(format!(
            "{} answers for {} tasks",
            run.answers.len(),
            plan.tasks.len()
        ));
    }
    problems
}

impl Report {
    /// Builds the report; `runs` holds at least one measured run per model.
    pub fn build(
        experiment: &Experiment,
        plan: &Plan,
        params: &Params,
        machine: Machine,
        tool: &str,
        runs: &[ModelRuns],
    ) -> Report {
        // The reference answer: the first run of any model that passes its checks.
        let reference: Option<&RunAnswer> = runs
            .iter()
            .flat_map(|model_runs| &model_runs.runs)
            .find(|run| check_run(experiment, plan, run).is_empty())
            .map(|run| &run.answers);
        let sequential_walls: Option<Vec<f64>> = runs
            .iter()
            .find(|m| m.model == Model::Sequential && !m.runs.is_empty())
            .map(|m| walls_of(&m.runs));
        let sequential_median = sequential_walls
            .as_deref()
            .and_then(summarize)
            .map(|s| s.median);
        let mut warnings = Vec::new();
        let results: Vec<ModelResult> = runs
            .iter()
            .filter(|m| !m.runs.is_empty())
            .map(|m| {
                let mut problems: Vec<String> = Vec::new();
                for run in &m.runs {
                    for problem in check_run(experiment, plan, run) {
                        if !problems.contains(&problem) {
                            problems.push(problem);
                        }
                    }
                }
                let differs = match reference {
                    Some(reference) => m.runs.iter().any(|run| {
                        !same_answers(
                            &comparable(plan, &run.answers),
                            &comparable(plan, reference),
                        )
                    }),
                    None => true,
                };
                if problems.is_empty() && differs {
                    problems.push("answer differs from the other models' answer".to_string());
                }
                let walls = walls_of(&m.runs);
                let wall_s = summarize(&walls).expect("at least one run");
                let outlier_runs = outliers(&walls);
                warnings.extend(outlier_warning(
                    m.model,
                    &walls,
                    &outlier_runs,
                    wall_s.median,
                ));
                let speedup_ci = match &sequential_walls {
                    Some(seq) if m.model != Model::Sequential => speedup_interval(seq, &walls),
                    _ => None,
                };
                let median = &m.runs[median_run(&m.runs)];
                ModelResult {
                    model: m.model,
                    workers: m.workers,
                    gil: m.model.gil(),
                    gil_switch_ms: (m.model == Model::ThreadsGil).then_some(params.gil_switch_ms()),
                    speedup: sequential_median.map(|seq| seq / wall_s.median),
                    speedup_ci,
                    wall_s,
                    cpu_util: median
                        .cpu_ns
                        .map(|cpu_ns| cpu_ns as f64 / median.wall_ns().max(1) as f64),
                    answer: summarize_answers(&median.answers),
                    answer_ok: problems.is_empty(),
                    problems,
                    outlier_runs,
                    request_ms: request_ms(plan, &median.trace),
                    time: breakdown(&median.trace),
                    gil_stats: (m.model == Model::ThreadsGil)
                        .then(|| crate::analysis::gil_stats(&median.trace)),
                    latency: crate::analysis::histogram(&crate::analysis::latencies(
                        plan,
                        &median.trace,
                    )),
                }
            })
            .collect();
        let explanation = explain(experiment, params, &results, machine.logical_cores);
        let claims = check_claims(experiment, &results, params, machine.logical_cores);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: tool.to_string(),
            experiment: experiment.id.to_string(),
            params: params.clone(),
            machine,
            results,
            explanation,
            claims,
            warnings,
            machine_load: None,
            cpython: Vec::new(),
        }
    }

    /// Records what other programs did meanwhile, warning when they kept
    /// more than `stats::BUSY_OTHERS_CORES` busy.
    pub fn note_machine_load(&mut self, load: MachineLoad) {
        self.warnings.extend(load.warning());
        self.machine_load = Some(load);
    }

    /// True when every model produced the right answer.
    pub fn all_ok(&self) -> bool {
        self.results.iter().all(|result| result.answer_ok)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports always serialize")
    }

    /// Reads a report, refusing other schema versions with a clear message.
    pub fn from_json(text: &str) -> Result<Report, String> {
        let value = versioned_json(text, "report")?;
        let report: Report = serde_json::from_value(value).map_err(|err| err.to_string())?;
        let experiment = crate::experiment::find(&report.experiment).ok_or_else(|| {
            format!(
                "its experiment \"{}\" is not one this build knows",
                report.experiment
            )
        })?;
        experiment
            .check_params(&report.params)
            .map_err(|err| format!("its params are out of range: {err}"))?;
        Ok(report)
    }
}

/// Every report one command measured (`concur tour`, `concur bench`), in
/// order, as `--export-json` writes them: `{"schema_version": 1, "tool":
/// ..., "reports": [...]}`. `concur run` and `concur python` write a bare
/// [`Report`] instead; a reader tells them apart by the `reports` array.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reports {
    pub schema_version: u32,
    pub tool: String,
    pub reports: Vec<Report>,
}

impl Reports {
    pub fn new(tool: &str, reports: Vec<Report>) -> Reports {
        Reports {
            schema_version: SCHEMA_VERSION,
            tool: tool.to_string(),
            reports,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports always serialize")
    }

    /// Reads a document, each report checked as [`Report::from_json`] checks
    /// one (its schema version, experiment and params); a refusal names the
    /// report by its position.
    pub fn from_json(text: &str) -> Result<Reports, String> {
        let value = versioned_json(text, "document")?;
        let tool = value
            .get("tool")
            .and_then(|tool| tool.as_str())
            .ok_or("no tool: not a concur document")?
            .to_string();
        let items = value
            .get("reports")
            .and_then(|reports| reports.as_array())
            .ok_or("no reports array: not a document of reports")?;
        let reports = items
            .iter()
            .enumerate()
            .map(|(idx, item)| {
                Report::from_json(&item.to_string())
                    .map_err(|why| format!("report {}: {why}", idx + 1))
            })
            .collect::<Result<Vec<Report>, String>>()?;
        Ok(Reports {
            schema_version: SCHEMA_VERSION,
            tool,
            reports,
        })
    }
}

/// Parses `text` and checks its `schema_version` against this build's;
/// `what` names the kind in the refusal ("report", "document").
fn versioned_json(text: &str, what: &str) -> Result<serde_json::Value, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not JSON: {err}"))?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(version) if version == u64::from(SCHEMA_VERSION) => Ok(value),
        Some(version) => Err(format!(
            "schema_version {version} is not supported (this build reads {SCHEMA_VERSION})"
        )),
        None => Err(format!("no schema_version: not a concur {what}")),
    }
}

fn walls_of(runs: &[RunOutcome]) -> Vec<f64> {
    runs.iter().map(|run| seconds(run.wall_ns())).collect()
}

/// The warning for runs flagged as outliers: which, how far from the
/// median, and what to do about it.
fn outlier_warning(model: Model, walls: &[f64], flagged: &[usize], median: f64) -> Option<String> {
    use crate::export::table::duration;
    if flagged.is_empty() {
        return None;
    }
    let runs: Vec<String> = flagged
        .iter()
        .map(|&idx| format!("run {} took {}", idx + 1, duration(walls[idx])))
        .collect();
    Some(format!(
        "{}: {} of {} runs are outliers ({}, the median {}; modified Z-score above {}): try more --warmup or --runs, close other programs",
        model.name(),
        flagged.len(),
        walls.len(),
        runs.join(", "),
        duration(median),
        crate::stats::OUTLIER_Z
    ))
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
