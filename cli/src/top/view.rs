//! Drawing `rgrid top` from its state: header with counts, throughput and nodes, the jobs
//! table (or a job's logs), and a help line. Fits 80×24; colour only when allowed.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, TableState};
use ratatui::Frame;
use rgrid_spec::api::{JobStatus, JobView, Stream};

use super::state::{short_id, App, Screen};

pub fn draw(frame: &mut Frame, app: &App, now: DateTime<Utc>) {
    let [header, middle, body, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(5),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(Paragraph::new(counts_line(app)), header);
    let [spark, nodes] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(middle);
    draw_throughput(frame, app, spark);
    draw_nodes(frame, app, nodes);
    match app.screen {
        Screen::Logs => draw_logs(frame, app, body),
        _ => draw_jobs(frame, app, body, now),
    }
    frame.render_widget(Paragraph::new(help_line(app)), help);
}

fn style(app: &App, color: Color) -> Style {
    if app.color {
        Style::default().fg(color)
    } else {
        Style::default()
    }
}

fn counts_line(app: &App) -> Line<'static> {
    let Some(snapshot) = &app.snapshot else {
        return Line::from("rgrid top: connecting…");
    };
    let c = snapshot.counts;
    Line::from(vec![
        Span::styled(
            format!("{} ", snapshot.project),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("queued {} ", c.queued), style(app, Color::Yellow)),
        Span::styled(format!("running {} ", c.running), style(app, Color::Cyan)),
        Span::styled(format!("ok {} ", c.succeeded), style(app, Color::Green)),
        Span::styled(format!("failed {} ", c.failed), style(app, Color::Red)),
        Span::raw(format!("cancelled {}", c.cancelled)),
    ])
}

fn draw_throughput(frame: &mut Frame, app: &App, area: Rect) {
    let data: Vec<u64> = app
        .snapshot
        .as_ref()
        .map(|s| s.finished_per_minute.clone())
        .unwrap_or_default();
    let last = data.last().copied().unwrap_or(0);
    let title = format!("finished/min ({last} now)");
    let sparkline = Sparkline::default()
        .block(Block::default().borders(Borders::ALL).title(title))
        .data(&data)
        .style(style(app, Color::Green));
    frame.render_widget(sparkline, area);
}

fn draw_nodes(frame: &mut Frame, app: &App, area: Rect) {
    let nodes = app
        .snapshot
        .as_ref()
        .map(|s| s.nodes.as_slice())
        .unwrap_or(&[]);
    let lines: Vec<Line> = nodes
        .iter()
        .map(|node| {
            let bar: String = (0..node.slots)
                .map(|i| if i < node.busy { '■' } else { '·' })
                .collect();
            Line::from(format!(
                "{:<16} {}/{} {bar} {} {}",
                truncate(&node.name, 16),
                node.busy,
                node.slots,
                node.executor,
                node.state
            ))
        })
        .collect();
    let title = format!("nodes ({})", nodes.len());
    let list = Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title));
    frame.render_widget(list, area);
}

fn draw_jobs(frame: &mut Frame, app: &App, area: Rect, now: DateTime<Utc>) {
    let jobs = app.visible_jobs();
    let rows: Vec<Row> = jobs.iter().map(|job| job_row(app, job, now)).collect();
    let header = Row::new(["ID", "NAME", "STATUS", "AGE", "RUN", "NODE", "REASON"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(8),
        Constraint::Min(8),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Min(10),
    ];
    let title = if app.filter.is_empty() {
        format!("jobs ({})", jobs.len())
    } else {
        format!("jobs ({}) matching “{}”", jobs.len(), app.filter)
    };
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut state = TableState::default().with_selected(Some(app.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn job_row<'a>(app: &App, job: &JobView, now: DateTime<Utc>) -> Row<'a> {
    let status_color = match job.status {
        JobStatus::Queued => Color::Yellow,
        JobStatus::Running => Color::Cyan,
        JobStatus::Succeeded => Color::Green,
        JobStatus::Failed => Color::Red,
        JobStatus::Cancelled => Color::Gray,
    };
    let runtime = job.started_at.map(|start| {
        let end = job.finished_at.unwrap_or(now);
        duration(end - start)
    });
    let reason = match (job.reason, job.exit_code) {
        (Some(reason), Some(code)) if code != 0 => format!("{} ({code})", reason.as_str()),
        (Some(reason), _) => reason.as_str().to_string(),
        (None, _) => String::new(),
    };
    Row::new(vec![
        Cell::from(short_id(job.id)),
        Cell::from(job.name.clone().unwrap_or_default()),
        Cell::from(job.status.as_str()).style(style(app, status_color)),
        Cell::from(duration(now - job.created_at)),
        Cell::from(runtime.unwrap_or_default()),
        Cell::from(job.node.clone().unwrap_or_default()),
        Cell::from(reason),
    ])
}

fn draw_logs(frame: &mut Frame, app: &App, area: Rect) {
    let logs = &app.logs;
    let height = area.height.saturating_sub(2) as usize;
    let end = logs.lines.len().saturating_sub(logs.scroll);
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = logs.lines[start..end]
        .iter()
        .map(|(stream, text)| match stream {
            Stream::Stdout => Line::from(text.clone()),
            Stream::Stderr => Line::styled(text.clone(), style(app, Color::Red)),
            Stream::System => Line::styled(
                format!("rgrid: {text}"),
                Style::default().add_modifier(Modifier::DIM),
            ),
        })
        .collect();
    let id = logs.job.map(short_id).unwrap_or_default();
    let state = match (logs.ended, logs.follow) {
        (Some(status), _) => format!("ended: {}", status.as_str()),
        (None, true) => "following".into(),
        (None, false) => "paused".into(),
    };
    let title = format!("logs of {id} ({state})");
    let paragraph =
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title));
    frame.render_widget(paragraph, area);
}

fn help_line(app: &App) -> Line<'static> {
    let text = match &app.screen {
        Screen::Filter => format!("filter: {}▏ Enter keep  Esc clear", app.filter),
        Screen::ConfirmCancel(id) => format!("cancel job {}? y/N", short_id(*id)),
        Screen::Logs => "↑↓/jk scroll  PgUp/PgDn  f follow  Esc back  q quit".into(),
        Screen::Jobs => match &app.message {
            Some(message) => message.clone(),
            None => "↑↓/jk move  Enter logs  / filter  c cancel  r retry  q quit".into(),
        },
    };
    Line::styled(text, Style::default().add_modifier(Modifier::REVERSED))
}

/// `42s`, `3m12s`, `2h05m`, `3d4h`.
fn duration(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}
