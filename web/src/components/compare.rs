//! Imports a native `concur run --json` report and shows it beside the
//! browser's numbers for the same experiment.

use super::seconds;
use concur_core::report::Report;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub browser: Option<Report>,
    pub native: Option<Result<Rc<Report>, String>>,
    pub on_import: Callback<Result<Report, String>>,
}

/// Reads the chosen file and parses it as a report.
fn read(input: web_sys::HtmlInputElement, on_import: Callback<Result<Report, String>>) {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|text| text.as_string());
        let parsed = match text {
            Some(text) => Report::from_json(&text)
                .map_err(|why| format!("{} is not a concur report: {why}", file.name())),
            None => Err(format!("{} could not be read", file.name())),
        };
        on_import.emit(parsed);
    });
}

#[component]
pub fn Compare(props: &CompareProps) -> Html {
    let onchange = {
        let on_import = props.on_import.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                read(input, on_import.clone());
            }
        })
    };
    let table = match (&props.native, &props.browser) {
        (Some(Err(why)), _) => html! { <p class="error" id="import-error">{ why }</p> },
        (Some(Ok(native)), browser) => {
            let note = match browser {
                Some(b) if b.experiment != native.experiment => format!(
                    "The native report is for {}, the browser's last run for {}: run {} here to compare like with like.",
                    native.experiment, b.experiment, native.experiment
                ),
                None => "Run the same experiment here to fill in the browser's column.".to_string(),
                Some(_) => format!(
                    "Native: {} on {} cores ({}).",
                    native.tool, native.machine.logical_cores, native.machine.cpu_model
                ),
            };
            let rows = native.results.iter().map(|n| {
                let here = browser
                    .as_ref()
                    .filter(|b| b.experiment == native.experiment)
                    .and_then(|b| b.results.iter().find(|r| r.model == n.model));
                let speed = |s: Option<f64>| s.map_or("-".to_string(), |s| format!("{s:.2}x"));
                html! {
                    <tr>
                        <td>{ n.model.name() }</td>
                        <td class="num">{ here.map_or("-".to_string(), |h| seconds(h.wall_s.median)) }</td>
                        <td class="num">{ speed(here.and_then(|h| h.speedup)) }</td>
                        <td class="num">{ seconds(n.wall_s.median) }</td>
                        <td class="num">{ speed(n.speedup) }</td>
                    </tr>
                }
            });
            html! {
                <>
                    <p>{ note }</p>
                    <table id="compare-table">
                        <thead><tr><th>{"model"}</th><th>{"browser"}</th><th>{"speedup"}</th><th>{"native"}</th><th>{"speedup"}</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </>
            }
        }
        (None, _) => html! {},
    };
    html! {
        <section class="compare">
            <h2>{ "Compare with a native run" }</h2>
            <p><label for="import">{ "Run " }<code>{ "concur run <experiment> --json > native.json" }</code>{ " and import the file:" }</label></p>
            <input type="file" id="import" accept=".json,application/json" {onchange} />
            { table }
        </section>
    }
}
