//! `rgrid completions SHELL`: generated from the clap definition.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: CompletionsArgs) -> i32 {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "rgrid", &mut std::io::stdout());
    crate::exit::OK
}
