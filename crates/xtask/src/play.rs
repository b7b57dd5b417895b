//! `cargo xtask play`: installs what is missing, builds the page and the
//! runner, and serves both with `concur serve` (endpoints and the
//! cross-origin isolation headers) until Ctrl-C.

use crate::{root, run, web};
use anyhow::{Context, Result, bail};

pub fn play(args: &[String]) -> Result<()> {
    let port = match args {
        [] => "8080".to_string(),
        [flag, port] if flag == "--port" => port.clone(),
        _ => bail!("usage: cargo xtask play [--port N]"),
    };
    let dist = web::build()?;
    run("cargo", &["build", "--release", "--package", "concur"])?;
    let concur = root().join("target").join("release").join("concur");
    eprintln!("starting the playground; open the URL below (Ctrl-C stops)");
    let status = std::process::Command::new(concur)
        .args(["serve", "--port", &port, "--dir"])
        .arg(dist)
        .status()
        .context("cannot start concur serve")?;
    // Ctrl-C reaches both processes; concur serve exits 0 on it.
    if !status.success() {
        bail!("concur serve ended with {status}");
    }
    Ok(())
}
