//! Validation of a JobSpec: every error names the field and says how to fix it.

use std::collections::BTreeSet;

use crate::job_spec::{JobSpec, API_VERSION, KIND};
use crate::path::{check_relative, is_glob};
use crate::quantity::{parse_cpu_millis, parse_memory_bytes};

/// One week: a longer timeout is almost always a mistake in units.
pub const MAX_TIMEOUT_SECONDS: u64 = 7 * 24 * 3600;
pub const MAX_RETRIES: u32 = 10;
/// Docker refuses containers with less than 6 MiB of memory.
pub const MIN_MEMORY_BYTES: u64 = 6 << 20;

/// A spec that was refused: `field` is the JSON path (`spec.files.inputs[0].path`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {message}")]
pub struct SpecError {
    pub field: String,
    pub message: String,
}

impl SpecError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> SpecError {
        SpecError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A spec that passed validation, with its quantities parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedSpec {
    pub spec: JobSpec,
    pub cpu_millis: Option<u64>,
    pub memory_bytes: Option<u64>,
}

impl JobSpec {
    /// Parses JSON text into a spec, naming the field of the first problem.
    pub fn from_json(text: &str) -> Result<JobSpec, SpecError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let spec: JobSpec = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let field = err.path().to_string();
            let field = if field == "." {
                "(document)".to_string()
            } else {
                field
            };
            SpecError::new(field, err.into_inner().to_string())
        })?;
        de.end()
            .map_err(|err| SpecError::new("(document)", err.to_string()))?;
        Ok(spec)
    }

    /// Checks every rule of JobSpec v1 and returns the parsed quantities.
    pub fn validate(self) -> Result<ValidatedSpec, SpecError> {
        check_header(&self)?;
        let body = &self.spec;
        check_runtime(&body.runtime)?;
        if body.command.is_empty() && body.code.is_none() {
            return Err(SpecError::new(
                "spec.command",
                "is empty and there is no `spec.code`; give a command such as \
                 [\"python\", \"main.py\"] or inline code",
            ));
        }
        if body.command.iter().any(|c| c.contains('\0'))
            || body.args.iter().any(|a| a.contains('\0'))
        {
            return Err(SpecError::new(
                "spec.command",
                "holds a NUL byte; remove it",
            ));
        }
        check_env(&self)?;
        if body.timeout_seconds == 0 || body.timeout_seconds > MAX_TIMEOUT_SECONDS {
            return Err(SpecError::new(
                "spec.timeoutSeconds",
                format!(
                    "is {}; give a number of seconds from 1 to {MAX_TIMEOUT_SECONDS} (one week)",
                    body.timeout_seconds
                ),
            ));
        }
        if body.retries > MAX_RETRIES {
            return Err(SpecError::new(
                "spec.retries",
                format!("is {}; give at most {MAX_RETRIES}", body.retries),
            ));
        }
        check_inputs(&self)?;
        check_outputs(&self)?;
        let cpu_millis = match &body.resources.cpu {
            None => None,
            Some(cpu) => Some(parse_cpu_millis(cpu).ok_or_else(|| {
                SpecError::new(
                    "spec.resources.cpu",
                    format!(
                        "is {cpu:?}; write cores as \"1\" or \"0.5\", or millicores as \"500m\""
                    ),
                )
            })?),
        };
        let memory_bytes = match &body.resources.memory {
            None => None,
            Some(memory) => Some(check_memory(memory)?),
        };
        Ok(ValidatedSpec {
            spec: self,
            cpu_millis,
            memory_bytes,
        })
    }
}

fn check_header(spec: &JobSpec) -> Result<(), SpecError> {
    if spec.api_version != API_VERSION {
        return Err(SpecError::new(
            "apiVersion",
            format!(
                "is {:?}; this server speaks {API_VERSION:?}",
                spec.api_version
            ),
        ));
    }
    if spec.kind != KIND {
        return Err(SpecError::new(
            "kind",
            format!("is {:?}; write {KIND:?}", spec.kind),
        ));
    }
    if let Some(name) = &spec.metadata.name {
        let ok = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !ok {
            return Err(SpecError::new(
                "metadata.name",
                format!("is {name:?}; use 1 to 63 letters, digits, `-`, `_` or `.`"),
            ));
        }
    }
    Ok(())
}

