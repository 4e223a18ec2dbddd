//! The Docker executor: one container per job through the local engine (bollard).
//!
//! Steps: make sure the image is there (pull only when missing), install requirements into a
//! venv cached on the host by hash of (image, requirements) — in a separate container that may
//! use the network — then run the job with `/app` bound to the work directory, no network
//! unless asked, hard CPU and memory limits, a pids limit, no capabilities and no new
//! privileges, as the runner's own uid:gid. Containers are always removed afterwards.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::container::{
    AttachContainerOptions, Config, CreateContainerOptions, ListContainersOptions, LogOutput,
    RemoveContainerOptions, WaitContainerOptions,
};
use bollard::image::CreateImageOptions;
use bollard::models::{HostConfig, HostConfigLogConfig};
use bollard::Docker;
use futures::StreamExt;
use rgrid_spec::api::{EndReason, Stream};
use tokio_util::sync::CancellationToken;

use super::cpu_meter::CpuMeter;
use super::{
    last_pip_error, remove_stale_builds, runner_ids, venv_key, Executor, ExecutorError,
    ExecutorSettings, JobRun, Outcome, INSTALL_TIMEOUT,
};

/// Where the cached venv is mounted inside containers; its scripts carry this path.
const VENV_MOUNT: &str = "/opt/rgrid/venv";
const CA_MOUNT: &str = "/etc/rgrid/ca-bundle.crt";
const IMAGE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Enough for a data-science job's threads, few enough to stop a fork bomb.
const PIDS_LIMIT: i64 = 1024;
const LABEL_MANAGED: &str = "rgrid.managed";
const LABEL_NODE: &str = "rgrid.node";
/// This runner process (see [`runner_instance`]): its watchdog removes only its containers.
const LABEL_RUNNER: &str = "rgrid.runner";
/// Keep this much of pip's output to find its last error line.
const PIP_TAIL_BYTES: usize = 64 * 1024;

pub struct DockerExecutor {
    docker: Docker,
    settings: ExecutorSettings,
    user: String,
}

/// How a container ended.
#[derive(Debug)]
enum ContainerEnd {
    Exited { code: i64, oom_killed: bool },
    TimedOut,
    Killed,
}

impl DockerExecutor {
    /// Connects to the local engine and checks that it answers.
    pub async fn connect(settings: ExecutorSettings) -> Result<DockerExecutor, ExecutorError> {
        let docker = local_engine().await?;
        let (uid, gid) = runner_ids()?;
        Ok(DockerExecutor {
            docker,
            settings,
            user: format!("{uid}:{gid}"),
        })
    }

    /// Whether a Docker engine answers here (for the `auto` executor choice).
    pub async fn engine_answers() -> bool {
        local_engine().await.is_ok()
    }

