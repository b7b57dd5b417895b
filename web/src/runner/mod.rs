//! The runner worker: receives run requests from the page, runs every model
//! `warmup + runs` times, reports progress, and answers with the report.
//!
//! Two binaries run this: `runner` (every experiment but db-inserts) and
//! `runner_db` (the same with SQLite), which the page starts only when a
//! run needs the database (`hooks::use_runner`).
//!
//! Task tree: the page starts one runner (and the database runner when
//! first needed). Each runner starts its rayon pool (its helper Web Workers
//! share the runner's memory) once, and for each processes run starts and
//! ends its own process workers. Sequential and
//! threads runs block the runner's thread (a worker may block); processes
//! and async runs are awaited on the runner's event loop.

pub mod asynch;
pub mod costs;
pub mod processes;
pub mod threads;

use crate::io::XhrIo;
use crate::js::{Inbox, cross_origin_isolated, logical_cores, sleep_ms, user_agent, worker_scope};
use crate::protocol::{FromRunner, IoMode, RunRequest, ToRunner};
use concur_core::clock::Clock;
use concur_core::experiment;
use concur_core::model::Model;
use concur_core::params::Limit;
use concur_core::report::{Machine, ModelRuns, Report, RunOutcome};

/// The most workers a browser run may use: the rayon pool is this big, so
/// every thread of a threads run gets a Web Worker of its own.
pub const BROWSER_WORKERS: Limit = Limit {
    field: "workers",
    min: 1,
    max: 8,
};

fn post(message: &FromRunner) {
    let _ = worker_scope().post_message(&message.to_json().into());
}

/// Starts the thread pool, or says why threads cannot run here.
async fn start_pool() -> Result<u32, String> {
    if !cross_origin_isolated() {
        return Err("this page is not cross-origin isolated (it was served without the COOP and COEP headers), so Web Workers cannot share memory. The page's own service worker adds those headers on hosts that lack them, but here it did not (service workers may be blocked or unsupported, as in some private windows); try a normal window, or serve the page with `concur serve --dir dist`, as `cargo xtask play` does".into());
    }
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::JsFuture::from(wasm_bindgen_rayon::init_thread_pool(
        BROWSER_WORKERS.max as usize,
    ))
    .await
    .map_err(|err| {
        format!(
            "the thread pool did not start: {}",
            crate::js::describe(&err)
        )
    })?;
    Ok(BROWSER_WORKERS.max as u32)
}

/// The runner's entry point (a process worker's, if its name says so).
pub fn runner_main() {
    let scope = worker_scope();
    if let Some(rest) = scope.name().strip_prefix("process-") {
        crate::process::process_main(rest);
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        let mut inbox = Inbox::of_scope(&scope);
        let threads = start_pool().await;
        post(&FromRunner::Ready {
            threads: threads.clone(),
        });
        loop {
            let message = match inbox.next().await {
                Ok(message) => message,
                Err(why) => {
                    post(&FromRunner::Failed { message: why });
                    continue;
                }
            };
            let text = message.as_string().unwrap_or_default();
            let reply = match serde_json::from_str::<ToRunner>(&text) {
                Ok(ToRunner::Run(request)) => run(request, threads.is_ok()).await,
                Ok(ToRunner::Measure) => match costs::measure(threads.clone()).await {
                    Ok(costs) => FromRunner::Measured(costs),
                    Err(message) => FromRunner::Failed { message },
                },
                Err(err) => FromRunner::Failed {
                    message: format!("the runner did not understand the page: {err}"),
                },
            };
            post(&reply);
        }
    });
}

async fn run_model(
    model: Model,
    workers: u32,
    plan: &experiment::Plan,
    request: &RunRequest,
) -> RunOutcome {
    let simulated = request.io == IoMode::Simulated;
    let io = XhrIo { simulated };
    let gil_switch = request.params.gil_switch();
    match model {
        Model::Sequential => threads::run_sequential(plan, &io),
        Model::ThreadsGil => threads::run_threads(plan, workers, Some(gil_switch), &io),
        Model::ThreadsFree => threads::run_threads(plan, workers, None, &io),
        Model::Processes => processes::run_processes(plan, workers, simulated).await,
        Model::Async => asynch::run_async(plan, workers, simulated).await,
    }
}

async fn run(request: RunRequest, threads_ok: bool) -> FromRunner {
    let Some(experiment) = experiment::find(&request.experiment) else {
        return FromRunner::Failed {
            message: format!("unknown experiment \"{}\"", request.experiment),
        };
    };
    if let Err(err) = experiment.check_params(&request.params) {
        return FromRunner::Failed {
            message: err.to_string(),
        };
    }
    if let Err(err) = BROWSER_WORKERS.check(u64::from(request.params.workers())) {
        return FromRunner::Failed {
            message: err.to_string(),
        };
    }
    if !threads_ok && request.models.iter().any(|m| m.gil().is_some()) {
        return FromRunner::Failed {
            message: "the threads models cannot run here: this page is not cross-origin isolated"
                .into(),
        };
    }
    let base = match &request.io {
        IoMode::Server { base } => base.clone(),
        IoMode::Simulated => "http://simulated".to_string(),
    };
    let plan = experiment.plan(&request.params, &base);
    let per_model = request.params.warmup() + request.params.runs();
    let total = per_model * request.models.len() as u32;
    let mut done = 0;
    let mut all_runs = Vec::new();
    for &model in &request.models {
        // The rayon pool bounds threads in the browser; an in-page async
        // echo server still starts a task per client.
        let workers = match model {
            Model::Async => plan.workers_for(model, request.params.workers()),
            _ => model.workers(request.params.workers()),
        };
        let mut runs = Vec::new();
        for run_idx in 0..per_model {
            // Echo clients arrive on this run's clock; other plans run as built.
            let scheduled = plan.starting_at(crate::clock::BrowserClock.now_ns());
            let mut outcome = run_model(
                model,
                workers,
                scheduled.as_ref().unwrap_or(&plan),
                &request,
            )
            .await;
            outcome
                .trace
                .lanes
                .extend(plan.client_lanes(threads::RUNNER_PID));
            if run_idx >= request.params.warmup() {
                runs.push(outcome);
            }
            done += 1;
            post(&FromRunner::Progress {
                done,
                total,
                label: format!("{} run {} of {per_model}", model.name(), run_idx + 1),
            });
            // Let the loop breathe between runs (and the page's messages through).
            sleep_ms(0.0).await;
        }
        all_runs.push(ModelRuns {
            model,
            workers,
            runs,
        });
    }
    let machine = Machine {
        logical_cores: logical_cores(),
        os: user_agent(),
        cpu_model: "not reported by browsers".into(),
    };
    let tool = format!("concur {} (browser)", env!("CARGO_PKG_VERSION"));
    let report = Report::build(
        &experiment,
        &plan,
        &request.params,
        machine,
        &tool,
        &all_runs,
    );
    FromRunner::Finished {
        report: Box::new(report),
        runs: all_runs,
    }
}