fn check_runtime(runtime: &str) -> Result<(), SpecError> {
    let ok = !runtime.is_empty()
        && runtime.len() <= 255
        && runtime
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@".contains(&b))
        && !runtime.starts_with(['-', '.', '/', ':']);
    if ok {
        Ok(())
    } else {
        Err(SpecError::new(
            "spec.runtime",
            format!("is {runtime:?}; give an image reference such as \"python:3.11-slim\""),
        ))
    }
}

fn check_env(spec: &JobSpec) -> Result<(), SpecError> {
    for (key, value) in &spec.spec.env {
        let ok = !key.is_empty()
            && !key.starts_with(|c: char| c.is_ascii_digit())
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok {
            return Err(SpecError::new(
                format!("spec.env.{key}"),
                "is not a valid variable name; use letters, digits and `_`, not starting with a \
                 digit",
            ));
        }
        if value.contains('\0') {
            return Err(SpecError::new(
                format!("spec.env.{key}"),
                "holds a NUL byte; remove it",
            ));
        }
    }
    Ok(())
}

fn check_inputs(spec: &JobSpec) -> Result<(), SpecError> {
    let mut seen = BTreeSet::new();
    let reserved = reserved_paths(spec);
    for (i, input) in spec.spec.files.inputs.iter().enumerate() {
        let field = format!("spec.files.inputs[{i}]");
        check_relative(&input.path).map_err(|p| {
            SpecError::new(
                format!("{field}.path"),
                format!("{:?} {}", input.path, p.explain()),
            )
        })?;
        if !seen.insert(input.path.as_str()) {
            return Err(SpecError::new(
                format!("{field}.path"),
                format!(
                    "{:?} is given twice; each input needs its own path",
                    input.path
                ),
            ));
        }
        if reserved.contains(&input.path.as_str()) {
            return Err(SpecError::new(
                format!("{field}.path"),
                format!(
                    "{:?} is written from `spec.code` or `spec.requirements`; rename it",
                    input.path
                ),
            ));
        }
        let scheme_ok = ["https://", "http://", "rgrid://"]
            .iter()
            .any(|s| input.url.starts_with(s) && input.url.len() > s.len());
        if !scheme_ok {
            return Err(SpecError::new(
                format!("{field}.url"),
                "must be an https:// (or http://) URL, or rgrid://<key> for an uploaded file",
            ));
        }
        if let Some(sha) = &input.sha256 {
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(SpecError::new(
                    format!("{field}.sha256"),
                    "must be 64 hexadecimal digits (the SHA-256 of the file)",
                ));
            }
        }
    }
    Ok(())
}

fn reserved_paths(spec: &JobSpec) -> Vec<&'static str> {
    let mut reserved = Vec::new();
    if spec.spec.code.is_some() {
        reserved.push("main.py");
    }
    if spec.spec.requirements.is_some() {
        reserved.push("requirements.txt");
    }
    reserved
}

fn check_outputs(spec: &JobSpec) -> Result<(), SpecError> {
    let mut seen = BTreeSet::new();
    for (i, output) in spec.spec.files.outputs.iter().enumerate() {
        let field = format!("spec.files.outputs[{i}].path");
        check_relative(&output.path)
            .map_err(|p| SpecError::new(&field, format!("{:?} {}", output.path, p.explain())))?;
        if is_glob(&output.path) && output.kind == crate::OutputKind::Dir {
            return Err(SpecError::new(
                &field,
                "is a glob with `type: \"dir\"`; a glob matches files, so drop `type`",
            ));
        }
        if !seen.insert(output.path.as_str()) {
            return Err(SpecError::new(
                &field,
                format!("{:?} is given twice", output.path),
            ));
        }
    }
    Ok(())
}

