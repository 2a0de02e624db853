//! `cohortsync cohorts list`: the cohorts of an Amplitude source.

use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use crate::amplitude;
use crate::args::{CohortsArgs, CohortsCommand};
use crate::connect;
use crate::failure::{Failure, EXIT_OK};

pub async fn run(config_path: Option<&Path>, args: CohortsArgs) -> Result<ExitCode, Failure> {
    let config = connect::load_config(config_path)?;
    let CohortsCommand::List {
        source,
        archived,
        json,
    } = args.command;
    let source = config
        .source(&source)
        .map_err(|message| Failure::usage(anyhow::anyhow!(message)))?;
    let client = amplitude::client(source)?;
    let mut cohorts = amplitude::list_cohorts(&client, source).await?;
    if !archived {
        cohorts.retain(|c| !c.archived);
    }
    cohorts.sort_by(|a, b| a.name.cmp(&b.name));

    if json {
        let values: Vec<_> = cohorts
            .iter()
            .map(|c| {
                json!({
                    "id": c.id.as_str(),
                    "name": c.name,
                    "description": c.description,
                    "size": c.size,
                    "last_computed": c.last_computed.map(|t| t.to_rfc3339()),
                    "last_modified": c.last_modified.map(|t| t.to_rfc3339()),
                    "archived": c.archived,
                    "published": c.published,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&values).expect("JSON values serialize"));
    } else if cohorts.is_empty() {
        println!("No cohorts in source {}.", source.name);
    } else {
        println!("{:<12} {:>9}  {:<20}  NAME", "ID", "SIZE", "COMPUTED (UTC)");
        for cohort in &cohorts {
            println!(
                "{:<12} {:>9}  {:<20}  {}{}",
                cohort.id.as_str(),
                cohort.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                cohort
                    .last_computed
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into()),
                cohort.name,
                if cohort.archived { " (archived)" } else { "" }
            );
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}