    /// Makes `image` present, pulling it only when missing.
    async fn ensure_image(&self, image: &str, job: &JobRun<'_>) -> Result<(), Outcome> {
        if self.docker.inspect_image(image).await.is_ok() {
            return Ok(());
        }
        job.logs.system(&format!("pulling image {image}"));
        let options = CreateImageOptions {
            from_image: image,
            ..Default::default()
        };
        let mut pull = self.docker.create_image(Some(options), None, None);
        while let Some(progress) = pull.next().await {
            if let Err(err) = progress {
                let message = format!("image {image} not found and could not be pulled: {err}");
                return Err(Outcome::new(EndReason::ImageNotFound, message));
            }
        }
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(()),
            Err(err) => Err(Outcome::new(
                EndReason::ImageNotFound,
                format!("image {image}: {err}"),
            )),
        }
    }

    /// The host directory of the venv for the job's requirements, built on a cache miss.
    async fn ensure_venv(&self, requirements: &str, job: &JobRun<'_>) -> Result<PathBuf, Outcome> {
        let image = &job.spec.spec.runtime;
        let venvs = self.settings.cache_root.join("venvs");
        let ready = venvs.join(venv_key(image, requirements));
        if tokio::fs::metadata(&ready).await.is_ok() {
            job.logs.system("requirements from cache");
            return Ok(ready);
        }
        job.logs.system("installing requirements (cache miss)");
        let building = venvs.join(format!(".tmp-{}", job.execution_id));
        let io_error = |err: std::io::Error| Outcome::runner_error(format!("venv cache: {err}"));
        tokio::fs::create_dir_all(&building)
            .await
            .map_err(io_error)?;

        let result = self.install(&building, job).await;
        if result.is_ok() {
            // A concurrent install of the same requirements may have won; theirs is as good.
            if tokio::fs::rename(&building, &ready).await.is_ok() {
                return Ok(ready);
            }
        }
        let _ = tokio::fs::remove_dir_all(&building).await;
        result.map(|()| ready)
    }

    /// Runs `pip install -r requirements.txt` into a fresh venv at `target` (host path).
    async fn install(&self, target: &Path, job: &JobRun<'_>) -> Result<(), Outcome> {
        let mut env = vec![
            "HOME=/tmp".to_string(),
            "PIP_DISABLE_PIP_VERSION_CHECK=1".to_string(),
            "PIP_NO_INPUT=1".to_string(),
            "PIP_NO_CACHE_DIR=1".to_string(),
        ];
        let mut binds = vec![
            format!("{}:{VENV_MOUNT}", target.display()),
            format!("{}:/app:ro", job.work_dir.display()),
        ];
        if let Some(bundle) = &self.settings.ca_bundle {
            binds.push(format!("{}:{CA_MOUNT}:ro", bundle.display()));
            for var in ["PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"] {
                env.push(format!("{var}={CA_MOUNT}"));
            }
        }
        let script = format!(
            "python -m venv {VENV_MOUNT} && {VENV_MOUNT}/bin/pip install -r /app/requirements.txt"
        );
        let config = Config {
            image: Some(job.spec.spec.runtime.clone()),
            cmd: Some(vec!["sh".to_string(), "-c".to_string(), script]),
            env: Some(env),
            working_dir: Some("/app".to_string()),
            user: Some(self.user.clone()),
            labels: Some(self.labels(job)),
            host_config: Some(HostConfig {
                binds: Some(binds),
                cap_drop: Some(vec!["ALL".to_string()]),
                security_opt: Some(vec!["no-new-privileges".to_string()]),
                pids_limit: Some(PIDS_LIMIT),
                log_config: Some(no_log_driver()),
                ..Default::default()
            }),
            ..Default::default()
        };

        let tail = std::sync::Mutex::new(Vec::<u8>::new());
        let on_output = |_: Stream, data: &[u8]| {
            job.logs.write(Stream::System, data);
            let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
            tail.extend_from_slice(data);
            let excess = tail.len().saturating_sub(PIP_TAIL_BYTES);
            tail.drain(..excess);
        };
        let name = format!("rgrid-install-{}", job.execution_id);
        let limit = INSTALL_TIMEOUT;
        let end = self
            .run_container(&name, config, &on_output, limit, &job.kill)
            .await
            .map(|(end, _cpu)| end);
        let pip_output =
            String::from_utf8_lossy(&tail.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
        match end {
            Ok(ContainerEnd::Exited { code: 0, .. }) => Ok(()),
            Ok(ContainerEnd::Exited { .. }) => {
                let message = format!("requirements failed: {}", last_pip_error(&pip_output));
                Err(Outcome::new(EndReason::RequirementsFailed, message))
            }
            Ok(ContainerEnd::TimedOut) => Err(Outcome::new(
                EndReason::RequirementsFailed,
                format!("requirements install timed out after {} s", limit.as_secs()),
            )),
            Ok(ContainerEnd::Killed) => Err(Outcome::cancelled()),
            Err(err) => Err(Outcome::runner_error(format!(
                "requirements install: {err}"
            ))),
        }
    }

    fn job_config(&self, job: &JobRun<'_>, venv: Option<&Path>) -> Config<String> {
        let spec = &job.spec.spec;
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        env.insert("HOME".into(), "/tmp".into());
        env.insert("PYTHONUNBUFFERED".into(), "1".into());
        env.insert("PYTHONDONTWRITEBYTECODE".into(), "1".into());
        let mut binds = vec![format!("{}:/app", job.work_dir.display())];
        if let Some(venv) = venv {
            env.insert("VIRTUAL_ENV".into(), VENV_MOUNT.into());
            env.insert("PATH".into(), format!("{VENV_MOUNT}/bin:{IMAGE_PATH}"));
            binds.push(format!("{}:{VENV_MOUNT}:ro", venv.display()));
        }
        env.extend(spec.env.clone());

        let mut cmd = job.spec.effective_command();
        cmd.extend(spec.args.iter().cloned());
        let memory = job.memory_bytes.and_then(|bytes| i64::try_from(bytes).ok());
        let nano_cpus = job
            .cpu_millis
            .and_then(|m| i64::try_from(m.saturating_mul(1_000_000)).ok());
        Config {
            image: Some(spec.runtime.clone()),
            cmd: (!cmd.is_empty()).then_some(cmd),
            env: Some(
                env.into_iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect(),
            ),
            working_dir: Some("/app".to_string()),
            user: Some(self.user.clone()),
            labels: Some(self.labels(job)),
            host_config: Some(HostConfig {
                binds: Some(binds),
                network_mode: (!spec.network).then(|| "none".to_string()),
                nano_cpus,
                memory,
                memory_swap: memory,
                pids_limit: Some(PIDS_LIMIT),
                cap_drop: Some(vec!["ALL".to_string()]),
                security_opt: Some(vec!["no-new-privileges".to_string()]),
                log_config: Some(no_log_driver()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn labels(&self, job: &JobRun<'_>) -> HashMap<String, String> {
        HashMap::from([
            (LABEL_MANAGED.to_string(), "true".to_string()),
            (LABEL_NODE.to_string(), self.settings.node.clone()),
            ("rgrid.job".to_string(), job.job_id.to_string()),
            ("rgrid.execution".to_string(), job.execution_id.to_string()),
            (LABEL_RUNNER.to_string(), runner_instance().to_string()),
        ])
    }

    /// Creates, starts and follows a container to its end, then removes it. Also answers the
    /// CPU time it used, when that could be measured.
    async fn run_container(
        &self,
        name: &str,
        config: Config<String>,
        on_output: &(dyn Fn(Stream, &[u8]) + Sync),
        limit: Duration,
        kill: &CancellationToken,
    ) -> Result<(ContainerEnd, Option<Duration>), bollard::errors::Error> {
        let options = CreateContainerOptions {
            name: name.to_string(),
            platform: None,
        };
        let created = self.docker.create_container(Some(options), config).await?;
        let meter = CpuMeter::default();
        let ended = CancellationToken::new();
        let (end, ()) = tokio::join!(
            async {
                let end = self.follow(name, on_output, limit, kill).await;
                ended.cancel();
                end
            },
            meter.follow(&self.docker, &created.id, &ended),
        );
        let remove = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        if let Err(err) = self.docker.remove_container(name, Some(remove)).await {
            tracing::warn!(container = name, error = %err, "could not remove container");
        }
        end.map(|end| (end, meter.total()))
    }

    async fn follow(
        &self,
        name: &str,
        on_output: &(dyn Fn(Stream, &[u8]) + Sync),
        limit: Duration,
        kill: &CancellationToken,
    ) -> Result<ContainerEnd, bollard::errors::Error> {
        // Attach before start, as `docker run` does: attach hands over the raw bytes (the
        // json-file log driver would replace invalid UTF-8) and nothing printed early is lost.
        let options = AttachContainerOptions::<String> {
            stdout: Some(true),
            stderr: Some(true),
            stream: Some(true),
            ..Default::default()
        };
        let mut output = self
            .docker
            .attach_container(name, Some(options))
            .await?
            .output;
        self.docker.start_container::<String>(name, None).await?;
        let finished = async {
            while let Some(item) = output.next().await {
                match item {
                    Ok(LogOutput::StdErr { message }) => on_output(Stream::Stderr, &message),
                    Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => {
                        on_output(Stream::Stdout, &message)
                    }
                    Ok(LogOutput::StdIn { .. }) => {}
                    Err(err) => {
                        tracing::warn!(container = name, error = %err, "output stream broke");
                        break;
                    }
                }
            }
            self.wait_exit(name).await
        };
        tokio::select! {
            end = finished => end,
            _ = tokio::time::sleep(limit) => {
                self.stop_now(name).await;
                Ok(ContainerEnd::TimedOut)
            }
            _ = kill.cancelled() => {
                self.stop_now(name).await;
                Ok(ContainerEnd::Killed)
            }
        }
    }

    async fn wait_exit(&self, name: &str) -> Result<ContainerEnd, bollard::errors::Error> {
        let options = WaitContainerOptions {
            condition: "not-running",
        };
        let mut wait = self.docker.wait_container(name, Some(options));
        // A non-zero exit arrives as an error; the inspect below is the source of truth.
        while let Some(step) = wait.next().await {
            if let Err(err) = step {
                if !matches!(err, bollard::errors::Error::DockerContainerWaitError { .. }) {
                    return Err(err);
                }
            }
        }
        let state = self
            .docker
            .inspect_container(name, None)
            .await?
            .state
            .unwrap_or_default();
        Ok(ContainerEnd::Exited {
            code: state.exit_code.unwrap_or(-1),
            oom_killed: state.oom_killed.unwrap_or(false),
        })
    }

    async fn stop_now(&self, name: &str) {
        if let Err(err) = self.docker.kill_container::<String>(name, None).await {
            tracing::debug!(container = name, error = %err, "kill failed (already stopped?)");
        }
    }
}

#[async_trait::async_trait]
impl Executor for DockerExecutor {
    fn name(&self) -> &'static str {
        "docker"
    }

    async fn remove_leftovers(&self) -> Result<(), ExecutorError> {
        remove_node_containers(&self.docker, &self.settings.node).await?;
        remove_stale_builds(&self.settings.cache_root.join("venvs"))?;
        Ok(())
    }

    async fn run(&self, job: &JobRun<'_>) -> Outcome {
        let spec = &job.spec.spec;
        if let Err(outcome) = self.ensure_image(&spec.runtime, job).await {
            return outcome;
        }
        let venv = match &spec.requirements {
            Some(requirements) => match self.ensure_venv(requirements, job).await {
                Ok(venv) => Some(venv),
                Err(outcome) => return outcome,
            },
            None => None,
        };

        let config = self.job_config(job, venv.as_deref());
        let on_output = |stream: Stream, data: &[u8]| job.logs.write(stream, data);
        let name = format!("rgrid-{}", job.execution_id);
        let limit = Duration::from_secs(spec.timeout_seconds);
        let (end, cpu_time) = match self
            .run_container(&name, config, &on_output, limit, &job.kill)
            .await
        {
            Ok((end, cpu_time)) => (Ok(end), cpu_time),
            Err(err) => (Err(err), None),
        };
        let outcome = match end {
            Ok(ContainerEnd::Exited {
                oom_killed: true,
                code,
            }) => Outcome {
                reason: EndReason::Oom,
                exit_code: i32::try_from(code).ok(),
                message: Some(oom_message(job.memory_bytes)),
                cpu_time: None,
            },
            Ok(ContainerEnd::Exited { code, .. }) => {
                Outcome::exited(i32::try_from(code).unwrap_or(-1))
            }
            Ok(ContainerEnd::TimedOut) => Outcome::timeout(spec.timeout_seconds),
            Ok(ContainerEnd::Killed) => Outcome::cancelled(),
            Err(err) => Outcome::runner_error(format!("docker: {err}")),
        };
        outcome.with_cpu_time(cpu_time)
    }
}

/// A random id for this runner process, put on its containers. A node name may be reused at
/// once by the next runner (a restart, or tests on one machine), so the watchdog of a dead
/// runner must not go by the name.
pub fn runner_instance() -> &'static str {
    static INSTANCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    INSTANCE.get_or_init(|| uuid::Uuid::new_v4().to_string())
}

/// Force-removes every rgrid container labelled with `node`; returns how many there were.
/// Used at start, for what a crashed run of this node left behind.
pub async fn remove_node_containers(docker: &Docker, node: &str) -> Result<usize, ExecutorError> {
    remove_labelled(docker, &format!("{LABEL_NODE}={node}")).await
}

/// Force-removes the containers of one runner process (its watchdog, when it died).
pub async fn remove_instance_containers(
    docker: &Docker,
    instance: &str,
) -> Result<usize, ExecutorError> {
    remove_labelled(docker, &format!("{LABEL_RUNNER}={instance}")).await
}

async fn remove_labelled(docker: &Docker, label: &str) -> Result<usize, ExecutorError> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_MANAGED}=true"), label.to_string()],
    )]);
    let options = ListContainersOptions {
        all: true,
        filters,
        ..Default::default()
    };
    let containers = docker.list_containers(Some(options)).await?;
    let count = containers.len();
    for container in containers {
        let Some(id) = container.id else { continue };
        tracing::info!(container = %id, label, "removing leftover container");
        let remove = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match docker.remove_container(&id, Some(remove)).await {
            // Gone already, or someone else is removing it: either way it will not run.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404 | 409,
                ..
            }) => {}
            other => other?,
        }
    }
    Ok(count)
}

/// The local engine at the API version it speaks: bollard's default (1.47) is newer than
/// older engines accept (Debian bookworm's 20.10 speaks 1.41).
pub async fn local_engine() -> Result<Docker, ExecutorError> {
    let answer = async {
        let docker = Docker::connect_with_local_defaults()?
            .negotiate_version()
            .await?;
        docker.ping().await?;
        Ok::<_, bollard::errors::Error>(docker)
    };
    tokio::time::timeout(Duration::from_secs(5), answer)
        .await
        .map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "docker engine did not answer")
        })?
        .map_err(ExecutorError::from)
}

/// Output reaches the runner through attach; the engine need not keep a copy.
fn no_log_driver() -> HostConfigLogConfig {
    HostConfigLogConfig {
        typ: Some("none".to_string()),
        config: None,
    }
}

fn oom_message(limit: Option<u64>) -> String {
    match limit {
        Some(bytes) => format!("out of memory (limit {} MiB)", bytes >> 20),
        None => "out of memory".to_string(),
    }
}
