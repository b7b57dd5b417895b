//! Makes trunk's output deployable on any static host, under any sub-path:
//! what `cargo xtask web` (and so `play` and `dist`) does after trunk.
//!
//! Every file of the build carries the content hash of its final bytes in
//! its name (FNV-1a, 16 hex digits), except the fixed entry points
//! index.html and sw.js (and the empty `.nojekyll`), so a browser or proxy
//! cache can never pair a file of one deploy with a file of another.
//! Trunk already writes relative URLs (`public_url = "./"` in Trunk.toml)
//! and hashes the page's own files, but names worker outputs after their
//! binary (`runner.js`, `runner_bg.wasm`), because a worker's URL is written
//! in code, and leaves wasm-bindgen's `snippets/` (wasm-bindgen-rayon's
//! `workerHelpers.no-bundler.js`) under a folder named by the crate's hash,
//! not the file's. So, in order:
//! 1. each file below `snippets/` gets its content hash in its name
//!    (`workerHelpers.no-bundler-<hash>.js`) and the glue files' imports and
//!    index.html's `modulepreload` links follow (the snippet fetches its own
//!    `import.meta.url`, so its name is free);
//! 2. each worker's wasm and glue (now final) get content-hashed names and
//!    its loader shim (`runner_loader.js`) is rewritten to import them, then
//!    gets a content-hashed name of its own, which a
//!    `<meta name="concur-worker">` line in index.html tells the page (the
//!    page starts its runners from there);
//! 3. trunk's page files whose name no longer names their content (the
//!    app's glue, whose import step 1 rewrote) and those hashed by trunk's
//!    own function (its wasm, the stylesheet) are renamed to their FNV hash
//!    and index.html follows; then every `integrity` attribute of index.html
//!    is recomputed from the files as they are (`dist_sri.rs`).
//!
//! Steps 1 and 3 live in `dist_snippets.rs`.
//!
//! Then every URL in index.html and the loaders is checked to be relative,
//! and every name to carry its content's hash; the service worker (`sw.js`)
//! gets the build's content hash and file list, which name and fill its
//! offline cache, and `.nojekyll` tells GitHub Pages to publish the folder
//! as it is.

use crate::dist_snippets::{hash_snippets, rehash_page_files, unhashed};
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};

/// The line of web/sw.js that receives the build.
const BUILD_LINE: &str = "const BUILD = null;";

/// FNV-1a, 64 bits: a stable content hash for file names and the cache.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

pub fn content_hash(bytes: &[u8]) -> String {
    format!("{:016x}", fnv1a(bytes, FNV_OFFSET))
}

/// Every file below `dir`, as sorted relative paths with `/` separators.
pub fn files_below(dir: &Path) -> Result<Vec<String>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
        for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = format!("{prefix}{name}");
            if entry.file_type()?.is_dir() {
                walk(&entry.path(), &format!("{relative}/"), out)?;
            } else {
                out.push(relative);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// Renames `dir/old` to a name with its content hash before `suffix`
/// (`runner` + `_bg.wasm` -> `runner-<hash>_bg.wasm`); returns the new name.
fn hash_rename(dir: &Path, old: &str, stem: &str, suffix: &str) -> Result<String> {
    let bytes = fs::read(dir.join(old)).with_context(|| format!("cannot read {old}"))?;
    let new = format!("{stem}-{}{suffix}", content_hash(&bytes));
    fs::rename(dir.join(old), dir.join(&new)).with_context(|| format!("cannot rename {old}"))?;
    Ok(new)
}

/// The glue a trunk loader shim imports: `import init from './runner.js';...`.
fn shim_import(shim: &str) -> Option<&str> {
    let start = shim.find("from './")? + "from './".len();
    let end = start + shim[start..].find('\'')?;
    Some(&shim[start..end])
}

/// Gives one worker's wasm and glue content-hashed names and points its
/// loader shim at them. A shim that already imports hashed names is left.
fn hash_worker(dir: &Path, loader: &str) -> Result<()> {
    let shim = fs::read_to_string(dir.join(loader))?;
    let glue = shim_import(&shim)
        .with_context(|| format!("{loader} is not a trunk loader shim: {shim}"))?
        .to_string();
    let Some(stem) = glue.strip_suffix(".js").filter(|s| !s.contains('-')) else {
        return Ok(());
    };
    let wasm = format!("{stem}_bg.wasm");
    let hashed_wasm = hash_rename(dir, &wasm, stem, "_bg.wasm")?;
    let code = fs::read_to_string(dir.join(&glue))?;
    let quoted = format!("'{wasm}'");
    if !code.contains(&quoted) {
        bail!("{glue} does not load {wasm} by a relative name");
    }
    fs::write(
        dir.join(&glue),
        code.replace(&quoted, &format!("'{hashed_wasm}'")),
    )?;
    let hashed_glue = hash_rename(dir, &glue, stem, ".js")?;
    fs::write(
        dir.join(loader),
        shim.replace(&format!("'./{glue}'"), &format!("'./{hashed_glue}'")),
    )?;
    Ok(())
}

/// URLs in `html` (href, src, import specifiers) that start at the host's
/// root or name a host: they break under a sub-path.
pub fn absolute_urls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for opener in [
        "href=\"", "src=\"", "from '", "import('", "from \"", "path: '",
    ] {
        let mut rest = text;
        while let Some(at) = rest.find(opener) {
            rest = &rest[at + opener.len()..];
            let end = rest.find(['"', '\'']).unwrap_or(rest.len());
            let url = &rest[..end];
            if url.starts_with('/') || url.contains("://") {
                found.push(url.to_string());
            }
        }
    }
    found
}

