//! Subresource integrity for `dist.rs`: trunk writes `integrity="sha384-..."`
//! on the `<link>` tags of index.html (the stylesheet, the app's glue and
//! wasm, wasm-bindgen's snippets), and a browser refuses a file whose digest
//! differs. `dist.rs` renames and rewrites some of those files, so it
//! recomputes every such attribute from the files as they are at the end.
//! The digests come from RustCrypto's `sha2`, the encoding from `base64`.

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha384, Sha512};
use std::fs;
use std::path::Path;

fn sha384(bytes: &[u8]) -> Vec<u8> {
    Sha384::digest(bytes).to_vec()
}

fn sha512(bytes: &[u8]) -> Vec<u8> {
    Sha512::digest(bytes).to_vec()
}

/// Standard base64 with padding, as integrity attributes carry it.
fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The integrity value (`sha384-<base64>`) of `bytes` with the algorithm
/// `algorithm` names.
fn integrity(algorithm: &str, bytes: &[u8]) -> Result<String> {
    let digest = match algorithm {
        "sha384" => sha384(bytes),
        "sha512" => sha512(bytes),
        other => bail!("integrity with {other} is not supported (sha384 and sha512 are)"),
    };
    Ok(format!("{algorithm}-{}", base64(&digest)))
}

/// The value of attribute `name` in one tag's text (`<link href="...">`).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let opener = format!(" {name}=\"");
    let start = tag.find(&opener)? + opener.len();
    let end = start + tag[start..].find('"')?;
    Some(&tag[start..end])
}

/// Recomputes every `integrity="..."` attribute of `html` (index.html in
/// `dir`) from the file its tag's `href` or `src` names; returns the page.
pub fn with_fresh_integrity(dir: &Path, html: &str) -> Result<String> {
    const OPENER: &str = " integrity=\"";
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find(OPENER) {
        let tag_start = rest[..at]
            .rfind('<')
            .context("an integrity attribute outside a tag")?;
        let tag_end = at + rest[at..].find('>').context("an unclosed tag")?;
        let tag = &rest[tag_start..tag_end];
        let url = attribute(tag, "href")
            .or_else(|| attribute(tag, "src"))
            .with_context(|| format!("a tag with integrity but no href or src: {tag}"))?;
        let value_start = at + OPENER.len();
        let value_end = value_start + rest[value_start..].find('"').context("an unclosed value")?;
        let old = &rest[value_start..value_end];
        let algorithm = old.split('-').next().unwrap_or_default();
        let file = url.strip_prefix("./").unwrap_or(url);
        let bytes = fs::read(dir.join(file))
            .with_context(|| format!("index.html asks integrity of {url}, which is missing"))?;
        out.push_str(&rest[..value_start]);
        out.push_str(&integrity(algorithm, &bytes)?);
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha384_and_sha512_match_the_published_vectors() {
        // FIPS 180-2, appendix D and C.
        assert_eq!(
            hex(&sha384(b"abc")),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            hex(&sha384(b"")),
            "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da\
             274edebfe76f65fbd51ad2f14898b95b"
        );
        let long = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno\
ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
        assert_eq!(
            hex(&sha384(long)),
            "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712\
             fcc7c71a557e2db966c3e9fa91746039"
        );
        assert_eq!(
            hex(&sha512(b"abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn base64_pads_as_the_standard_says() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn integrity_attributes_are_recomputed_from_the_files() {
        let dir = std::env::temp_dir().join(format!("concur-sri-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("snippets/x")).unwrap();
        fs::write(dir.join("app-1.js"), "abc").unwrap();
        fs::write(dir.join("snippets/x/h.js"), "").unwrap();
        let html = "<head><link rel=\"modulepreload\" href=\"./app-1.js\" integrity=\"sha384-stale\">\
<link href=\"./snippets/x/h.js\" crossorigin=\"anonymous\" integrity=\"sha512-x\"/></head>";
        let fresh = with_fresh_integrity(&dir, html).unwrap();
        assert_eq!(
            fresh,
            format!(
                "<head><link rel=\"modulepreload\" href=\"./app-1.js\" integrity=\"sha384-{}\">\
<link href=\"./snippets/x/h.js\" crossorigin=\"anonymous\" integrity=\"sha512-{}\"/></head>",
                "ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn",
                base64(&sha512(b""))
            )
        );
        assert_eq!(with_fresh_integrity(&dir, &fresh).unwrap(), fresh);
        let missing = "<link href=\"./gone.js\" integrity=\"sha384-x\">";
        assert!(with_fresh_integrity(&dir, missing).is_err());
        let md5 = "<link href=\"./app-1.js\" integrity=\"md5-x\">";
        assert!(with_fresh_integrity(&dir, md5).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
