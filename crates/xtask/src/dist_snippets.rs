//! Content-hashed names for `dist.rs`: wasm-bindgen's `snippets/` and
//! trunk's page files get the FNV hash of their final bytes in their names,
//! and the files that name them (the glue's imports, index.html's links and
//! integrity attributes) follow; `unhashed` lists what still lacks one.

use crate::dist::{content_hash, files_below};
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::Path;

/// The files of a build that keep their names: entry points, and the
/// marker for GitHub Pages.
pub const FIXED: [&str; 3] = ["index.html", "sw.js", ".nojekyll"];

/// Splits a name whose last `-` is followed by lowercase hex digits and then
/// `.` or `_` (`app-5386d7948a53b9a7_bg.wasm`) into stem, hash and the rest.
pub fn split_hash(name: &str) -> Option<(&str, &str, &str)> {
    let dash = name.rfind('-')?;
    let after = &name[dash + 1..];
    let len = after
        .find(|c: char| !matches!(c, '0'..='9' | 'a'..='f'))
        .unwrap_or(after.len());
    let (hash, rest) = after.split_at(len);
    ((1..=16).contains(&len) && (rest.starts_with('.') || rest.starts_with('_'))).then_some((
        &name[..dash],
        hash,
        rest,
    ))
}

/// Whether the file name `name` (no folder) carries the hash of `bytes`.
pub fn carries_its_hash(name: &str, bytes: &[u8]) -> bool {
    split_hash(name).is_some_and(|(_, hash, _)| hash == content_hash(bytes))
}

/// `name` with `-<hash>` before its extension (`a.no-bundler.js` ->
/// `a.no-bundler-<hash>.js`).
fn with_hash(name: &str, hash: &str) -> String {
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{}-{hash}{}", &name[..dot], &name[dot..]),
        _ => format!("{name}-{hash}"),
    }
}

/// The page's files that may name others: its top-level scripts and pages.
fn referrers(dir: &Path) -> Result<Vec<String>> {
    Ok(files_below(dir)?
        .into_iter()
        .filter(|f| !f.contains('/') && (f.ends_with(".js") || f.ends_with(".html")))
        .filter(|f| f != "sw.js")
        .collect())
}

/// Renames `old` (a path below `dir`) to `new` and rewrites each quoted
/// `./old` in `referrers` to `./new`; any other mention of `old` left in
/// them is an error, since it would break after the rename.
fn rename_everywhere(dir: &Path, referrers: &[String], old: &str, new: &str) -> Result<()> {
    fs::rename(dir.join(old), dir.join(new)).with_context(|| format!("cannot rename {old}"))?;
    for referrer in referrers {
        let path = dir.join(referrer);
        let Ok(text) = fs::read_to_string(&path) else {
            continue; // renamed before, in this same pass
        };
        let mut rewritten = text.clone();
        for quote in ['\'', '"'] {
            rewritten = rewritten.replace(
                &format!("{quote}./{old}{quote}"),
                &format!("{quote}./{new}{quote}"),
            );
        }
        if rewritten.contains(old) {
            bail!("{referrer} names {old} other than as a quoted ./{old}: cannot rename it");
        }
        if rewritten != text {
            fs::write(&path, rewritten)?;
        }
    }
    Ok(())
}

/// Gives every file below `snippets/` (wasm-bindgen's copies of the crates'
/// JavaScript: folder named by the crate, file by its source) its content
/// hash in its name, and points the glue's imports and index.html's
/// modulepreload links at the new names. Runs before the workers' glue is
/// hashed, so their hashes cover the new imports. Snippets are leaves:
/// wasm-bindgen copies only the files a crate names, so one importing
/// another could not load anyway; that is refused rather than guessed at.
pub fn hash_snippets(dir: &Path) -> Result<()> {
    let snippets: Vec<String> = files_below(dir)?
        .into_iter()
        .filter(|f| f.starts_with("snippets/"))
        .collect();
    let referrers = referrers(dir)?;
    for snippet in &snippets {
        let (folder, name) = snippet.rsplit_once('/').expect("below snippets/");
        let bytes = fs::read(dir.join(snippet))?;
        if carries_its_hash(name, &bytes) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Some(other) = snippets.iter().find(|other| {
            let other_name = other.rsplit('/').next().unwrap_or(other);
            *other != snippet && text.contains(other_name)
        }) {
            bail!("{snippet} names {other}: snippets that import snippets are not hashed");
        }
        let hashed = format!("{folder}/{}", with_hash(name, &content_hash(&bytes)));
        rename_everywhere(dir, &referrers, snippet, &hashed)?;
    }
    Ok(())
}

/// Renames each top-level file whose name carries a hash other than its
/// content's (trunk's own hash function, or content rewritten since, as
/// the app's glue after `hash_snippets`), and points index.html at the new
/// names; then recomputes index.html's integrity attributes.
pub fn rehash_page_files(dir: &Path) -> Result<()> {
    let referrers = referrers(dir)?;
    for file in files_below(dir)? {
        if file.contains('/') || FIXED.contains(&file.as_str()) {
            continue;
        }
        let Some((stem, hash, rest)) = split_hash(&file) else {
            continue; // `finish` refuses it after
        };
        let fresh = content_hash(&fs::read(dir.join(&file))?);
        if hash != fresh {
            rename_everywhere(dir, &referrers, &file, &format!("{stem}-{fresh}{rest}"))?;
        }
    }
    let index = dir.join("index.html");
    let html = fs::read_to_string(&index).context("cannot read index.html")?;
    fs::write(&index, crate::dist_sri::with_fresh_integrity(dir, &html)?)?;
    Ok(())
}

/// Files of `dir` whose name does not carry their content's hash (besides
/// the fixed entry points).
pub fn unhashed(dir: &Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for file in files_below(dir)? {
        let name = file.rsplit('/').next().unwrap_or(&file);
        if !FIXED.contains(&file.as_str()) && !carries_its_hash(name, &fs::read(dir.join(&file))?) {
            found.push(file);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_hashes_are_told_apart() {
        assert_eq!(
            split_hash("app-5386d7948a53b9a7_bg.wasm"),
            Some(("app", "5386d7948a53b9a7", "_bg.wasm"))
        );
        assert_eq!(
            split_hash("style-d1671c300bbefdf.css"),
            Some(("style", "d1671c300bbefdf", ".css"))
        );
        assert_eq!(split_hash("workerHelpers.no-bundler.js"), None);
        assert_eq!(split_hash("runner_bg.wasm"), None);
        assert_eq!(
            with_hash("workerHelpers.no-bundler.js", "00ff"),
            "workerHelpers.no-bundler-00ff.js"
        );
        assert!(carries_its_hash(
            &with_hash("a.js", &content_hash(b"a")),
            b"a"
        ));
        assert!(!carries_its_hash("a-0000000000000000.js", b"a"));
    }

    #[test]
    fn a_snippet_that_names_another_is_refused() {
        let dir = std::env::temp_dir().join(format!("concur-dist-pair-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("snippets/x")).unwrap();
        fs::write(dir.join("snippets/x/a.js"), "import './b.js';").unwrap();
        fs::write(dir.join("snippets/x/b.js"), "").unwrap();
        let error = hash_snippets(&dir).unwrap_err().to_string();
        assert!(
            error.contains("snippets/x/a.js names snippets/x/b.js"),
            "{error}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
