//! `rgrid top` without a terminal: keys through `input` and `apply`, frames drawn on
//! ratatui's test backend at 80×24 and checked by their text.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rgrid_spec::api::{
    Bytes64, EndReason, GridSnapshot, JobCounts, JobStatus, JobView, LogChunkOut, LogEvent,
    NodeView, Stream,
};
use uuid::Uuid;

use super::input;
use super::state::{App, Effect, Screen};
use super::view;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-04T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

fn job(n: u128, name: &str, status: JobStatus) -> JobView {
    let spec = rgrid_spec::JobSpec::new("python:3.11-slim", vec!["python".to_string()]);
    let started = (status != JobStatus::Queued).then(|| now() - Duration::seconds(75));
    JobView {
        id: Uuid::from_u128(0xabcd_0000_0000_0000_0000_0000_0000_0000 + n),
        name: Some(name.into()),
        project: "demo".into(),
        status,
        attempts: 1,
        max_retries: 0,
        reason: (status == JobStatus::Failed).then_some(EndReason::ExitCode),
        exit_code: (status == JobStatus::Failed).then_some(3),
        message: None,
        executor: Some("process".into()),
        node: started.map(|_| "node-a".into()),
        current_execution: None,
        created_at: now() - Duration::seconds(130),
        started_at: started,
        finished_at: status.is_final().then(|| now() - Duration::seconds(5)),
        spec,
    }
}

fn snapshot() -> GridSnapshot {
    GridSnapshot {
        project: "demo".into(),
        counts: JobCounts {
            queued: 1,
            running: 1,
            succeeded: 7,
            failed: 1,
            cancelled: 0,
        },
        finished_per_minute: vec![0, 1, 3, 2, 0, 1],
        nodes: vec![NodeView {
            id: Uuid::from_u128(1),
            name: "node-a".into(),
            executor: "process".into(),
            slots: 2,
            busy: 1,
            state: "active".into(),
            last_seen: now(),
            node_type: None,
            provider_id: None,
            created_at: None,
            ended_at: None,
            executions: 0,
            hourly_price: None,
            cost: None,
            cpu_seconds: None,
        }],
        jobs: vec![
            job(3, "train", JobStatus::Running),
            job(2, "resize", JobStatus::Queued),
            job(1, "report", JobStatus::Failed),
        ],
        at: now(),
    }
}

fn app() -> App {
    let mut app = App::new(false);
    app.set_snapshot(snapshot());
    app
}

fn press(app: &mut App, code: KeyCode) -> Option<Effect> {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    input::action(&app.screen, key).and_then(|action| app.apply(action))
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| view::draw(frame, app, now()))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

#[test]
fn the_dashboard_fits_80_by_24_with_counts_nodes_jobs_and_help() {
    let frame = render(&app(), 80, 24);
    let lines: Vec<&str> = frame.lines().collect();
    assert_eq!(lines.len(), 24);
    assert!(lines[0].starts_with("demo queued 1 running 1 ok 7 failed 1 cancelled 0"));
    assert!(frame.contains("finished/min (1 now)"), "{frame}");
    assert!(
        frame.contains("node-a           1/2 ■· process active"),
        "{frame}"
    );
    assert!(frame.contains("jobs (3)"), "{frame}");
    let failed = lines
        .iter()
        .find(|l| l.contains("report"))
        .expect("report row");
    for cell in [
        "abcd0000",
        "failed",
        "2m10s",
        "1m10s",
        "node-a",
        "exit_code (3)",
    ] {
        assert!(failed.contains(cell), "{cell} missing from {failed}");
    }
    let queued = lines
        .iter()
        .find(|l| l.contains("resize"))
        .expect("resize row");
    assert!(
        queued.contains("queued") && !queued.contains("node-a"),
        "{queued}"
    );
    assert!(lines[23].contains("Enter logs  / filter  c cancel  r retry  q quit"));
}

#[test]
fn a_small_terminal_still_draws_without_panicking() {
    let frame = render(&app(), 40, 10);
    assert!(frame.lines().count() == 10);
}

#[test]
fn moving_filtering_and_cancelling_with_confirmation() {
    let mut app = app();
    assert_eq!(
        app.selected_job().expect("a job").name.as_deref(),
        Some("train")
    );
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down); // stays on the last row
    assert_eq!(
        app.selected_job().expect("a job").name.as_deref(),
        Some("report")
    );
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(
        app.selected_job().expect("a job").name.as_deref(),
        Some("resize")
    );

    // `c` asks first; anything but `y` declines.
    press(&mut app, KeyCode::Char('c'));
    assert!(render(&app, 80, 24).contains("cancel job abcd0000? y/N"));
    assert_eq!(press(&mut app, KeyCode::Char('n')), None);
    assert_eq!(app.screen, Screen::Jobs);
    press(&mut app, KeyCode::Char('c'));
    let id = app.selected_job().expect("a job").id;
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        Some(Effect::Cancel(id))
    );

    // `/` filters as you type; Esc clears it.
    press(&mut app, KeyCode::Char('/'));
    for c in "rep".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.visible_jobs().len(), 1);
    assert!(render(&app, 80, 24).contains("jobs (1) matching “rep”"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.visible_jobs().len(), 3);

    // `r` retries an ended job; one still running is not retried.
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(press(&mut app, KeyCode::Char('r')), None);
    assert!(render(&app, 80, 24).contains("has not ended yet"));
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    let failed = app.selected_job().expect("a job").id;
    assert_eq!(
        press(&mut app, KeyCode::Char('r')),
        Some(Effect::Retry(failed))
    );
    assert_eq!(press(&mut app, KeyCode::Char('q')), Some(Effect::Quit));
}

#[test]
fn the_selection_follows_its_job_when_new_jobs_arrive() {
    let mut app = app();
    press(&mut app, KeyCode::Down);
    let mut next = snapshot();
    next.jobs.insert(0, job(4, "newest", JobStatus::Queued));
    app.set_snapshot(next);
    assert_eq!(
        app.selected_job().expect("a job").name.as_deref(),
        Some("resize")
    );
}

#[test]
fn enter_opens_live_logs_that_scroll_and_toggle_follow() {
    let mut app = app();
    let id = app.selected_job().expect("a job").id;
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Some(Effect::FollowLogs(id))
    );
    let chunks = (0..40)
        .map(|n| LogChunkOut {
            id: n + 1,
            attempt: 1,
            seq: n as u64,
            stream: if n == 39 {
                Stream::Stderr
            } else {
                Stream::Stdout
            },
            data: Bytes64(format!("line {n}\n").into_bytes()),
            at: now(),
        })
        .collect();
    app.log_event(LogEvent::Chunks { chunks, next: 40 });
    let frame = render(&app, 80, 24);
    assert!(frame.contains("logs of abcd0000 (following)"), "{frame}");
    assert!(
        frame.contains("line 39") && !frame.contains("line 5 "),
        "{frame}"
    );

    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    let frame = render(&app, 80, 24);
    assert!(
        frame.contains("(paused)") && frame.contains("line 37"),
        "{frame}"
    );
    assert!(!frame.contains("line 39"), "{frame}");

    press(&mut app, KeyCode::Char('f'));
    app.log_event(LogEvent::End {
        status: JobStatus::Succeeded,
        next: 40,
    });
    let frame = render(&app, 80, 24);
    assert!(
        frame.contains("(ended: succeeded)") && frame.contains("line 39"),
        "{frame}"
    );
    assert_eq!(press(&mut app, KeyCode::Esc), Some(Effect::StopLogs));
    assert_eq!(app.screen, Screen::Jobs);
}
