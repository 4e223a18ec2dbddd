//! The JobSpec v1 document, exactly as it travels on the wire. Unknown fields are refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "rgrid.dev/v1";
pub const KIND: &str = "Job";
/// The image a job runs in when its spec names none.
pub const DEFAULT_RUNTIME: &str = "python:3.11-slim";
/// One hour: long enough for real work, short enough that a hung job frees its slot.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 3600;
/// Attempts after the first, when a spec does not say (design brief: default 2).
pub const DEFAULT_RETRIES: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobSpec {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: Metadata,
    pub spec: JobBody,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobBody {
    #[serde(default = "default_runtime")]
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Inline Python, written to `main.py` in the work directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A `requirements.txt` body, installed before the job runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<String>,
    #[serde(default)]
    pub files: Files,
    #[serde(default)]
    pub resources: Resources,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default)]
    pub network: bool,
    #[serde(default = "default_retries")]
    pub retries: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Files {
    #[serde(default)]
    pub inputs: Vec<InputFile>,
    #[serde(default)]
    pub outputs: Vec<OutputFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InputFile {
    pub path: String,
    /// `https://…` (or `http://`) as given, or `rgrid://<key>` for a file uploaded to rgrid,
    /// whose presigned GET URL the server mints when the job is claimed.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutputFile {
    /// A file path, a glob (`out/*.png`) or, with `type: "dir"`, a directory.
    pub path: String,
    #[serde(default, rename = "type")]
    pub kind: OutputKind,
    /// An optional output that is missing does not fail the job.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    #[default]
    File,
    Dir,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

fn default_runtime() -> String {
    DEFAULT_RUNTIME.to_string()
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECONDS
}

fn default_retries() -> u32 {
    DEFAULT_RETRIES
}

impl JobSpec {
    /// A spec with every default filled in, running `command` in `runtime`.
    pub fn new(runtime: impl Into<String>, command: Vec<String>) -> JobSpec {
        JobSpec {
            api_version: API_VERSION.to_string(),
            kind: KIND.to_string(),
            metadata: Metadata::default(),
            spec: JobBody {
                runtime: runtime.into(),
                command,
                args: Vec::new(),
                env: BTreeMap::new(),
                code: None,
                requirements: None,
                files: Files::default(),
                resources: Resources::default(),
                timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
                network: false,
                retries: DEFAULT_RETRIES,
            },
        }
    }

    /// The command the job runs: the spec's, or `python main.py` for inline code.
    pub fn effective_command(&self) -> Vec<String> {
        if self.spec.command.is_empty() && self.spec.code.is_some() {
            vec!["python".to_string(), "main.py".to_string()]
        } else {
            self.spec.command.clone()
        }
    }
}
