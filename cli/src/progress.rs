//! When rgrid draws progress (the batch bar, the spinner of a slow preparation step): only
//! on a terminal, and never with `--quiet` or `--json`, so logs, pipes and CI output carry
//! no control characters.

use std::io::IsTerminal;

use crate::ui::Ui;

/// Whether progress is drawn on stderr now.
pub fn shown(ui: &Ui, json: bool) -> bool {
    decide(ui.quiet, json, std::io::stderr().is_terminal())
}

fn decide(quiet: bool, json: bool, terminal: bool) -> bool {
    terminal && !quiet && !json
}

#[cfg(test)]
mod tests {
    use super::decide;

    #[test]
    fn only_a_terminal_without_quiet_or_json_gets_progress() {
        assert!(decide(false, false, true));
        assert!(!decide(true, false, true), "--quiet hides it");
        assert!(!decide(false, true, true), "--json hides it");
        assert!(!decide(false, false, false), "a pipe or file hides it");
    }
}
