//! When and how rgrid draws progress on stderr (the batch bar, a large upload, output
//! downloads, the spinner of a slow preparation step): only on a terminal, and never with
//! `--quiet` or `--json`, so logs, pipes and CI output carry no control characters. A hidden
//! bar still counts, so callers use it the same way either way.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ui::Ui;

/// Uploads smaller than this finish too fast for a bar to help.
pub const LARGE_UPLOAD: u64 = 8 << 20;

/// Whether progress is drawn on stderr now.
pub fn shown(ui: &Ui, json: bool) -> bool {
    decide(ui.quiet, json, std::io::stderr().is_terminal())
}

fn decide(quiet: bool, json: bool, terminal: bool) -> bool {
    terminal && !quiet && !json
}

/// Callers that print JSON pass a quiet [`Ui`] (or none) so no bar is drawn.
fn target(ui: &Ui) -> ProgressDrawTarget {
    if shown(ui, false) {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

fn styled(bar: ProgressBar, template: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Bytes moved out of `total`, with speed: `uploading data.bin [===>  ] 12 MiB/40 MiB
/// 9 MiB/s`.
pub fn bytes(ui: &Ui, total: u64, what: &str) -> ProgressBar {
    let bar = styled(
        ProgressBar::with_draw_target(Some(total), target(ui)),
        "{prefix} [{bar:20}] {bytes}/{total_bytes} {bytes_per_sec}",
    );
    bar.set_prefix(what.to_string());
    bar
}

/// Items done out of `total`, with a message: the batch bar.
pub fn count(ui: &Ui, total: u64, what: &str) -> ProgressBar {
    let bar = styled(
        ProgressBar::with_draw_target(Some(total), target(ui)),
        "{prefix} [{bar:30}] {pos}/{len} {msg} (ETA {eta})",
    );
    bar.set_prefix(what.to_string());
    bar
}

/// A bar that draws nothing, for callers with no person to show progress to.
pub fn hidden() -> ProgressBar {
    ProgressBar::hidden()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_terminal_without_quiet_or_json_gets_progress() {
        assert!(decide(false, false, true));
        assert!(!decide(true, false, true), "--quiet hides it");
        assert!(!decide(false, true, true), "--json hides it");
        assert!(!decide(false, false, false), "a pipe or file hides it");
    }

    #[test]
    fn a_hidden_bar_still_counts() {
        let ui = Ui {
            color: false,
            quiet: false,
        };
        let bar = bytes(&ui, 100, "upload");
        // Under `scripts/test.sh` stderr is a pipe; run by hand in a terminal it is not.
        assert_eq!(bar.is_hidden(), !std::io::stderr().is_terminal());
        bar.inc(40);
        assert_eq!(bar.position(), 40);
        let quiet = Ui {
            color: false,
            quiet: true,
        };
        assert!(count(&quiet, 3, "batch").is_hidden());
    }
}
