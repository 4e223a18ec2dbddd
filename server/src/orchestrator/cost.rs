//! Cost records: node cost from each node's hourly price and life, execution CPU-seconds, per
//! UTC day and per project.
//!
//! An execution's CPU-seconds are what its runner measured (container CPU usage, or the job
//! process's rusage), spread over the UTC days of its run in proportion to its wall time.
//! Until it finishes, and for runners that do not measure, its wall time × one slot (one
//! vCPU, as slots are sized) stands in: the time the grid reserved for it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rgrid_spec::api::{CostReport, DayCost, ProjectCost};

use crate::store::{NodeRecord, Usage};

/// The EUR a node has cost from creation to its end (or `now`).
pub fn node_cost(node: &NodeRecord, now: DateTime<Utc>) -> Option<f64> {
    let price = node.hourly_price?;
    Some(price * hours(node.created_at, node.ended_at.unwrap_or(now)))
}

/// Cost per day and per project over the `days` UTC days ending today.
pub fn report(nodes: &[NodeRecord], usage: &[Usage], now: DateTime<Utc>, days: u32) -> CostReport {
    let today = now.date_naive();
    let first = today - Duration::days(i64::from(days.max(1)) - 1);
    let mut by_day: BTreeMap<NaiveDate, DayCost> = BTreeMap::new();
    let mut day = first;
    while day <= today {
        by_day.insert(
            day,
            DayCost {
                day: day.to_string(),
                node_hours: 0.0,
                node_cost: 0.0,
                cpu_seconds: 0.0,
            },
        );
        day += Duration::days(1);
    }
    for node in nodes {
        let end = node.ended_at.unwrap_or(now);
        for (day, seconds) in split_by_day(node.created_at, end) {
            if let Some(entry) = by_day.get_mut(&day) {
                let node_hours = seconds / 3600.0;
                entry.node_hours += node_hours;
                entry.node_cost += node_hours * node.hourly_price.unwrap_or(0.0);
            }
        }
    }
    let mut by_project: BTreeMap<&str, f64> = BTreeMap::new();
    for execution in usage {
        for (day, seconds) in cpu_by_day(execution, now) {
            if let Some(entry) = by_day.get_mut(&day) {
                entry.cpu_seconds += seconds;
                *by_project.entry(&execution.project).or_default() += seconds;
            }
        }
    }
    let total_cost: f64 = by_day.values().map(|d| d.node_cost).sum();
    let total_cpu: f64 = by_project.values().sum();
    let projects = by_project
        .into_iter()
        .map(|(project, cpu_seconds)| ProjectCost {
            project: project.to_string(),
            cpu_seconds,
            cost: if total_cpu > 0.0 {
                total_cost * cpu_seconds / total_cpu
            } else {
                0.0
            },
        })
        .collect();
    CostReport {
        days: by_day.into_values().collect(),
        projects,
    }
}

/// An execution's CPU-seconds per UTC day: measured ones in proportion to the wall time on
/// each day, else the wall time itself.
fn cpu_by_day(execution: &Usage, now: DateTime<Utc>) -> Vec<(NaiveDate, f64)> {
    let end = execution.finished_at.unwrap_or(now);
    let wall = split_by_day(execution.started_at, end);
    let Some(cpu) = execution.cpu_seconds else {
        return wall;
    };
    let total: f64 = wall.iter().map(|(_, seconds)| seconds).sum();
    if total <= 0.0 {
        return vec![(execution.started_at.date_naive(), cpu)];
    }
    wall.into_iter()
        .map(|(day, seconds)| (day, cpu * seconds / total))
        .collect()
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    seconds(from, to) / 3600.0
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let micros = (to - from).num_microseconds().unwrap_or(i64::MAX).max(0);
    // Microsecond counts stay far below 2^53 for any real span; the cast is exact enough.
    micros as f64 / 1e6
}

