//! `rgrid submit job.json`: any image, any command, as a JobSpec v1 document.

use std::io::Read;

use anyhow::Context;
use rgrid_spec::JobSpec;

use crate::cli::SubmitArgs;
use crate::target::Target;
use crate::ui::Ui;
use crate::{exit, UsageError};

pub async fn run(args: SubmitArgs, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    let (name, text) = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the job spec from stdin")?;
        ("standard input".to_string(), text)
    } else {
        let text = std::fs::read_to_string(&args.file).map_err(|e| {
            UsageError(format!(
                "cannot read job spec `{}`: {e}",
                args.file.display()
            ))
        })?;
        (format!("`{}`", args.file.display()), text)
    };
    let spec = JobSpec::from_json(&text)
        .and_then(|spec| spec.clone().validate().map(|_| spec))
        .map_err(|e| UsageError(format!("job spec in {name} is invalid: {e}")))?;

    let job = target.client.submit(&spec).await?;
    if !args.follow {
        if args.json {
            println!("{}", serde_json::to_string(&job)?);
        } else {
            println!("{}", job.id);
            ui.note(format!(
                "job {} queued; follow it with `rgrid logs {} --follow`",
                job.id, job.id
            ));
        }
        return Ok(exit::OK);
    }
    ui.note(format!("job {} queued", job.id));
    let format = crate::printer::Format {
        json: args.json,
        run_events: args.json,
        ..crate::printer::Format::default()
    };
    let job = crate::commands::run::follow_job(&target.client, &job, ui, format).await?;
    let here = std::path::Path::new(".");
    let how = crate::commands::run::Finish {
        force: false,
        remote_only: true,
        json: args.json,
    };
    crate::commands::run::finish(&target.client, &job, here, how, ui).await
}
