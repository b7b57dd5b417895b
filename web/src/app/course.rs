//! The course around the Run panel: which lesson is open, deep links that
//! restore a lesson with its knobs and models (`#lesson=gil&workers=2&...`),
//! and progress saved in the browser (localStorage).

use crate::app::state::Knob;
use concur_core::model::Model;

/// What a deep link asks for; absent parts keep their current values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    pub lesson: Option<String>,
    pub knobs: Vec<(Knob, String)>,
    pub models: Option<Vec<Model>>,
}

/// Percent-decoding of what a link may carry.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'%'
            && idx + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[idx + 1..idx + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            idx += 3;
        } else {
            out.push(bytes[idx]);
            idx += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding of a knob's text, kept as typed so the page's parser
/// judges the same text when the link is opened: digits, letters, digit
/// separators and the signs a number may carry ("1e-2") stay readable.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'+' | b',' | b'_') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Reads `#lesson=gil&workers=2&models=sequential,threads-gil`.
pub fn parse_hash(hash: &str) -> Link {
    let mut link = Link::default();
    for pair in hash
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        match key {
            "lesson" => link.lesson = Some(value),
            "models" => {
                link.models = Model::parse_list(&value).ok();
            }
            _ => {
                if let Some(knob) = Knob::ALL.iter().find(|k| k.flag() == key) {
                    link.knobs.push((*knob, value));
                }
            }
        }
    }
    link
}

/// Writes the link that restores `lesson` with these knobs and models.
pub fn format_hash(lesson: &str, knobs: &[(Knob, String)], models: &[Model]) -> String {
    let mut parts = vec![format!("lesson={lesson}")];
    for (knob, text) in knobs {
        parts.push(format!("{}={}", knob.flag(), encode(text)));
    }
    if !models.is_empty() {
        let names: Vec<&str> = models.iter().map(|m| m.name()).collect();
        parts.push(format!("models={}", names.join(",")));
    }
    format!("#{}", parts.join("&"))
}

const PROGRESS_KEY: &str = "concur.progress";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The saved lesson and the lessons visited so far.
pub fn load_progress() -> (Option<String>, Vec<String>) {
    let Some(text) = storage().and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten()) else {
        return (None, Vec::new());
    };
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let lesson = value["lesson"].as_str().map(String::from);
    let visited = value["visited"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    (lesson, visited)
}

/// Saves the open lesson and the visited ones.
pub fn save_progress(lesson: &str, visited: &[String]) {
    if let Some(storage) = storage() {
        let value = serde_json::json!({ "lesson": lesson, "visited": visited });
        let _ = storage.set_item(PROGRESS_KEY, &value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip() {
        let knobs = vec![
            (Knob::Workers, "2".to_string()),
            (Knob::N, "20,000,000".to_string()),
            (Knob::GilSwitchMs, "1e-2".to_string()),
        ];
        let hash = format_hash("gil", &knobs, &[Model::Sequential, Model::ThreadsGil]);
        assert_eq!(
            hash,
            "#lesson=gil&workers=2&n=20,000,000&gil-switch-ms=1e-2&models=sequential,threads-gil"
        );
        let link = parse_hash(&hash);
        assert_eq!(link.lesson.as_deref(), Some("gil"));
        assert_eq!(link.knobs, knobs);
        assert_eq!(
            link.models,
            Some(vec![Model::Sequential, Model::ThreadsGil])
        );
    }

    #[test]
    fn a_link_opens_the_second_lesson_of_a_section_with_a_gap_of_zero() {
        let link = parse_hash("#lesson=echo-server&tasks=10&n=0");
        assert_eq!(link.lesson.as_deref(), Some("echo-server"));
        assert_eq!(
            link.knobs,
            vec![(Knob::Tasks, "10".into()), (Knob::N, "0".into())]
        );
        let all = concur_core::lessons::lessons();
        let found = all
            .iter()
            .position(|l| Some(l.id) == link.lesson.as_deref());
        assert_eq!(found.map(|idx| all[idx - 1].id), Some("asyncio"));
    }

    #[test]
    fn knob_text_crosses_a_link_as_typed() {
        // Dropping the comma would turn a refused "2,4" into 24 workers.
        for text in ["2,4", "1,,0", ",5", "2 000", "4&n=1", "x=1#"] {
            let hash = format_hash("gil", &[(Knob::Workers, text.to_string())], &[]);
            assert_eq!(
                parse_hash(&hash).knobs,
                vec![(Knob::Workers, text.to_string())],
                "{hash}"
            );
        }
    }

    #[test]
    fn odd_links_are_ignored_piece_by_piece() {
        let link = parse_hash("#lesson=faq&bogus=1&models=fibers&workers=%32");
        assert_eq!(link.lesson.as_deref(), Some("faq"));
        assert_eq!(link.models, None);
        assert_eq!(link.knobs, vec![(Knob::Workers, "2".into())]);
        assert_eq!(parse_hash(""), Link::default());
    }
}
