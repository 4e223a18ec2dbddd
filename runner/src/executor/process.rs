//! The process executor: the job runs as a local process group, for the embedded grid when no
//! Docker engine answers.
//!
//! Isolation is weaker than a container and says so in the job's log: requirements go into a
//! venv per requirements hash made with the host's `python3`; the job gets a clean environment
//! with that venv first on `PATH`, its own process group (a timeout kills the whole group),
//! rlimits (no core dumps; address space from the memory limit), and for `network: false` a
//! fresh network namespace through `unshare --net` where the OS allows it. CPU limits are not
//! enforced. OOM is best effort: Python usually meets the address-space limit as a
//! `MemoryError` (reason `exit_code`); a SIGKILL the runner did not send is reported as `oom`.
//! CPU time is the job process's own plus that of the children it waited for, read from
//! `/proc` after it exited and before it is reaped; children it left running are not counted.
//! The venv is built in a temporary directory and renamed, so scripts that packages install in
//! its `bin/` point at the temporary path; `python` and `python -m <tool>` work.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use rgrid_spec::api::{EndReason, Stream};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

use super::{
    last_pip_error, remove_stale_builds, venv_key, Executor, ExecutorError, ExecutorSettings,
    JobRun, Outcome, INSTALL_TIMEOUT,
};
use crate::logs::LogSink;
use crate::watchdog::GuardedGroup;
use crate::workdir::REQUIREMENTS_TXT;

pub use limits::kill_group;

const HOST_PYTHON: &str = "python3";
const BASE_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

pub struct ProcessExecutor {
    settings: ExecutorSettings,
    /// The host interpreter's real path (not a shim), found once with the runner's `PATH`.
    python: PathBuf,
    /// `unshare --net true` worked when the executor started.
    can_unshare_net: bool,
}

/// How the job's process ended.
enum ProcessEnd {
    Exited(ExitStatus),
    TimedOut,
    Killed,
}

