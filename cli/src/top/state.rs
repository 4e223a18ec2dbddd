//! What `rgrid top` knows and how an action changes it. No I/O here: effects that need the
//! server (cancel, follow a job's logs) are returned for the event loop to carry out.

use rgrid_spec::api::{GridSnapshot, JobStatus, JobView, LogEvent, Stream};
use uuid::Uuid;

/// Lines of a job's logs kept in the log view.
const LOG_LINES: usize = 10_000;

/// What a key asks for (see `input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Open,
    Back,
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    FilterDone,
    AskCancel,
    Confirm,
    Decline,
    Retry,
    ToggleFollow,
}

/// What the event loop must do after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Quit,
    Cancel(Uuid),
    Retry(Uuid),
    FollowLogs(Uuid),
    StopLogs,
}

/// Which screen has the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Jobs,
    Filter,
    ConfirmCancel(Uuid),
    Logs,
}

#[derive(Debug, Default)]
pub struct LogView {
    pub job: Option<Uuid>,
    pub lines: Vec<(Stream, String)>,
    /// Lines scrolled up from the bottom; 0 shows the newest.
    pub scroll: usize,
    pub follow: bool,
    pub ended: Option<JobStatus>,
}

pub struct App {
    pub snapshot: Option<GridSnapshot>,
    pub selected: usize,
    pub filter: String,
    pub screen: Screen,
    pub logs: LogView,
    /// A one-line message for the user (a result, a connection problem).
    pub message: Option<String>,
    pub color: bool,
}

impl App {
    pub fn new(color: bool) -> App {
        App {
            snapshot: None,
            selected: 0,
            filter: String::new(),
            screen: Screen::Jobs,
            logs: LogView::default(),
            message: None,
            color,
        }
    }

    /// The jobs the filter lets through, newest first.
    pub fn visible_jobs(&self) -> Vec<&JobView> {
        let Some(snapshot) = &self.snapshot else {
            return Vec::new();
        };
        let needle = self.filter.to_lowercase();
        snapshot
            .jobs
            .iter()
            .filter(|job| needle.is_empty() || matches_filter(job, &needle))
            .collect()
    }

    pub fn selected_job(&self) -> Option<&JobView> {
        self.visible_jobs().get(self.selected).copied()
    }

    pub fn set_snapshot(&mut self, snapshot: GridSnapshot) {
        // Keep the same job selected when new jobs push it down the list.
        let selected_id = self.selected_job().map(|job| job.id);
        self.snapshot = Some(snapshot);
        if let Some(id) = selected_id {
            if let Some(index) = self.visible_jobs().iter().position(|job| job.id == id) {
                self.selected = index;
            }
        }
        self.clamp_selection();
    }

    pub fn apply(&mut self, action: Action) -> Option<Effect> {
        match (&self.screen, action) {
            (_, Action::Quit) => return Some(Effect::Quit),
            (Screen::Jobs, Action::Up) => self.selected = self.selected.saturating_sub(1),
            (Screen::Jobs, Action::Down) => self.selected += 1,
            (Screen::Jobs, Action::PageUp) => self.selected = self.selected.saturating_sub(10),
            (Screen::Jobs, Action::PageDown) => self.selected += 10,
            (Screen::Jobs, Action::StartFilter) => self.screen = Screen::Filter,
            (Screen::Jobs, Action::Back) => {
                if self.filter.is_empty() {
                    return Some(Effect::Quit);
                }
                self.filter.clear();
            }
            (Screen::Jobs, Action::Open) => return self.open_logs(),
            (Screen::Jobs, Action::AskCancel) => self.ask_cancel(),
            (Screen::Jobs, Action::Retry) => return self.retry(),
            (Screen::Filter, Action::FilterChar(c)) => {
                self.filter.push(c);
                self.selected = 0;
            }
            (Screen::Filter, Action::FilterBackspace) => {
                self.filter.pop();
            }
            (Screen::Filter, Action::FilterDone) => self.screen = Screen::Jobs,
            (Screen::Filter, Action::Back) => {
                self.filter.clear();
                self.screen = Screen::Jobs;
            }
            (Screen::ConfirmCancel(id), Action::Confirm) => {
                let id = *id;
                self.screen = Screen::Jobs;
                return Some(Effect::Cancel(id));
            }
            (Screen::ConfirmCancel(_), _) => self.screen = Screen::Jobs,
            (Screen::Logs, Action::Back) => {
                self.screen = Screen::Jobs;
                self.logs = LogView::default();
                return Some(Effect::StopLogs);
            }
            (Screen::Logs, Action::Up) => self.scroll_logs(1, false),
            (Screen::Logs, Action::Down) => self.scroll_logs(1, true),
            (Screen::Logs, Action::PageUp) => self.scroll_logs(20, false),
            (Screen::Logs, Action::PageDown) => self.scroll_logs(20, true),
            (Screen::Logs, Action::ToggleFollow) => {
                self.logs.follow = !self.logs.follow;
                if self.logs.follow {
                    self.logs.scroll = 0;
                }
            }
            _ => {}
        }
        self.clamp_selection();
        None
    }

    pub fn log_event(&mut self, event: LogEvent) {
        match event {
            LogEvent::Chunks { chunks, .. } => {
                for chunk in chunks {
                    let text = String::from_utf8_lossy(&chunk.data.0);
                    for line in text.lines() {
                        self.logs.lines.push((chunk.stream, line.to_string()));
                        if !self.logs.follow {
                            // Hold the view still while new lines arrive below it.
                            self.logs.scroll += 1;
                        }
                    }
                }
                let excess = self.logs.lines.len().saturating_sub(LOG_LINES);
                self.logs.lines.drain(..excess);
            }
            LogEvent::End { status, .. } => self.logs.ended = Some(status),
        }
    }

    fn open_logs(&mut self) -> Option<Effect> {
        let id = self.selected_job()?.id;
        self.logs = LogView {
            job: Some(id),
            follow: true,
            ..LogView::default()
        };
        self.screen = Screen::Logs;
        Some(Effect::FollowLogs(id))
    }

    fn ask_cancel(&mut self) {
        if let Some(job) = self.selected_job() {
            if job.status.is_final() {
                self.message = Some(format!("job {} has already ended", short_id(job.id)));
            } else {
                self.screen = Screen::ConfirmCancel(job.id);
            }
        }
    }

    fn retry(&mut self) -> Option<Effect> {
        let job = self.selected_job()?;
        if !job.status.is_final() {
            self.message = Some(format!("job {} has not ended yet", short_id(job.id)));
            return None;
        }
        Some(Effect::Retry(job.id))
    }

    fn scroll_logs(&mut self, lines: usize, down: bool) {
        if down {
            self.logs.scroll = self.logs.scroll.saturating_sub(lines);
        } else {
            self.logs.follow = false;
            self.logs.scroll = (self.logs.scroll + lines).min(self.logs.lines.len());
        }
    }

    fn clamp_selection(&mut self) {
        let count = self.visible_jobs().len();
        self.selected = self.selected.min(count.saturating_sub(1));
    }
}

fn matches_filter(job: &JobView, needle: &str) -> bool {
    let fields = [
        job.id.to_string(),
        job.name.clone().unwrap_or_default(),
        job.status.as_str().to_string(),
        job.node.clone().unwrap_or_default(),
    ];
    fields.iter().any(|f| f.to_lowercase().contains(needle))
}

/// The first block of a job id, enough to tell jobs apart on one screen.
pub fn short_id(id: Uuid) -> String {
    id.to_string()[..8].to_string()
}
