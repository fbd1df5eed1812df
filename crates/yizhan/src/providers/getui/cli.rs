//! `yizhan send` through a `getui` channel: the flags that describe the push (its target, a
//! notification or transmission) and the printed result. The bodies — single, list, tag and
//! app pushes — are planned by `providers::getui` (see `commands/send/direct.rs`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use yizhan_getui::push::{ClickType, Condition, Notification, OptType, PushMessage};

use crate::cli::SendArgs;
use crate::exit::UsageError;
use crate::providers::Delivered;

/// What a push returned, for printing.
#[derive(Debug, Serialize)]
struct Sent {
    taskid: String,
    statuses: BTreeMap<String, String>,
}

/// Prints the taskid and each cid's status as Getui named it.
pub(crate) fn print(done: &[Delivered], json_output: bool) -> anyhow::Result<()> {
    let taskid = done.iter().find_map(|d| d.handles.taskid.clone()).unwrap_or_default();
    let statuses = done
        .iter()
        .flat_map(|d| &d.outcomes)
        .map(|o| (o.recipient.clone(), crate::providers::getui::execute::status_name(&o.outcome).to_owned()))
        .collect();
    let sent = Sent { taskid, statuses };
    if json_output {
        println!("{}", serde_json::to_string_pretty(&sent)?);
    } else {
        println!("sent: taskid {}", sent.taskid);
        for (cid, status) in &sent.statuses {
            println!("  {cid:<24} {status}");
        }
    }
    Ok(())
}

/// The request's `to` from the one target flag given: `--cid`, `--alias`, `--tag` or `--all`.
pub(crate) fn target(args: &SendArgs, to: &mut Map<String, Value>) -> anyhow::Result<()> {
    let chosen = [!args.cid.is_empty(), !args.alias.is_empty(), !args.tag.is_empty(), args.all];
    if !chosen.contains(&true) && !args.people.is_empty() {
        return Ok(()); // --people names them
    }
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(UsageError("give exactly one target: --cid, --alias, --tag or --all".to_owned()).into());
    }
    let conditions: Vec<Condition> = args.tag.iter().map(|t| condition(t)).collect::<Result<_, _>>()?;
    for (key, value, given) in [
        ("cids", json!(args.cid), !args.cid.is_empty()),
        ("aliases", json!(args.alias), !args.alias.is_empty()),
        ("tag_conditions", serde_json::to_value(conditions)?, !args.tag.is_empty()),
        ("all", json!(true), args.all),
    ] {
        if given {
            to.entry(key).or_insert(value);
        }
    }
    Ok(())
}

/// `key=v1,v2` (any of the values) or `key!=v1,v2` (none of them).
fn condition(spec: &str) -> Result<Condition, UsageError> {
    let (key, values, op) = match (spec.split_once("!="), spec.split_once('=')) {
        (Some((k, v)), _) => (k, v, OptType::Not),
        (None, Some((k, v))) => (k, v, OptType::Or),
        _ => return Err(UsageError(format!("--tag {spec:?}: expected key=values, e.g. custom_tag=vip,beta"))),
    };
    let values: Vec<&str> = values.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
    if key.trim().is_empty() || values.is_empty() {
        return Err(UsageError(format!("--tag {spec:?}: expected key=values, e.g. custom_tag=vip,beta")));
    }
    Ok(Condition::new(key.trim(), values, op))
}

pub(crate) fn push_message(args: &SendArgs) -> anyhow::Result<PushMessage> {
    let g = &args.getui;
    match (&g.title, &g.body, &g.transmission) {
        (Some(title), Some(body), None) => {
            let click = click_type(g.click.as_deref().unwrap_or("startapp"))?;
            Ok(PushMessage::notification(Notification::new(title.clone(), body.clone(), click)))
        }
        (None, None, Some(transmission)) if g.click.is_none() => Ok(PushMessage::transmission(transmission.clone())),
        (None, None, Some(_)) => {
            Err(UsageError("--click applies to notifications, not --transmission".to_owned()).into())
        }
        (_, _, Some(_)) => {
            Err(UsageError("choose one of a notification (--title, --body) and --transmission".to_owned()).into())
        }
        _ => Err(UsageError("a getui push needs --title and --body, or --transmission".to_owned()).into()),
    }
}

fn click_type(spec: &str) -> Result<ClickType, UsageError> {
    let (kind, value) = spec.split_once('=').map_or((spec, None), |(k, v)| (k, Some(v.to_owned())));
    Ok(match (kind, value) {
        ("startapp", None) => ClickType::Startapp,
        ("none", None) => ClickType::None,
        ("url", Some(v)) => ClickType::Url(v),
        ("intent", Some(v)) => ClickType::Intent(v),
        ("payload", Some(v)) => ClickType::Payload(v),
        ("payload_custom", Some(v)) => ClickType::PayloadCustom(v),
        _ => {
            return Err(UsageError(format!(
                "--click {spec:?}: use startapp, none, url=…, intent=…, payload=… or payload_custom=…"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn click_and_tag_specs_parse() {
        assert_eq!(click_type("url=https://x.invalid/a=b").unwrap(), ClickType::Url("https://x.invalid/a=b".into()));
        assert_eq!(click_type("startapp").unwrap(), ClickType::Startapp);
        assert!(click_type("url").is_err());
        assert!(click_type("bogus=1").is_err());
        let c = condition("custom_tag!=vip, beta").unwrap();
        assert_eq!(serde_json::to_value(&c).unwrap()["opt_type"], "not");
        assert_eq!(serde_json::to_value(&c).unwrap()["values"], serde_json::json!(["vip", "beta"]));
        assert!(condition("nokey").is_err());
    }
}