/// The seconds of `[from, to)` that fall on each UTC day.
fn split_by_day(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(NaiveDate, f64)> {
    let mut parts = Vec::new();
    let mut start = from;
    while start < to {
        let day = start.date_naive();
        let next_midnight = (day + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .map_or(to, |midnight| midnight.and_utc());
        let end = next_midnight.min(to);
        parts.push((day, seconds(start, end)));
        start = end;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgrid_spec::api::NodeState;
    use uuid::Uuid;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    fn node(created: &str, ended: Option<&str>, price: f64) -> NodeRecord {
        NodeRecord {
            id: Uuid::new_v4(),
            name: "n".into(),
            state: NodeState::Terminated,
            slots: 2,
            executor: "docker".into(),
            node_type: Some("cx22".into()),
            provider_id: None,
            hourly_price: Some(price),
            created_at: at(created),
            last_seen: at(created),
            ended_at: ended.map(at),
            deleted_at: None,
            running: 0,
            executions: 0,
            cpu_seconds: 0.0,
        }
    }

    #[test]
    fn node_cost_is_price_times_hours_split_at_midnight() {
        let now = at("2026-12-04T12:00:00Z");
        let across = node("2026-12-03T23:00:00Z", Some("2026-12-04T01:00:00Z"), 0.01);
        assert!((node_cost(&across, now).expect("priced") - 0.02).abs() < 1e-9);
        let usage = [
            Usage {
                project: "a/x".into(),
                started_at: at("2026-12-04T00:00:00Z"),
                finished_at: Some(at("2026-12-04T00:00:30Z")),
                cpu_seconds: None,
            },
            Usage {
                project: "b/y".into(),
                started_at: at("2026-12-04T00:00:00Z"),
                finished_at: Some(at("2026-12-04T00:01:30Z")),
                cpu_seconds: None,
            },
        ];
        let report = report(&[across], &usage, now, 2);
        let days: Vec<(&str, f64)> = report
            .days
            .iter()
            .map(|d| (d.day.as_str(), d.node_hours))
            .collect();
        assert_eq!(days, vec![("2026-12-03", 1.0), ("2026-12-04", 1.0)]);
        assert_eq!(report.days[1].cpu_seconds, 120.0);
        let shares: Vec<(&str, f64)> = report
            .projects
            .iter()
            .map(|p| (p.project.as_str(), p.cost))
            .collect();
        assert!((shares[0].1 - 0.005).abs() < 1e-9 && (shares[1].1 - 0.015).abs() < 1e-9);
    }

    #[test]
    fn measured_cpu_seconds_replace_wall_time_and_split_by_wall_time() {
        let now = at("2026-12-05T12:00:00Z");
        let nodes = [node(
            "2026-12-04T00:00:00Z",
            Some("2026-12-05T00:00:00Z"),
            0.01,
        )];
        let usage = [
            // Busy: 2 CPU-seconds in a 4 s run, half of it on each day.
            Usage {
                project: "a/x".into(),
                started_at: at("2026-12-04T23:59:58Z"),
                finished_at: Some(at("2026-12-05T00:00:02Z")),
                cpu_seconds: Some(2.0),
            },
            // Asleep for 60 s: next to no CPU, next to no share of the cost.
            Usage {
                project: "b/y".into(),
                started_at: at("2026-12-05T01:00:00Z"),
                finished_at: Some(at("2026-12-05T01:01:00Z")),
                cpu_seconds: Some(0.0),
            },
        ];
        let report = report(&nodes, &usage, now, 2);
        let cpu: Vec<f64> = report.days.iter().map(|d| d.cpu_seconds).collect();
        assert_eq!(cpu, vec![1.0, 1.0]);
        let projects: Vec<(&str, f64, f64)> = report
            .projects
            .iter()
            .map(|p| (p.project.as_str(), p.cpu_seconds, p.cost))
            .collect();
        assert_eq!(projects[0].0, "a/x");
        assert!((projects[0].1 - 2.0).abs() < 1e-9 && (projects[0].2 - 0.24).abs() < 1e-9);
        assert_eq!(
            (projects[1].0, projects[1].1, projects[1].2),
            ("b/y", 0.0, 0.0)
        );
    }
}
