//! `yizhan template render`: a sample notification through a route, printed as the exact
//! provider bodies the gateway's plan would store and send (nothing is sent).

use std::fmt::Write as _;

use crate::cli::TemplateRenderArgs;
use crate::config::Config;
use crate::exit::{Outcome, UsageError};
use crate::intake::{route_payload, samples};

/// Prints what route `args.route` makes of `args.sample`.
pub fn render(config: &Config, args: &TemplateRenderArgs) -> anyhow::Result<Outcome> {
    print!("{}", preview(config, args)?);
    Ok(Outcome::Success)
}

/// The text `render` prints.
pub fn preview(config: &Config, args: &TemplateRenderArgs) -> anyhow::Result<String> {
    let Some(route) = config.routes.get(&args.route) else {
        let names = config.routes.names();
        let names = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
        return Err(UsageError(format!("no route named {:?}; configured: {names}", args.route)).into());
    };
    let payload = match samples::named(&args.sample) {
        Some(payload) => payload,
        None => {
            let bytes = std::fs::read(&args.sample).map_err(|e| {
                let names: Vec<&str> = samples::ALL.iter().map(|(n, _, _)| *n).collect();
                UsageError(format!(
                    "{:?} is neither a built-in sample ({}) nor a readable file: {e}",
                    args.sample,
                    names.join(", ")
                ))
            })?;
            samples::from_bytes(&bytes).map_err(|e| UsageError(format!("{}: {e}", args.sample)))?
        }
    };
    let routed = route_payload(route, &payload, config).map_err(|e| UsageError(e.to_string()))?;
    let mut out = String::new();
    if routed.is_empty() {
        let _ = writeln!(
            out,
            "routed: 0 (no route under {:?} with channels takes an alert of this notification)",
            route.name
        );
        return Ok(out);
    }
    let now_ms = jiff::Timestamp::now().as_millisecond();
    for routed in &routed {
        let _ =
            writeln!(out, "# route {} ({} alert(s), group {:?})", routed.route.name, routed.alerts, routed.group.key);
        for message in &routed.messages {
            let channel = config.find_channel(&message.request.channel).map_err(UsageError)?;
            let plan = crate::gateway::plan(&message.request, channel, now_ms).map_err(|e| {
                UsageError(format!("{}: channel {:?} refuses the message: {e}", message.target_at, channel.name()))
            })?;
            for dispatch in &plan.dispatches {
                // JSON bodies pretty-printed; an email's MIME message as it is.
                let body = match serde_json::from_slice::<serde_json::Value>(&dispatch.body) {
                    Ok(json) => serde_json::to_string_pretty(&json)?,
                    Err(_) => String::from_utf8_lossy(&dispatch.body).into_owned(),
                };
                let _ = writeln!(
                    out,
                    "## {} ({}) {} -> {}\n{}",
                    channel.name(),
                    channel.kind(),
                    dispatch.endpoint,
                    dispatch.recipients.join(", "),
                    body
                );
            }
        }
    }
    Ok(out)
}
