//! The lessons' words and code, one function per lesson and one lesson per
//! tutorial section, except section 5, whose two examples (many requests,
//! an echo server) get a lesson each. They are split over a few files so
//! that each stays short: `basics` (sections 1 and 2), `models` (3 to 5),
//! `servers` (5's echo server), `choosing` (6 and 7) and `practice` (8
//! and 9).
//!
//! Every Python snippet is a twin of what the lesson's experiment runs,
//! written for this course; every Rust snippet is an abridged excerpt of
//! the code in this repository that really runs, and `excerpts` checks
//! that its lines still appear in the file it names. Where a paragraph
//! quotes a figure or says how CPython behaves, a comment beside it names
//! the source: a CPython file, a PEP, the tutorial (its own machine), or
//! "measured for this course" (CPython 3.11.7 on a 2-core Linux machine). The tests below keep the
//! lessons consistent with the catalog and the knob limits, and keep
//! refuted claims out.

mod basics;
mod choosing;
#[cfg(test)]
mod excerpts;
mod models;
mod practice;
mod servers;

use super::Lesson;

/// Every lesson, in tutorial order (sections 1 to 9, section 5 twice).
pub fn lessons() -> Vec<Lesson> {
    vec![
        basics::side_by_side(),
        basics::gil(),
        models::threading(),
        models::multiprocessing(),
        models::asyncio(),
        servers::echo_server(),
        choosing::comparison(),
        choosing::decision_flow(),
        practice::health_check(),
        practice::faq(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::params::{DELAY_MS, Limit, TASKS, WORKERS};
    use std::collections::HashSet;

    /// The browser's pool has at most this many workers, so presets stay
    /// within it (the web crate's `BROWSER_WORKERS`).
    const BROWSER_MAX_WORKERS: u64 = 8;

    fn within(limit: Limit, value: Option<u64>) -> bool {
        value.is_none_or(|value| limit.check(value).is_ok())
    }

    fn code_lines(code: &str) -> usize {
        code.trim_end().lines().count()
    }

    #[test]
    fn ten_lessons_in_section_order_with_unique_ids() {
        let all = lessons();
        let sections: Vec<u8> = all.iter().map(|lesson| lesson.section).collect();
        assert_eq!(sections, [1, 2, 3, 4, 5, 5, 6, 7, 8, 9]);
        let section_five: Vec<(&str, Option<&str>)> = all
            .iter()
            .filter(|lesson| lesson.section == 5)
            .map(|lesson| (lesson.id, lesson.experiment))
            .collect();
        assert_eq!(
            section_five,
            [
                ("asyncio", Some("async-requests")),
                ("echo-server", Some("echo-server"))
            ]
        );
        let ids: HashSet<&str> = all.iter().map(|lesson| lesson.id).collect();
        assert_eq!(ids.len(), all.len(), "duplicate lesson ids");
        for id in ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id} is not a plain deep-link id"
            );
        }
    }

    #[test]
    fn experiments_exist_and_come_with_a_prediction() {
        for lesson in lessons() {
            match lesson.experiment {
                Some(id) => {
                    assert!(
                        catalog::find(id).is_some(),
                        "{}: no experiment {id}",
                        lesson.id
                    );
                    assert!(lesson.predict.is_some(), "{}: no prediction", lesson.id);
                }
                None => {
                    assert!(
                        lesson.predict.is_none(),
                        "{}: nothing to predict",
                        lesson.id
                    );
                    assert_eq!(lesson.preset, Default::default(), "{}", lesson.id);
                }
            }
        }
    }

    #[test]
    fn presets_respect_the_knob_limits() {
        for lesson in lessons() {
            let preset = lesson.preset;
            let workers = preset.workers.map(u64::from);
            assert!(within(TASKS, preset.tasks.map(u64::from)), "{}", lesson.id);
            assert!(within(WORKERS, workers), "{}", lesson.id);
            assert!(
                workers.is_none_or(|w| w <= BROWSER_MAX_WORKERS),
                "{}",
                lesson.id
            );
            // What n means, and so its range, depends on the experiment
            // (the echo server's gap between clients may be 0).
            let n_limit = lesson
                .experiment
                .and_then(catalog::find)
                .map_or(crate::params::N, |experiment| experiment.n_limit());
            assert!(within(n_limit, preset.n), "{}", lesson.id);
            assert!(within(DELAY_MS, preset.delay_ms), "{}", lesson.id);
        }
    }

    #[test]
    fn every_lesson_has_words_code_and_takeaways() {
        for lesson in lessons() {
            let id = lesson.id;
            assert!(!lesson.title.is_empty(), "{id}: title");
            assert!((3..=7).contains(&lesson.body.len()), "{id}: paragraphs");
            for paragraph in lesson.body {
                assert!(!paragraph.trim().is_empty(), "{id}: an empty paragraph");
                assert!(
                    !paragraph.contains("  "),
                    "{id}: double space in {paragraph:?}"
                );
            }
            // A lesson with an experiment shows its runnable twin, knobs and all.
            let python_lines = if lesson.experiment.is_some() {
                30..=120
            } else {
                15..=45
            };
            assert!(
                python_lines.contains(&code_lines(lesson.python)),
                "{id}: python length"
            );
            assert!(
                (10..=35).contains(&code_lines(lesson.rust)),
                "{id}: rust length"
            );
            for line in lesson.python.lines().chain(lesson.rust.lines()) {
                assert!(line.chars().count() <= 90, "{id}: long code line {line:?}");
            }
            assert!((2..=4).contains(&lesson.takeaways.len()), "{id}: takeaways");
        }
    }

    #[test]
    fn lessons_show_their_experiments_twin() {
        for lesson in lessons() {
            if let Some(experiment) = lesson.experiment {
                let twin = crate::twin::find(experiment)
                    .unwrap_or_else(|| panic!("{}: no twin of {experiment}", lesson.id));
                assert_eq!(lesson.python, twin.source, "{}", lesson.id);
            }
        }
        // The tutorial's own shapes, which the knobs' defaults do not show.
        let python = |id: &str| super::super::find(id).unwrap().python;
        assert!(python("threading").contains("queue.Queue()"));
        assert!(python("echo-server").contains("start_server"));
        assert!(python("asyncio").contains("asyncio.gather"));
        assert!(python("multiprocessing").contains("Pool("));
    }

    #[test]
    fn the_faq_covers_the_start_methods() {
        let faq = crate::lessons::find("faq").unwrap();
        let text = faq.body.join(" ");
        for needle in ["spawn", "forkserver", "3.14", "fork ", "pickle"] {
            assert!(text.contains(needle), "the FAQ does not mention {needle}");
        }
        assert!(faq.python.contains("def inner"));
    }

    #[test]
    fn the_echo_lesson_owns_the_echo_server_details() {
        let echo = crate::lessons::find("echo-server").unwrap();
        let text = echo.body.join(" ");
        for needle in [
            "backlog",
            "100",
            "4096",
            "somaxconn",
            "in-page equivalent",
            "concur run echo-server --tasks 10000 --n 0",
            "staircase",
        ] {
            assert!(
                text.contains(needle),
                "the echo lesson does not mention {needle}"
            );
        }
        assert!(echo.rust.contains("tokio::spawn(coroutine("));
        // The asyncio lesson only points to it.
        let asyncio = crate::lessons::find("asyncio").unwrap().body.join(" ");
        assert!(!asyncio.contains("backlog"));
        assert!(asyncio.contains("next lesson"));
    }

    /// Every word a learner reads: paragraphs, code and takeaways.
    fn all_text(lesson: &Lesson) -> String {
        let mut text = lesson.body.join(" ");
        for part in [lesson.python, lesson.rust] {
            text.push(' ');
            text.push_str(part);
        }
        text.push(' ');
        text.push_str(&lesson.takeaways.join(" "));
        text
    }

    #[test]
    fn no_lesson_repeats_a_refuted_claim() {
        // Each of these was taught once and measurement or CPython's source
        // says otherwise (issue 13).
        let refuted = [
            "pay for every handover",
            "protects reference counts",
            "never contends",
            "1-2 MB, mostly its stack",
            "milliseconds and 20-50 MB",
            "costs kilobytes where a thread costs a stack",
            "almost nothing to start",
            "cannot hold up the whole check",
            "open files, sockets, locks",
            "up to a switch interval later",
            "spawn and forkserver start methods each worker also imports",
            "spawn and forkserver start methods the child is a fresh interpreter",
            "do not expect the tutorial's gap",
            "up to a whole switch interval",
            "(even slower)",
            "needs about 2 s per task",
        ];
        for lesson in lessons() {
            let text = all_text(&lesson);
            for claim in refuted {
                assert!(!text.contains(claim), "{}: still says {claim:?}", lesson.id);
            }
        }
        // The catalog's own words (what `concur list`, reports and the page
        // show beside each experiment) follow the same corrections.
        for experiment in crate::experiment::catalog() {
            let text = [
                experiment.summary,
                experiment.claim,
                experiment.defaults_note,
            ]
            .join(" ");
            for claim in refuted {
                assert!(
                    !text.contains(claim),
                    "{}: still says {claim:?}",
                    experiment.id
                );
            }
        }
    }

    #[test]
    fn the_corrections_are_taught_where_they_belong() {
        let text = |id: &str| all_text(&crate::lessons::find(id).unwrap());
        let wanted = [
            ("gil", "about as fast as one thread"),
            ("gil", "only after a full timed wait"),
            ("gil", "requests.Session"),
            ("gil", "PEP 703"),
            ("gil", "asyncio.to_thread"),
            ("gil", "ns per square root"),
            ("side-by-side", "copy-on-write"),
            ("side-by-side", "from Python 3.14"),
            ("comparison", "resident"),
            ("comparison", "private"),
            ("decision-flow", "PEP 684"),
            ("decision-flow", "InterpreterPoolExecutor"),
            ("multiprocessing", "1.40x"),
            ("multiprocessing", "3.12 warns"),
            ("multiprocessing", "imports it once"),
            ("asyncio", "TCPConnector opens at most 100"),
            ("asyncio", "min(32, cores + 4)"),
            ("health-check", "50 s"),
            ("faq", "socket.socket"),
            ("faq", "inherits"),
            ("faq", "forkserver"),
        ];
        for (id, needle) in wanted {
            assert!(text(id).contains(needle), "{id} does not teach {needle:?}");
        }
    }

    #[test]
    fn lessons_are_found_by_id() {
        let gil = crate::lessons::find("gil").unwrap();
        assert_eq!((gil.section, gil.experiment), (2, Some("cpu-sqrt")));
        assert_eq!(
            gil.predict,
            Some(crate::lessons::Prediction::GilThreadsHelp)
        );
        assert!(crate::lessons::find("nope").is_none());
    }
}