fn check_memory(memory: &str) -> Result<u64, SpecError> {
    let field = "spec.resources.memory";
    let bytes = parse_memory_bytes(memory).ok_or_else(|| {
        SpecError::new(
            field,
            format!("is {memory:?}; write it with Ki, Mi or Gi, e.g. \"512Mi\""),
        )
    })?;
    if bytes < MIN_MEMORY_BYTES {
        return Err(SpecError::new(
            field,
            format!("is {memory:?}; give at least \"6Mi\""),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_json(body: &str) -> String {
        format!(r#"{{"apiVersion":"rgrid.dev/v1","kind":"Job","spec":{body}}}"#)
    }

    fn refuse(body: &str) -> SpecError {
        JobSpec::from_json(&spec_json(body))
            .and_then(JobSpec::validate)
            .expect_err("spec should be refused")
    }

    #[test]
    fn the_design_example_is_valid() {
        let text = r#"{
          "apiVersion": "rgrid.dev/v1", "kind": "Job",
          "metadata": {"name": "thumb-001", "project": "image-pipeline", "labels": {}},
          "spec": {
            "runtime": "python:3.11-slim", "command": ["python", "main.py"],
            "args": ["input.csv"], "env": {"KEY": "value"},
            "code": "print('hi')", "requirements": "requests==2.32.3\n",
            "files": {
              "inputs": [{"path": "input.csv", "url": "https://example.invalid/x",
                          "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}],
              "outputs": [{"path": "out/report.json", "type": "file"}]
            },
            "resources": {"cpu": "1", "memory": "512Mi"},
            "timeoutSeconds": 300, "network": false, "retries": 2
          }
        }"#;
        let valid = JobSpec::from_json(text)
            .and_then(JobSpec::validate)
            .expect("valid");
        assert_eq!(valid.cpu_millis, Some(1000));
        assert_eq!(valid.memory_bytes, Some(512 << 20));
    }

    #[test]
    fn unknown_fields_are_named() {
        let err = refuse(r#"{"command":["true"],"timeout":5}"#);
        assert_eq!(err.field, "spec.timeout");
        assert!(err.message.contains("unknown field `timeout`"), "{err}");
        let err = refuse(
            r#"{"command":["true"],"files":{"inputs":[{"path":"a","url":"https://x","sha":"1"}]}}"#,
        );
        assert_eq!(err.field, "spec.files.inputs[0].sha");
        assert!(err.message.contains("`sha`"), "{err}");
    }

    #[test]
    fn escaping_and_absolute_paths_are_refused() {
        let err = refuse(
            r#"{"command":["true"],"files":{"inputs":[{"path":"../x","url":"https://h/x"}]}}"#,
        );
        assert_eq!(err.field, "spec.files.inputs[0].path");
        assert!(err.message.contains("leaves the work directory"), "{err}");
        let err = refuse(r#"{"command":["true"],"files":{"outputs":[{"path":"/etc/passwd"}]}}"#);
        assert_eq!(err.field, "spec.files.outputs[0].path");
        assert!(err.message.contains("absolute"), "{err}");
    }

    #[test]
    fn quantities_timeouts_and_commands() {
        assert_eq!(
            refuse(r#"{"command":["true"],"resources":{"cpu":"lots"}}"#).field,
            "spec.resources.cpu"
        );
        assert_eq!(
            refuse(r#"{"command":["true"],"resources":{"memory":"512MB"}}"#).field,
            "spec.resources.memory"
        );
        assert_eq!(
            refuse(r#"{"command":["true"],"timeoutSeconds":0}"#).field,
            "spec.timeoutSeconds"
        );
        assert_eq!(
            refuse(r#"{"command":["true"],"timeoutSeconds":99999999}"#).field,
            "spec.timeoutSeconds"
        );
        assert_eq!(refuse(r#"{"command":[]}"#).field, "spec.command");
        assert_eq!(
            refuse(r#"{"command":["true"],"retries":50}"#).field,
            "spec.retries"
        );
    }

    #[test]
    fn duplicate_inputs_are_refused() {
        let err = refuse(
            r#"{"command":["true"],"files":{"inputs":[{"path":"a.csv","url":"https://h/1"},{"path":"a.csv","url":"https://h/2"}]}}"#,
        );
        assert_eq!(err.field, "spec.files.inputs[1].path");
        assert!(err.message.contains("twice"), "{err}");
    }

    #[test]
    fn inline_code_defaults_the_command() {
        let spec = JobSpec::from_json(&spec_json(r#"{"code":"print(1)"}"#)).expect("parses");
        assert_eq!(spec.effective_command(), vec!["python", "main.py"]);
        assert_eq!(spec.spec.retries, 2);
        assert_eq!(spec.spec.runtime, "python:3.11-slim");
    }
}
