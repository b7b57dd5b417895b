//! `concur list`: the experiments, their defaults, and the models.

use concur_core::experiment::{Bound, catalog};
use concur_core::model::Model;

pub fn render() -> String {
    let mut out = String::from("Experiments (concur run <id>):\n");
    for experiment in catalog() {
        let bound = match experiment.bound {
            Bound::Cpu => "CPU-bound",
            Bound::Io => "I/O-bound",
        };
        out.push_str(&format!(
            "\n  {:<10} {} [{bound}]\n",
            experiment.id, experiment.title
        ));
        out.push_str(&format!("  {:<10} {}\n", "", experiment.summary));
        out.push_str(&format!(
            "  {:<10} defaults: {}\n",
            "",
            experiment.defaults_line()
        ));
        out.push_str(&format!(
            "  {:<10} why these: {}\n",
            "", experiment.defaults_note
        ));
        out.push_str(&format!(
            "  {:<10} the tutorial says: {}\n",
            "", experiment.claim
        ));
    }
    out.push_str("\nModels (--models, default all):\n");
    for model in Model::ALL {
        out.push_str(&format!("  {:<13} {}\n", model.name(), model.describe()));
    }
    out
}
