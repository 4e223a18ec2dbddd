//! `rgrid man DIR`: man pages from the same clap definition as help and completions, one for
//! `rgrid` and one per command (`rgrid-run.1`, …). `docs/man/` holds them, checked by a test.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::exit;

pub fn run(args: ManArgs) -> anyhow::Result<i32> {
    write_pages(&args.dir)?;
    Ok(exit::OK)
}

fn write_pages(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let command = Cli::command();
    write_page(dir, "rgrid", command.clone())?;
    for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = format!("rgrid-{}", sub.get_name());
        let page = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("rgrid {}", sub.get_name()));
        write_page(dir, &name, page)?;
    }
    Ok(())
}

fn write_page(dir: &Path, name: &str, command: clap::Command) -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))
}
