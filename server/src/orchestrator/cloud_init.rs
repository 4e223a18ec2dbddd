//! The cloud-init user data a Hetzner node boots with: install Docker and the runner, write
//! the runner's settings and its bootstrap token, start it as a systemd service.
//!
//! Every value is written as a JSON string, which is also a valid YAML double-quoted scalar,
//! so no value can break out of its place in the document. The bootstrap token is the only
//! secret in it: the user data is readable from the server's metadata service for its whole
//! life, which is why the token should be single-use (issue 3).

/// What the user data is made from.
pub struct NodeBoot<'a> {
    pub node_name: &'a str,
    pub server_url: &'a str,
    pub bootstrap_token: &'a str,
    pub slots: u32,
    /// HTTPS URL of the `rgrid-runner` binary for the node's architecture.
    pub runner_url: &'a str,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot put {what} into a node's settings: it holds whitespace or control characters")]
pub struct UnsafeValue {
    what: &'static str,
}

const UNIT: &str = "[Unit]
Description=rgrid runner
After=network-online.target docker.service
Wants=network-online.target
Requires=docker.service

[Service]
EnvironmentFile=/etc/rgrid/runner.env
ExecStart=/usr/local/bin/rgrid-runner
# A drained runner exits 0 and stays down; a crash restarts it.
Restart=on-failure
RestartSec=5
# Long enough for running jobs to finish after SIGTERM.
TimeoutStopSec=3600
KillMode=mixed

[Install]
WantedBy=multi-user.target
";

/// Renders `#cloud-config` user data.
pub fn render(boot: &NodeBoot<'_>) -> Result<String, UnsafeValue> {
    // These end up in a systemd environment file, one `KEY=value` per line.
    check("the server URL", boot.server_url)?;
    check("the node name", boot.node_name)?;
    check("the bootstrap token", boot.bootstrap_token)?;
    check("the runner URL", boot.runner_url)?;
    let env = format!(
        "RGRID_SERVER={}\nRGRID_NODE_NAME={}\nRGRID_SLOTS={}\nRGRID_EXECUTOR=docker\n\
         RGRID_BOOTSTRAP_TOKEN_FILE=/etc/rgrid/bootstrap-token\n\
         RGRID_WORK_ROOT=/var/lib/rgrid/work\nRGRID_CACHE_ROOT=/var/cache/rgrid\n",
        boot.server_url, boot.node_name, boot.slots
    );
    let token = format!("{}\n", boot.bootstrap_token);
    Ok(format!(
        "#cloud-config
package_update: true
packages:
  - docker.io
  - ca-certificates
  - curl
write_files:
  - path: /etc/rgrid/bootstrap-token
    permissions: \"0600\"
    content: {token}
  - path: /etc/rgrid/runner.env
    permissions: \"0644\"
    content: {env}
  - path: /etc/systemd/system/rgrid-runner.service
    permissions: \"0644\"
    content: {unit}
runcmd:
  - [systemctl, enable, --now, docker]
  - [mkdir, -p, /var/lib/rgrid/work, /var/cache/rgrid]
  - [curl, -fsSL, --retry, \"5\", -o, /usr/local/bin/rgrid-runner, {runner_url}]
  - [chmod, \"0755\", /usr/local/bin/rgrid-runner]
  - [systemctl, daemon-reload]
  - [systemctl, enable, --now, rgrid-runner.service]
",
        token = quoted(&token),
        env = quoted(&env),
        unit = quoted(UNIT),
        runner_url = quoted(boot.runner_url),
    ))
}

fn check(what: &'static str, value: &str) -> Result<(), UnsafeValue> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UnsafeValue { what });
    }
    Ok(())
}

fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "rgb_bootstrap_secret";

    fn boot() -> NodeBoot<'static> {
        NodeBoot {
            node_name: "rgrid-0123abcd4567",
            server_url: "https://grid.example.com",
            bootstrap_token: TOKEN,
            slots: 2,
            runner_url: "https://downloads.example.com/rgrid-runner-x86_64",
        }
    }

    #[test]
    fn user_data_is_cloud_config_yaml_that_starts_the_runner() {
        let text = render(&boot()).expect("render");
        assert!(text.starts_with("#cloud-config\n"), "{text}");
        let doc: serde_norway::Value = serde_norway::from_str(&text).expect("valid YAML");
        let files = doc["write_files"].as_sequence().expect("write_files");
        let file = |path: &str| {
            files
                .iter()
                .find(|f| f["path"].as_str() == Some(path))
                .and_then(|f| f["content"].as_str())
                .unwrap_or_else(|| panic!("no {path} in {text}"))
                .to_string()
        };
        assert_eq!(file("/etc/rgrid/bootstrap-token"), format!("{TOKEN}\n"));
        let env = file("/etc/rgrid/runner.env");
        assert!(
            env.contains("RGRID_SERVER=https://grid.example.com\n"),
            "{env}"
        );
        assert!(
            env.contains("RGRID_NODE_NAME=rgrid-0123abcd4567\n"),
            "{env}"
        );
        assert!(env.contains("RGRID_SLOTS=2\n"), "{env}");
        assert!(file("/etc/systemd/system/rgrid-runner.service").contains("ExecStart="));
        let packages = doc["packages"].as_sequence().expect("packages");
        assert!(packages.iter().any(|p| p.as_str() == Some("docker.io")));
        let runcmd = format!("{:?}", doc["runcmd"]);
        assert!(runcmd.contains("rgrid-runner.service"), "{runcmd}");
        assert!(runcmd.contains("downloads.example.com"), "{runcmd}");
    }

    #[test]
    fn the_bootstrap_token_is_the_only_secret() {
        let text = render(&boot()).expect("render");
        assert_eq!(text.matches(TOKEN).count(), 1, "{text}");
        // Nothing else that looks like an rgrid credential (API key, node token) or a
        // password-bearing URL.
        let without_token = text.replace(TOKEN, "");
        for marker in ["rg_", "rgn_", "rgb_", "postgres://", "hcloud", "@"] {
            assert!(!without_token.contains(marker), "{marker} in {text}");
        }
        assert!(text.contains("permissions: \"0600\""));
    }

    #[test]
    fn values_cannot_break_out_of_their_lines() {
        let mut evil = boot();
        evil.server_url = "https://x\nRGRID_EXECUTOR=process";
        assert!(render(&evil).is_err());
        let mut quote = boot();
        quote.runner_url = "https://x/\"]\n  - [rm";
        assert!(render(&quote).is_err());
    }
}
