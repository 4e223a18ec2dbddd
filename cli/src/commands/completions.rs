//! `rgrid completions SHELL`: generated from the clap definition.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: CompletionsArgs) -> anyhow::Result<i32> {
    let mut command = Cli::command();
    // Generated into memory first: clap_complete panics on a write error, and a reader that
    // stops early (`| head`) closes the pipe; `report` treats that as a quiet exit.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "rgrid", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(crate::exit::OK)
}
