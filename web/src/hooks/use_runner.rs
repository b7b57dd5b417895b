//! `use_runner`: starts the runner worker once and hands back a callback
//! that sends it requests; its answers become reducer actions.
//!
//! Two runner binaries keep SQLite off the wire until it is needed: the
//! everyday `runner` (started with the page, every experiment but the
//! database's) and `runner_db`, the same runner built with SQLite, started
//! the first time a run needs the database and kept for the page's
//! lifetime. Requests for it wait until it says Ready (its Ready is not
//! passed on: the page's readiness is the everyday runner's); if it fails,
//! the run fails with the reason and the next such run starts it again.

use crate::app::state::{Action, State};
use crate::js::{DB_RUNNER, RUNNER, describe, loader_url, start_worker};
use crate::protocol::{FromRunner, ToRunner};
use concur_core::experiment::{self, Bound, Op};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};
use yew::prelude::*;

/// A runner worker and the closures that must live as long as it does.
struct Started {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

/// The database runner's life: absent until a run needs it, then starting
/// (holding the messages for it), then ready.
enum DbRunner {
    Absent,
    Starting(Started, Vec<String>),
    Ready(Started),
}

/// Both runners; dropping this terminates them.
struct Runners {
    everyday: Option<Started>,
    db: DbRunner,
}

impl Runners {
    fn terminate(&mut self) {
        if let Some(started) = self.everyday.take() {
            started.worker.terminate();
        }
        drop(self.terminate_db());
    }

    /// Terminates the database runner and hands back what held it.
    fn terminate_db(&mut self) -> Option<Started> {
        match std::mem::replace(&mut self.db, DbRunner::Absent) {
            DbRunner::Starting(started, _) | DbRunner::Ready(started) => {
                started.worker.terminate();
                Some(started)
            }
            DbRunner::Absent => None,
        }
    }
}

type Shared = Rc<RefCell<Runners>>;

/// True when a request needs the runner with SQLite: a run whose tasks
/// insert into a database (judged on the experiment's quick plan, which is
/// cheap to build for I/O experiments, as `uses_http` does).
fn needs_database(message: &ToRunner) -> bool {
    let ToRunner::Run(request) = message else {
        return false;
    };
    experiment::find(&request.experiment).is_some_and(|experiment| {
        experiment.bound == Bound::Io
            && experiment
                .plan(&experiment.quick(), "http://probe")
                .tasks
                .iter()
                .any(|task| matches!(task.op, Op::Insert { .. }))
    })
}

/// Starts a runner whose messages go to `on_message` and errors to `on_error`.
fn start_runner(
    script: &str,
    name: &str,
    mut on_message: impl FnMut(Result<FromRunner, String>) + 'static,
    on_error: impl FnMut(JsValue) + 'static,
) -> Result<Started, String> {
    let worker = start_worker(script, name)?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        on_message(
            serde_json::from_str::<FromRunner>(&text)
                .map_err(|err| format!("the runner said something unreadable: {err}")),
        );
    });
    let on_error = Closure::<dyn FnMut(JsValue)>::new(on_error);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Started {
        worker,
        _on_message: on_message,
        _on_error: on_error,
    })
}

fn start_everyday(dispatch: UseReducerDispatcher<State>, runners: &Shared) {
    let on_message = {
        let dispatch = dispatch.clone();
        move |message: Result<FromRunner, String>| match message {
            Ok(message) => dispatch.dispatch(Action::Runner(message)),
            Err(why) => dispatch.dispatch(Action::RunnerBroke(why)),
        }
    };
    let on_error = {
        let dispatch = dispatch.clone();
        move |error: JsValue| {
            dispatch.dispatch(Action::RunnerBroke(format!(
                "the runner worker failed: {}",
                describe(&error)
            )))
        }
    };
    match start_runner(&loader_url(RUNNER), "runner", on_message, on_error) {
        Ok(started) => runners.borrow_mut().everyday = Some(started),
        Err(why) => dispatch.dispatch(Action::RunnerBroke(format!(
            "the runner worker did not start: {why}"
        ))),
    }
}