impl ProcessExecutor {
    pub async fn new(settings: ExecutorSettings) -> ProcessExecutor {
        let can_unshare_net = Command::new("unshare")
            .args(["--net", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .map(|status| status.success())
            .unwrap_or(false);
        let python = host_python().await;
        ProcessExecutor {
            settings,
            python,
            can_unshare_net,
        }
    }

    /// The venv for `requirements` (empty: a bare venv, so `python` always resolves).
    async fn ensure_venv(&self, job: &JobRun<'_>) -> Result<PathBuf, Outcome> {
        let requirements = job.spec.spec.requirements.as_deref().unwrap_or("");
        let venvs = self.settings.cache_root.join("process-venvs");
        let ready = venvs.join(venv_key(&self.python.to_string_lossy(), requirements));
        if tokio::fs::metadata(&ready).await.is_ok() {
            if !requirements.is_empty() {
                job.logs.system("requirements from cache");
            }
            return Ok(ready);
        }
        if !requirements.is_empty() {
            job.logs.system("installing requirements (cache miss)");
        }
        let io_error = |err: std::io::Error| Outcome::runner_error(format!("venv cache: {err}"));
        tokio::fs::create_dir_all(&venvs).await.map_err(io_error)?;
        let building = venvs.join(format!(".tmp-{}", job.execution_id));
        let result = self
            .build_venv(&building, !requirements.is_empty(), job)
            .await;
        if result.is_ok() && tokio::fs::rename(&building, &ready).await.is_ok() {
            return Ok(ready);
        }
        // Either the build failed or a concurrent build of the same venv won the rename.
        let _ = tokio::fs::remove_dir_all(&building).await;
        result.map(|()| ready)
    }

    async fn build_venv(
        &self,
        target: &Path,
        install: bool,
        job: &JobRun<'_>,
    ) -> Result<(), Outcome> {
        let mut create = Command::new(&self.python);
        create.arg("-m").arg("venv");
        if !install {
            // A bare venv only makes `python` resolve; without pip it takes a blink.
            create.arg("--without-pip");
        }
        create.arg(target);
        let (ok, output) = self.run_step(create, job).await?;
        if !ok {
            return Err(Outcome::runner_error(format!(
                "python3 -m venv failed: {}",
                last_line(&output)
            )));
        }
        if !install {
            return Ok(());
        }
        let mut pip = Command::new(target.join("bin/python"));
        pip.args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(job.work_dir.join(REQUIREMENTS_TXT));
        let (ok, output) = self.run_step(pip, job).await?;
        if ok {
            Ok(())
        } else {
            let message = format!("requirements failed: {}", last_pip_error(&output));
            Err(Outcome::new(EndReason::RequirementsFailed, message))
        }
    }

    /// Runs an install step, its output going to the log as system lines.
    async fn run_step(
        &self,
        mut command: Command,
        job: &JobRun<'_>,
    ) -> Result<(bool, String), Outcome> {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.process_group(0).kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|err| Outcome::runner_error(format!("cannot start install step: {err}")))?;
        let _guarded = GuardedGroup::new(child.id());
        let tail = LogSink::new();
        let copies = pump_output(&mut child, &[job.logs.clone(), tail.clone()], true);
        let limit = INSTALL_TIMEOUT;
        // Read while waiting: awaited after the exit, output would only arrive at the end (and
        // a child filling the pipe buffer would block).
        let (end, ()) = tokio::join!(wait_or_kill(&mut child, limit, job), copies);
        let end = end.map(|(end, _cpu)| end);
        let output: Vec<u8> = tail.take().into_iter().flat_map(|(_, data)| data).collect();
        let output = String::from_utf8_lossy(&output).into_owned();
        match end {
            Ok(ProcessEnd::Exited(status)) => Ok((status.success(), output)),
            Ok(ProcessEnd::TimedOut) => Err(Outcome::new(
                EndReason::RequirementsFailed,
                format!("requirements install timed out after {} s", limit.as_secs()),
            )),
            Ok(ProcessEnd::Killed) => Err(Outcome::cancelled()),
            Err(err) => Err(Outcome::runner_error(format!("install step: {err}"))),
        }
    }

    fn job_command(&self, job: &JobRun<'_>, venv: &Path) -> Option<Command> {
        let spec = &job.spec.spec;
        let mut argv = job.spec.effective_command();
        argv.extend(spec.args.iter().cloned());
        let (program, args) = argv.split_first()?;
        let mut command = if !spec.network && self.can_unshare_net {
            let mut wrapped = Command::new("unshare");
            wrapped.args(["--net", "--", program]);
            wrapped
        } else {
            Command::new(program)
        };
        command.args(args).current_dir(&job.work_dir).env_clear();
        command
            .env(
                "PATH",
                format!("{}:{BASE_PATH}", venv.join("bin").display()),
            )
            .env("VIRTUAL_ENV", venv)
            .env("HOME", std::env::temp_dir())
            .env("LANG", "C.UTF-8")
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .envs(&spec.env);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.process_group(0).kill_on_drop(true);
        limits::apply(&mut command, job.memory_bytes);
        Some(command)
    }
}

#[async_trait::async_trait]
impl Executor for ProcessExecutor {
    fn name(&self) -> &'static str {
        "process"
    }

    async fn remove_leftovers(&self) -> Result<(), ExecutorError> {
        // Job process groups die with the runner (kill_on_drop, or its watchdog after a
        // crash); only venv builds can remain.
        remove_stale_builds(&self.settings.cache_root.join("process-venvs"))?;
        Ok(())
    }

