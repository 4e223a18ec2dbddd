//! How a job's log chunks reach the terminal: stdout to stdout, stderr to stderr, rgrid's own
//! lines as notes; optionally each line prefixed with its time and stream; or JSON Lines.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use rgrid_spec::api::{JobStatus, LogChunkOut, Stream};

use crate::ui::Ui;

/// How chunks are shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Format {
    /// JSON Lines, `{"type":"log",…}` per chunk and `{"type":"end",…}` at the end.
    pub json: bool,
    /// Part of `rgrid run --json`, which ends with its own `finished` event instead of `end`.
    pub run_events: bool,
    /// Each line starts with the time the runner read it (UTC).
    pub timestamps: bool,
    /// Each line starts with `out|` or `err|`.
    pub prefix: bool,
}

pub struct Printer {
    ui: Ui,
    format: Format,
    /// Whether the next byte of stdout / stderr starts a line (prefixes go there).
    line_start: [bool; 2],
    /// Spins while the runner prepares the job (image pull, requirements install).
    step: Option<ProgressBar>,
    /// Spinners only on a terminal, and never with `--quiet` or `--json`.
    spinners: bool,
}

/// rgrid lines that begin a long preparation step worth a spinner.
const SLOW_STEPS: [&str; 2] = ["installing requirements", "pulling image"];

impl Printer {
    pub fn new(ui: Ui, format: Format) -> Printer {
        let spinners = crate::progress::shown(&ui, format.json);
        Printer {
            ui,
            format,
            line_start: [true; 2],
            step: None,
            spinners,
        }
    }

    pub fn chunk(&mut self, chunk: &LogChunkOut) {
        if self.format.json {
            let line = serde_json::json!({
                "type": "log",
                "id": chunk.id,
                "attempt": chunk.attempt,
                "seq": chunk.seq,
                "stream": chunk.stream,
                "text": String::from_utf8_lossy(&chunk.data.0),
                "at": chunk.at,
            });
            write_out(format!("{line}\n").as_bytes());
            return;
        }
        self.finish_step();
        match chunk.stream {
            Stream::Stdout => self.write(0, chunk),
            Stream::Stderr => self.write(1, chunk),
            Stream::System => {
                for line in String::from_utf8_lossy(&chunk.data.0).lines() {
                    self.finish_step();
                    if self.spinners && SLOW_STEPS.iter().any(|s| line.starts_with(s)) {
                        self.start_step(line);
                    } else {
                        self.ui.note(line);
                    }
                }
            }
        }
    }

    fn start_step(&mut self, line: &str) {
        let bar = ProgressBar::new_spinner().with_message(line.to_string());
        if let Ok(style) = ProgressStyle::with_template("rgrid: {spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        self.step = Some(bar);
    }

    /// Ends a running step spinner, leaving a note with how long the step took.
    fn finish_step(&mut self) {
        if let Some(bar) = self.step.take() {
            bar.finish_and_clear();
            let took = bar.elapsed().as_secs_f32();
            self.ui.note(format!("{} ({took:.1}s)", bar.message()));
        }
    }

    /// The job ended and every chunk has been printed.
    pub fn end(&mut self, status: JobStatus, next: i64) {
        self.finish_step();
        if self.format.json && !self.format.run_events {
            let line = serde_json::json!({"type": "end", "status": status, "next": next});
            write_out(format!("{line}\n").as_bytes());
        }
    }

    fn write(&mut self, index: usize, chunk: &LogChunkOut) {
        let data = if self.format.timestamps || self.format.prefix {
            self.decorate(index, chunk)
        } else {
            chunk.data.0.clone()
        };
        if index == 0 {
            write_out(&data);
        } else {
            // Write errors (a closed pipe: `rgrid logs ID | head`) are not the job's failure.
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(&data).and_then(|()| err.flush());
        }
    }

    /// The chunk with the decoration at the start of every line it begins.
    fn decorate(&mut self, index: usize, chunk: &LogChunkOut) -> Vec<u8> {
        let mut label = String::new();
        if self.format.timestamps {
            label.push_str(&chunk.at.format("%Y-%m-%dT%H:%M:%S%.3fZ ").to_string());
        }
        if self.format.prefix {
            label.push_str(if index == 0 { "out| " } else { "err| " });
        }
        let mut out = Vec::with_capacity(chunk.data.0.len() + label.len());
        for piece in chunk.data.0.split_inclusive(|&b| b == b'\n') {
            if self.line_start[index] {
                out.extend_from_slice(label.as_bytes());
            }
            out.extend_from_slice(piece);
            self.line_start[index] = piece.ends_with(b"\n");
        }
        out
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        // Detached (Ctrl-C) mid-step: leave no half-drawn spinner behind.
        if let Some(bar) = self.step.take() {
            bar.finish_and_clear();
        }
    }
}

fn write_out(data: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(data).and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgrid_spec::api::Bytes64;

    fn chunk(data: &str) -> LogChunkOut {
        LogChunkOut {
            id: 1,
            attempt: 1,
            seq: 0,
            stream: Stream::Stdout,
            data: Bytes64(data.as_bytes().to_vec()),
            at: chrono::DateTime::from_timestamp(0, 0).expect("epoch"),
        }
    }

    #[test]
    fn prefixes_go_at_line_starts_even_across_chunks() {
        let ui = Ui {
            color: false,
            quiet: true,
        };
        let format = Format {
            prefix: true,
            ..Format::default()
        };
        let mut printer = Printer::new(ui, format);
        let first = printer.decorate(0, &chunk("a\nb"));
        let second = printer.decorate(0, &chunk("c\nd\n"));
        assert_eq!(
            String::from_utf8(first).expect("utf8") + &String::from_utf8(second).expect("utf8"),
            "out| a\nout| bc\nout| d\n"
        );
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let ui = Ui {
            color: false,
            quiet: true,
        };
        let format = Format {
            timestamps: true,
            ..Format::default()
        };
        let out = Printer::new(ui, format).decorate(1, &chunk("x\n"));
        assert_eq!(out, b"1970-01-01T00:00:00.000Z x\n");
    }
}
