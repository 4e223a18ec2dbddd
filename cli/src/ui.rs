//! How rgrid speaks to people: `rgrid: …` notes on stderr, colour only where it belongs.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub color: bool,
    pub quiet: bool,
}

impl Ui {
    pub fn new(choice: ColorChoice, quiet: bool) -> Ui {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none()
                    && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true)
            }
        };
        Ui { color, quiet }
    }

    /// A line from rgrid itself, dimmed, on stderr; silent with `--quiet`.
    pub fn note(&self, message: impl AsRef<str>) {
        if self.quiet {
            return;
        }
        if self.color {
            eprintln!("\x1b[2mrgrid: {}\x1b[0m", message.as_ref());
        } else {
            eprintln!("rgrid: {}", message.as_ref());
        }
    }

    /// A warning that is shown even with `--quiet`.
    pub fn warn(&self, message: impl AsRef<str>) {
        if self.color {
            eprintln!("\x1b[33mrgrid: warning:\x1b[0m {}", message.as_ref());
        } else {
            eprintln!("rgrid: warning: {}", message.as_ref());
        }
    }

    pub fn error(&self, message: impl AsRef<str>) {
        if self.color {
            eprintln!("\x1b[31mrgrid: error:\x1b[0m {}", message.as_ref());
        } else {
            eprintln!("rgrid: error: {}", message.as_ref());
        }
    }
}