/// Ends the run waiting on the database runner with `why`, and forgets
/// that runner so the next database run starts a fresh one.
fn db_failed(
    runners: &Weak<RefCell<Runners>>,
    dispatch: &UseReducerDispatcher<State>,
    why: String,
) {
    if let Some(runners) = runners.upgrade() {
        // This runs inside one of the runner's own closures: they are
        // dropped once it has returned.
        let held = runners.borrow_mut().terminate_db();
        wasm_bindgen_futures::spawn_local(async move { drop(held) });
    }
    dispatch.dispatch(Action::Runner(FromRunner::Failed { message: why }));
}

/// Starts the database runner, holding `first` until it is ready.
/// What the status line says while the database runner loads.
const DB_DOWNLOAD: &str =
    "downloading and starting the database runner (SQLite, needed by db-inserts alone)";

fn start_db(dispatch: &UseReducerDispatcher<State>, runners: &Shared, first: String) {
    let weak = Rc::downgrade(runners);
    let on_message = {
        let (dispatch, weak) = (dispatch.clone(), weak.clone());
        move |message: Result<FromRunner, String>| match message {
            Ok(FromRunner::Ready { .. }) => {
                let Some(runners) = weak.upgrade() else {
                    return;
                };
                let mut runners = runners.borrow_mut();
                if let DbRunner::Starting(started, held) =
                    std::mem::replace(&mut runners.db, DbRunner::Absent)
                {
                    for text in held {
                        let _ = started.worker.post_message(&text.into());
                    }
                    runners.db = DbRunner::Ready(started);
                }
            }
            Ok(message) => dispatch.dispatch(Action::Runner(message)),
            Err(why) => db_failed(&weak, &dispatch, why),
        }
    };
    let on_error = {
        let (dispatch, weak) = (dispatch.clone(), weak.clone());
        move |error: JsValue| {
            db_failed(
                &weak,
                &dispatch,
                format!("the database runner failed: {}", describe(&error)),
            )
        }
    };
    match start_runner(&loader_url(DB_RUNNER), "runner-db", on_message, on_error) {
        Ok(started) => {
            // Long work shows progress: the first database run waits for
            // SQLite's runner to download and start.
            dispatch.dispatch(Action::Runner(FromRunner::Progress {
                done: 0,
                total: 0,
                label: DB_DOWNLOAD.into(),
            }));
            runners.borrow_mut().db = DbRunner::Starting(started, vec![first]);
        }
        Err(why) => db_failed(
            &weak,
            dispatch,
            format!("the database runner did not start: {why}"),
        ),
    }
}

/// Sends `message` to the runner it needs, starting the database runner
/// the first time one needs it.
fn send(dispatch: &UseReducerDispatcher<State>, runners: &Shared, message: ToRunner) {
    let text = message.to_json();
    if !needs_database(&message) {
        if let Some(started) = runners.borrow().everyday.as_ref() {
            let _ = started.worker.post_message(&text.into());
        }
        return;
    }
    let mut borrowed = runners.borrow_mut();
    match &mut borrowed.db {
        DbRunner::Ready(started) => {
            let _ = started.worker.post_message(&text.into());
        }
        DbRunner::Starting(_, held) => held.push(text),
        DbRunner::Absent => {
            drop(borrowed);
            start_db(dispatch, runners, text);
        }
    }
}

#[hook]
pub fn use_runner(dispatch: UseReducerDispatcher<State>) -> Callback<ToRunner> {
    let runners: Shared = use_mut_ref(|| Runners {
        everyday: None,
        db: DbRunner::Absent,
    });
    {
        let (runners, dispatch) = (runners.clone(), dispatch.clone());
        use_effect_with((), move |_| {
            start_everyday(dispatch, &runners);
            move || runners.borrow_mut().terminate()
        });
    }
    Callback::from(move |message: ToRunner| send(&dispatch, &runners, message))
}
