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
    let mut command = Cli::command();
    write_page(dir, "rgrid", command.clone(), false)?;
    // Building propagates the global options (`--server`, `--profile`, `--color`, `--quiet`)
    // into every subcommand, so each command's page lists them too.
    command.build();
    // `help` is clap's own, added by the build.
    let shown = |c: &&clap::Command| !c.is_hide_set() && c.get_name() != "help";
    for sub in command.get_subcommands().filter(shown) {
        let name = format!("rgrid-{}", sub.get_name());
        let page = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("rgrid {}", sub.get_name()));
        write_page(dir, &name, page, true)?;
    }
    Ok(())
}

fn write_page(
    dir: &Path,
    name: &str,
    command: clap::Command,
    see_main: bool,
) -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    if see_main {
        page.extend_from_slice(
            b".SH \"SEE ALSO\"\n\\fBrgrid\\fR(1); docs/cli.md in the rgrid sources for settings, \
              JSON output and exit codes\n",
        );
    }
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))
}