    async fn run(&self, job: &JobRun<'_>) -> Outcome {
        job.logs.system(
            "process executor: no container; the job runs as the runner's user and can read \
             and write any file that user can",
        );
        if let Some(cpu) = &job.spec.spec.resources.cpu {
            // Only a memory limit is applied to processes (rlimit); cpu would need cgroups.
            job.logs
                .system(&format!("process executor: cpu limit {cpu} not enforced"));
        }
        if !job.spec.spec.network && !self.can_unshare_net {
            job.logs
                .system("network isolation is unavailable here: the job can reach the network");
        }
        let venv = match self.ensure_venv(job).await {
            Ok(venv) => venv,
            Err(outcome) => return outcome,
        };
        let Some(mut command) = self.job_command(job, &venv) else {
            return Outcome::runner_error("the job has no command and no code");
        };
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(err) => return Outcome::runner_error(format!("cannot start the job: {err}")),
        };
        // The runner's watchdog kills the group if the runner dies (kill -9) before the job.
        let _guarded = GuardedGroup::new(child.id());
        let copies = pump_output(&mut child, std::slice::from_ref(&job.logs), false);
        let limit = Duration::from_secs(job.spec.spec.timeout_seconds);
        // Read while waiting, so the logs stream live (see the install step).
        let (end, ()) = tokio::join!(wait_or_kill(&mut child, limit, job), copies);
        let (end, cpu_time) = match end {
            Ok((end, cpu_time)) => (Ok(end), cpu_time),
            Err(err) => (Err(err), None),
        };
        let outcome = match end {
            Ok(ProcessEnd::Exited(status)) => outcome_of(status, job.memory_bytes),
            Ok(ProcessEnd::TimedOut) => Outcome::timeout(job.spec.spec.timeout_seconds),
            Ok(ProcessEnd::Killed) => Outcome::cancelled(),
            Err(err) => Outcome::runner_error(format!("waiting for the job: {err}")),
        };
        outcome.with_cpu_time(cpu_time)
    }
}

fn outcome_of(status: ExitStatus, memory_limit: Option<u64>) -> Outcome {
    if let Some(code) = status.code() {
        return Outcome::exited(code);
    }
    let signal = status.signal().unwrap_or(0);
    if signal == libc::SIGKILL && memory_limit.is_some() {
        return Outcome {
            reason: EndReason::Oom,
            exit_code: Some(128 + signal),
            message: Some("killed by SIGKILL, most likely out of memory".to_string()),
            cpu_time: None,
        };
    }
    Outcome {
        reason: EndReason::ExitCode,
        exit_code: Some(128 + signal),
        message: Some(format!("killed by signal {signal}")),
        cpu_time: None,
    }
}

/// Waits for `child`; on timeout or kill, kills its whole process group first. Also answers
/// the CPU time the child used, when it could be read.
///
/// The exit is awaited without reaping (`waitid` with `WNOWAIT`, on a blocking thread), so
/// the exited child's accounting is still in `/proc`; tokio reaps it afterwards, when
/// `child.wait()` is first polled (it reaps only then, so the two never race).
async fn wait_or_kill(
    child: &mut Child,
    limit: Duration,
    job: &JobRun<'_>,
) -> std::io::Result<(ProcessEnd, Option<Duration>)> {
    let Some(pid) = child.id() else {
        // Already reaped: nothing left to measure.
        return Ok((ProcessEnd::Exited(child.wait().await?), None));
    };
    let mut exited = tokio::task::spawn_blocking(move || limits::wait_exited(pid));
    let stopped = tokio::select! {
        _ = &mut exited => None,
        _ = tokio::time::sleep(limit) => Some(ProcessEnd::TimedOut),
        _ = job.kill.cancelled() => Some(ProcessEnd::Killed),
    };
    if stopped.is_some() {
        limits::kill_group(pid);
        // The group is killed: the leader exits at once.
        let _ = exited.await;
    }
    let cpu_time = limits::cpu_time(pid);
    let status = child.wait().await?;
    Ok((stopped.unwrap_or(ProcessEnd::Exited(status)), cpu_time))
}

/// Copies the child's stdout and stderr into `sinks` until both close; `as_system` sends
/// everything as system lines (install steps).
fn pump_output(
    child: &mut Child,
    sinks: &[LogSink],
    as_system: bool,
) -> impl std::future::Future<Output = ()> {
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let pick = move |stream: Stream| if as_system { Stream::System } else { stream };
    let out = copy_stream(stdout, sinks.to_vec(), pick(Stream::Stdout));
    let err = copy_stream(stderr, sinks.to_vec(), pick(Stream::Stderr));
    async move {
        futures::join!(out, err);
    }
}