/// The service worker's build line: the hash and the files to cache.
pub fn build_line(hash: &str, files: &[String]) -> String {
    let quoted: Vec<String> = files
        .iter()
        .map(|f| format!("\"{}\"", f.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!(
        "const BUILD = {{ hash: \"{hash}\", files: [{}] }};",
        quoted.join(", ")
    )
}

/// Finishes `dir` (trunk's output) for deployment; returns the build hash.
pub fn finish(dir: &Path) -> Result<String> {
    let loaders: Vec<String> = files_below(dir)?
        .into_iter()
        .filter(|f| !f.contains('/') && f.ends_with("_loader.js"))
        .collect();
    hash_snippets(dir)?;
    for loader in &loaders {
        hash_worker(dir, loader)?;
    }
    let loaders = hash_loaders(dir, &loaders)?;
    rehash_page_files(dir)?;
    for entry in loaders.iter().map(String::as_str).chain(["index.html"]) {
        let text = fs::read_to_string(dir.join(entry))?;
        let absolute = absolute_urls(&text);
        if !absolute.is_empty() {
            bail!(
                "{entry} has URLs that break under a sub-path: {}",
                absolute.join(", ")
            );
        }
    }
    let unhashed = unhashed(dir)?;
    if !unhashed.is_empty() {
        bail!(
            "files without their content hash in their name: {}",
            unhashed.join(", ")
        );
    }
    fs::write(dir.join(".nojekyll"), "")?;
    let sw = dir.join("sw.js");
    let code = fs::read_to_string(&sw)
        .with_context(|| format!("{} is missing (index.html copies web/sw.js)", sw.display()))?;
    let files: Vec<String> = files_below(dir)?
        .into_iter()
        .filter(|f| f != "sw.js" && f != ".nojekyll")
        .collect();
    let mut hash = FNV_OFFSET;
    for file in &files {
        hash = fnv1a(file.as_bytes(), hash);
        hash = fnv1a(&fs::read(dir.join(file))?, hash);
    }
    let hash = format!("{hash:016x}");
    if !code.contains(BUILD_LINE) {
        bail!("{} has no line `{BUILD_LINE}` to fill", sw.display());
    }
    fs::write(
        &sw,
        code.replacen(BUILD_LINE, &build_line(&hash, &files), 1),
    )?;
    Ok(hash)
}

/// Gives each loader shim a content-hashed name and writes where it went
/// into index.html's head, as `<meta name="concur-worker"
/// data-loader="runner_loader.js" content="./runner_loader-<hash>.js">`,
/// which the page reads (`js::loader_url`); returns the new names.
fn hash_loaders(dir: &Path, loaders: &[String]) -> Result<Vec<String>> {
    let mut metas = String::new();
    let mut hashed = Vec::new();
    for loader in loaders {
        let stem = loader.strip_suffix(".js").unwrap_or(loader);
        let new = hash_rename(dir, loader, stem, ".js")?;
        metas.push_str(&format!(
            "<meta name=\"concur-worker\" data-loader=\"{loader}\" content=\"./{new}\" />\n"
        ));
        hashed.push(new);
    }
    if metas.is_empty() {
        return Ok(hashed);
    }
    let index = dir.join("index.html");
    let html = fs::read_to_string(&index).context("cannot read index.html")?;
    let at = html
        .find("</head>")
        .context("index.html has no </head> to put the loaders' names before")?;
    fs::write(&index, format!("{}{metas}{}", &html[..at], &html[at..]))?;
    Ok(hashed)
}

/// The dist directory, checked after a build.
pub fn describe(dir: &Path, hash: &str) -> Result<PathBuf> {
    let files = files_below(dir)?;
    eprintln!(
        "dist: build {hash}, {} files in {}; publish the folder as it is, at / or any sub-path",
        files.len(),
        dir.display()
    );
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_files_get_hashed_names_and_the_shim_follows() {
        let dir = std::env::temp_dir().join(format!("concur-dist-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("snippets/x")).unwrap();
        fs::write(
            dir.join("runner_loader.js"),
            "import init from './runner.js';await init();",
        )
        .unwrap();
        fs::write(
            dir.join("runner.js"),
            "module_or_path = new URL('runner_bg.wasm', import.meta.url);",
        )
        .unwrap();
        fs::write(dir.join("runner_bg.wasm"), b"\0asm").unwrap();
        fs::write(dir.join("snippets/x/helper.js"), "x").unwrap();
        fs::write(
            dir.join("index.html"),
            "<head><script type=\"module\">import init from './app-1.js';</script></head>",
        )
        .unwrap();
        fs::write(
            dir.join("sw.js"),
            format!("'use strict';\n{BUILD_LINE} // here\n"),
        )
        .unwrap();
        let hash = finish(&dir).unwrap();
        let files = files_below(&dir).unwrap();
        let wasm = format!("runner-{}_bg.wasm", content_hash(b"\0asm"));
        assert!(files.contains(&wasm), "{files:?}");
        assert!(
            !files
                .iter()
                .any(|f| f == "runner.js" || f == "runner_bg.wasm")
        );
        assert!(
            !files.contains(&"runner_loader.js".to_string()),
            "{files:?}"
        );
        let loader = files
            .iter()
            .find(|f| f.starts_with("runner_loader-") && f.ends_with(".js"))
            .expect("a hashed loader");
        let index = fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(
            index.contains(&format!(
                "<meta name=\"concur-worker\" data-loader=\"runner_loader.js\" content=\"./{loader}\" />"
            )),
            "{index}"
        );
        let shim = fs::read_to_string(dir.join(loader)).unwrap();
        let glue = shim_import(&shim).unwrap();
        assert!(
            glue.starts_with("runner-") && glue.ends_with(".js"),
            "{shim}"
        );
        assert!(fs::read_to_string(dir.join(glue)).unwrap().contains(&wasm));
        assert!(files.contains(&".nojekyll".to_string()));
        let sw = fs::read_to_string(dir.join("sw.js")).unwrap();
        assert!(sw.contains(&format!("hash: \"{hash}\"")), "{sw}");
        assert!(sw.contains(&format!("\"{wasm}\"")), "{sw}");
        let helper = format!("snippets/x/helper-{}.js", content_hash(b"x"));
        assert!(sw.contains(&format!("\"{helper}\"")), "{sw}");
        assert!(!files.contains(&"snippets/x/helper.js".to_string()));
        assert!(
            !sw.contains("\"sw.js\"") && !sw.contains(BUILD_LINE),
            "{sw}"
        );
        // Finishing twice changes nothing but the (already filled) worker.
        fs::write(dir.join("sw.js"), format!("{BUILD_LINE}\n")).unwrap();
        assert_eq!(finish(&dir).unwrap(), hash);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn absolute_urls_are_found_and_relative_ones_pass() {
        let html = r#"<link href="./style-1.css"><script type="module">import init from '/app-1.js';
const wasm = await init({ module_or_path: '/app-1_bg.wasm' });</script><img src="https://x.org/a.png">"#;
        assert_eq!(
            absolute_urls(html),
            ["https://x.org/a.png", "/app-1.js", "/app-1_bg.wasm"]
        );
        assert!(absolute_urls("import init from './runner-1.js';").is_empty());
    }

    /// A build as trunk leaves it, in small: the app's glue and a worker's
    /// glue import wasm-bindgen-rayon's snippet, index.html preloads it
    /// with integrity, and trunk's hashes are not FNV.
    fn trunk_output(dir: &Path) {
        let snippet = "snippets/rayon-0123456789abcdef/src/workerHelpers.no-bundler.js";
        let import = format!("import {{ startWorkers }} from './{snippet}';\n");
        fs::create_dir_all(dir.join("snippets/rayon-0123456789abcdef/src")).unwrap();
        fs::write(dir.join(snippet), "fetch(import.meta.url);").unwrap();
        fs::write(dir.join("app-5386d7948a53b9a7.js"), format!("{import}app")).unwrap();
        fs::write(dir.join("app-5386d7948a53b9a7_bg.wasm"), b"\0asm app").unwrap();
        fs::write(dir.join("style-d1671c300bbefdf.css"), "body {}").unwrap();
        fs::write(
            dir.join("runner_loader.js"),
            "import init from './runner.js';await init();",
        )
        .unwrap();
        fs::write(
            dir.join("runner.js"),
            format!("{import}module_or_path = new URL('runner_bg.wasm', import.meta.url);"),
        )
        .unwrap();
        fs::write(dir.join("runner_bg.wasm"), b"\0asm runner").unwrap();
        let stale = "integrity=\"sha384-stale\"";
        fs::write(
            dir.join("index.html"),
            format!(
                "<head><link rel=\"stylesheet\" href=\"./style-d1671c300bbefdf.css\" {stale}/>\n\
<script type=\"module\">import init from './app-5386d7948a53b9a7.js';\n\
await init({{ module_or_path: './app-5386d7948a53b9a7_bg.wasm' }});</script>\n\
<link rel=\"modulepreload\" href=\"./app-5386d7948a53b9a7.js\" crossorigin=\"anonymous\" {stale}>\
<link rel=\"modulepreload\" href=\"./{snippet}\" crossorigin=\"anonymous\" {stale}>\
<link rel=\"preload\" href=\"./app-5386d7948a53b9a7_bg.wasm\" crossorigin=\"anonymous\" {stale} as=\"fetch\">\
</head>"
            ),
        )
        .unwrap();
        fs::write(dir.join("sw.js"), format!("{BUILD_LINE}\n")).unwrap();
    }

    #[test]
    fn snippets_and_page_files_get_content_hashed_names_and_everything_follows() {
        let dir = std::env::temp_dir().join(format!("concur-dist-snippets-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        trunk_output(&dir);
        let hash = finish(&dir).unwrap();
        let files = files_below(&dir).unwrap();
        assert_eq!(unhashed(&dir).unwrap(), Vec::<String>::new(), "{files:?}");
        let snippet = format!(
            "snippets/rayon-0123456789abcdef/src/workerHelpers.no-bundler-{}.js",
            content_hash(b"fetch(import.meta.url);")
        );
        assert!(files.contains(&snippet), "{files:?}");
        let import = format!("from './{snippet}';");
        let app = files
            .iter()
            .find(|f| f.starts_with("app-") && f.ends_with(".js"))
            .unwrap();
        let app_code = fs::read_to_string(dir.join(app)).unwrap();
        assert!(app_code.contains(&import), "{app_code}");
        assert_eq!(
            *app,
            format!("app-{}.js", content_hash(app_code.as_bytes()))
        );
        let wasm = format!("app-{}_bg.wasm", content_hash(b"\0asm app"));
        let style = format!("style-{}.css", content_hash(b"body {}"));
        assert!(files.contains(&wasm) && files.contains(&style), "{files:?}");
        let index = fs::read_to_string(dir.join("index.html")).unwrap();
        for name in [app.as_str(), &wasm, &style, &snippet] {
            assert!(index.contains(&format!("./{name}")), "{name}: {index}");
        }
        assert!(!index.contains("5386d7948a53b9a7") && !index.contains("no-bundler.js"));
        assert!(!index.contains("sha384-stale"), "{index}");
        assert_eq!(
            crate::dist_sri::with_fresh_integrity(&dir, &index).unwrap(),
            index,
            "every integrity attribute is the file's"
        );
        let loader = files
            .iter()
            .find(|f| f.starts_with("runner_loader-"))
            .unwrap();
        let runner = shim_import(&fs::read_to_string(dir.join(loader)).unwrap())
            .unwrap()
            .to_string();
        let runner_code = fs::read_to_string(dir.join(&runner)).unwrap();
        assert!(runner_code.contains(&import), "{runner_code}");
        let sw = fs::read_to_string(dir.join("sw.js")).unwrap();
        assert!(sw.contains(&format!("\"{snippet}\"")), "{sw}");
        // Finishing again changes nothing.
        fs::write(dir.join("sw.js"), format!("{BUILD_LINE}\n")).unwrap();
        assert_eq!(finish(&dir).unwrap(), hash);
        assert_eq!(files_below(&dir).unwrap(), files);
        assert_eq!(fs::read_to_string(dir.join("index.html")).unwrap(), index);
        // A new snippet (a new deploy) gets a new name.
        let _ = fs::remove_dir_all(&dir);
        trunk_output(&dir);
        let path = "snippets/rayon-0123456789abcdef/src/workerHelpers.no-bundler.js";
        fs::write(dir.join(path), "fetch(import.meta.url); // 2").unwrap();
        finish(&dir).unwrap();
        let again = files_below(&dir).unwrap();
        assert!(!again.contains(&snippet) && again.iter().any(|f| f.starts_with("snippets/")));
        fs::remove_dir_all(&dir).unwrap();
    }
}
