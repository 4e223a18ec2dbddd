//! Operator commands: `rgrid nodes`, `rgrid nodes drain ID`, `rgrid cost`.

use std::io::Write;

use chrono::{DateTime, Utc};
use rgrid_spec::api::{CostReport, NodeView};
use uuid::Uuid;

use crate::cli::{CostArgs, NodesAction, NodesArgs};
use crate::target::Target;
use crate::ui::Ui;
use crate::{exit, UsageError};

pub async fn run(args: NodesArgs, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    match args.action {
        None => list(&target, args.json).await,
        Some(NodesAction::Drain { id }) => drain(&target, &id, args.json, ui).await,
        Some(NodesAction::Revoke { id }) => revoke(&target, &id, args.json, ui).await,
    }
}

async fn revoke(target: &Target, id: &str, json: bool, ui: &Ui) -> anyhow::Result<i32> {
    let id = parse_node_id(id)?;
    let revoked = target.client.revoke_node(id).await?;
    if json {
        println!("{}", serde_json::to_string(&revoked)?);
    } else {
        ui.note(format!(
            "node {} revoked: its runner is refused from now on; {} running job(s) go back to \
             the queue",
            revoked.node_id, revoked.abandoned
        ));
    }
    Ok(exit::OK)
}

fn parse_node_id(id: &str) -> Result<Uuid, UsageError> {
    Uuid::parse_str(id.trim()).map_err(|_| {
        UsageError(format!(
            "`{id}` is not a node id; ids look like 0190f2c4-…, see `rgrid nodes`"
        ))
    })
}

async fn list(target: &Target, json: bool) -> anyhow::Result<i32> {
    let nodes = target.client.nodes().await?.nodes;
    let mut out = std::io::stdout().lock();
    if json {
        for node in &nodes {
            writeln!(out, "{}", serde_json::to_string(node)?)?;
        }
        return Ok(exit::OK);
    }
    writeln!(
        out,
        "{:<36}  {:<18}  {:<12}  {:>7}  {:>4}  {:>5}  {:>9}  {:<6}  COST",
        "ID", "NAME", "STATE", "AGE", "RUN", "JOBS", "CPU-S", "TYPE"
    )?;
    let now = Utc::now();
    for node in &nodes {
        writeln!(out, "{}", row(node, now))?;
    }
    Ok(exit::OK)
}

fn row(node: &NodeView, now: DateTime<Utc>) -> String {
    let cost = node
        .cost
        .map_or_else(|| "-".to_string(), |cost| format!("€{cost:.4}"));
    let cpu = node
        .cpu_seconds
        .map_or_else(|| "-".to_string(), |cpu| format!("{cpu:.1}"));
    format!(
        "{:<36}  {:<18}  {:<12}  {:>7}  {:>4}  {:>5}  {cpu:>9}  {:<6}  {cost}",
        node.id,
        node.name,
        node.state,
        node.created_at.map_or_else(
            || "-".to_string(),
            |at| age(at, node.ended_at.unwrap_or(now))
        ),
        node.busy,
        node.executions,
        node.node_type.as_deref().unwrap_or("-"),
    )
}

/// `45s`, `12m`, `3h05m`.
fn age(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let secs = (to - from).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

async fn drain(target: &Target, id: &str, json: bool, ui: &Ui) -> anyhow::Result<i32> {
    let id = parse_node_id(id)?;
    let node = target.client.drain_node(id).await?;
    if json {
        println!("{}", serde_json::to_string(&node)?);
    } else {
        ui.note(format!(
            "node {} ({}) is {}: it finishes its {} running job(s) and takes no new ones",
            node.id, node.name, node.state, node.busy
        ));
    }
    Ok(exit::OK)
}

pub async fn cost(args: CostArgs, target: Target) -> anyhow::Result<i32> {
    let report = target.client.cost(args.days).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(exit::OK);
    }
    print_report(&report)?;
    Ok(exit::OK)
}

fn print_report(report: &CostReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<10}  {:>10}  {:>10}  {:>12}",
        "DAY", "NODE-HOURS", "COST", "CPU-SECONDS"
    )?;
    for day in &report.days {
        writeln!(
            out,
            "{:<10}  {:>10.2}  {:>10}  {:>12.0}",
            day.day,
            day.node_hours,
            format!("€{:.4}", day.node_cost),
            day.cpu_seconds
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<30}  {:>12}  {:>10}",
        "PROJECT", "CPU-SECONDS", "COST"
    )?;
    for project in &report.projects {
        writeln!(
            out,
            "{:<30}  {:>12.0}  {:>10}",
            project.project,
            project.cpu_seconds,
            format!("€{:.4}", project.cost)
        )?;
    }
    Ok(())
}
