//! What a finished job means for the user: one line, one exit code.

use rgrid_spec::api::{EndReason, JobStatus, JobView};

use crate::exit;

/// The exit code `rgrid run` (and `submit --follow`) ends with for a final job.
pub fn exit_code(job: &JobView) -> i32 {
    match job.status {
        JobStatus::Succeeded => exit::OK,
        JobStatus::Cancelled => exit::CANCELLED,
        JobStatus::Queued | JobStatus::Running => exit::INTERNAL,
        JobStatus::Failed => match job.reason {
            Some(EndReason::ExitCode) => {
                job.exit_code.filter(|c| *c != 0).unwrap_or(exit::INTERNAL)
            }
            Some(EndReason::Timeout) => exit::TIMEOUT,
            Some(EndReason::Oom) => exit::OOM,
            _ => exit::JOB_FAILED,
        },
    }
}

/// One line saying why the job failed and what to look at next.
pub fn failure_line(job: &JobView) -> String {
    let id = job.id;
    let detail = job.message.clone().unwrap_or_default();
    let what = match job.reason {
        Some(EndReason::ExitCode) => {
            format!("job {id} exited with code {}", job.exit_code.unwrap_or(-1))
        }
        Some(EndReason::Timeout) => format!(
            "job {id} timed out after {} s; raise `--timeout` if it needs longer",
            job.spec.spec.timeout_seconds
        ),
        Some(EndReason::Oom) => format!(
            "job {id} was killed for running out of memory{}; raise `--memory`",
            job.spec
                .spec
                .resources
                .memory
                .as_deref()
                .map(|m| format!(" (limit {m})"))
                .unwrap_or_default()
        ),
        Some(EndReason::ImageNotFound) => format!(
            "job {id} failed: runtime image `{}` was not found ({detail}); check `--runtime`",
            job.spec.spec.runtime
        ),
        Some(EndReason::RequirementsFailed) => {
            format!("job {id} failed: installing requirements failed: {detail}; check the requirements file")
        }
        Some(EndReason::InputFailed) => {
            format!("job {id} failed: an input could not be fetched: {detail}")
        }
        Some(EndReason::MissingOutput) => format!("job {id} failed: {detail}"),
        Some(EndReason::Abandoned) => {
            format!("job {id} failed: its node stopped answering ({detail})")
        }
        Some(EndReason::Cancelled) => format!("job {id} was cancelled"),
        Some(EndReason::RunnerError) | Some(EndReason::Completed) | None => {
            format!("job {id} failed: {detail}")
        }
    };
    if job.status == JobStatus::Cancelled {
        return format!("job {id} was cancelled");
    }
    if job.attempts > 1 {
        format!("{what} (after {} attempts)", job.attempts)
    } else {
        what
    }
}

/// Wall time of the job from first start to end, for the summary line.
pub fn ran_for(job: &JobView) -> Option<String> {
    let start = job.started_at?;
    let end = job.finished_at?;
    let ms = (end - start).num_milliseconds().max(0);
    Some(format!("{:.1} s", ms as f64 / 1000.0))
}