async fn copy_stream<R: AsyncRead + Unpin>(reader: Option<R>, sinks: Vec<LogSink>, stream: Stream) {
    let Some(mut reader) = reader else { return };
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => sinks
                .iter()
                .for_each(|sink| sink.write(stream, &buffer[..read])),
        }
    }
}

/// Resolves `python3` to the interpreter itself, so venvs work without the caller's `PATH`
/// or a version manager's shims.
async fn host_python() -> PathBuf {
    let probe = Command::new(HOST_PYTHON)
        .args(["-c", "import sys; print(sys.executable)"])
        .stdin(Stdio::null())
        .output()
        .await;
    match probe {
        Ok(out) if out.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        _ => PathBuf::from(HOST_PYTHON),
    }
}

fn last_line(output: &str) -> String {
    output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
        .to_string()
}

/// utime + stime + cutime + cstime from a `/proc/<pid>/stat` line. The command name (field 2)
/// may hold spaces and parentheses, so fields are counted from its closing `)`: the state,
/// field 3, comes first, and field n sits at index n - 3.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields
        .get(11..15)?
        .iter()
        .map(|field| field.parse::<u64>().ok())
        .sum()
}

/// The few calls into libc the process executor needs.
#[allow(unsafe_code)]
mod limits {
    use tokio::process::Command;

    /// Sets rlimits in the child between fork and exec: no core dumps, and an address-space
    /// limit when the job has a memory limit.
    pub fn apply(command: &mut Command, memory_bytes: Option<u64>) {
        let address_space = memory_bytes.map(|bytes| bytes as libc::rlim_t);
        // SAFETY: the closure runs in the forked child before exec; it only calls setrlimit,
        // which is async-signal-safe, and touches no memory shared with the parent.
        unsafe {
            command.pre_exec(move || {
                set(libc::RLIMIT_CORE, 0)?;
                if let Some(limit) = address_space {
                    set(libc::RLIMIT_AS, limit)?;
                }
                Ok(())
            });
        }
    }

    fn set(resource: libc::__rlimit_resource_t, value: libc::rlim_t) -> std::io::Result<()> {
        let limit = libc::rlimit {
            rlim_cur: value,
            rlim_max: value,
        };
        // SAFETY: `limit` is a valid rlimit that lives across the call.
        if unsafe { libc::setrlimit(resource, &limit) } == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// Blocks until our child `pid` has exited, leaving it unreaped (a zombie whose `/proc`
    /// entry still holds its accounting).
    pub fn wait_exited(pid: u32) -> std::io::Result<()> {
        loop {
            // SAFETY: an all-zero siginfo_t is a valid value of this plain C struct.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // SAFETY: `info` is a valid siginfo_t that lives across the call.
            let done =
                unsafe { libc::waitid(libc::P_PID, pid, &mut info, libc::WEXITED | libc::WNOWAIT) };
            if done == 0 {
                return Ok(());
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    /// The CPU time of the exited, unreaped process `pid`: its user and system time and that
    /// of the children it waited for (`/proc/<pid>/stat` fields 14 to 17, in clock ticks).
    pub fn cpu_time(pid: u32) -> Option<std::time::Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let ticks = super::stat_cpu_ticks(&stat)?;
        // SAFETY: sysconf has no memory-safety preconditions.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let per_second = u64::try_from(per_second).ok().filter(|&hz| hz > 0)?;
        let nanos = u128::from(ticks) * 1_000_000_000 / u128::from(per_second);
        Some(std::time::Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }

    /// Sends SIGKILL to the process group led by `leader` (started with `process_group(0)`).
    pub fn kill_group(leader: u32) {
        let Ok(group) = libc::pid_t::try_from(leader) else {
            return;
        };
        // SAFETY: kill has no memory-safety preconditions; a negative pid names the group.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_counted_after_the_command_name() {
        // A command name with a space and a `)`; utime 11, stime 6, cutime 7, cstime 5.
        let stat = "4242 (py thon) x) Z 1 4242 4242 0 -1 4228 1 2 3 4 11 6 7 5 20 0 1 0";
        assert_eq!(stat_cpu_ticks(stat), Some(29));
        assert_eq!(stat_cpu_ticks("4242 (short) Z 1"), None);
    }
}
