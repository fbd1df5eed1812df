//! `yizhan send` through a `getui` channel: single, list, tag and app pushes.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Serialize;
use yizhan_getui::api::{push_all, push_list_message, push_single_alias, push_single_cid, push_tag};
use yizhan_getui::push::{Audience, ClickType, Condition, Notification, OptType, PushMessage, PushRequest, RequestId};
use yizhan_getui::status::{CidStatus, TaskResults};

use yizhan_getui::GetuiClient;

use crate::cli::SendArgs;
use crate::config::GetuiConfig;
use crate::exit::{Outcome, UsageError};
use crate::providers::getui::plan::{Target, direct_push};

/// What a push returned, for printing.
#[derive(Debug, Serialize)]
struct Sent {
    taskid: String,
    statuses: BTreeMap<String, CidStatus>,
}

/// Sends through a Getui channel.
pub async fn run(app: &GetuiConfig, client: &GetuiClient, args: SendArgs) -> anyhow::Result<Outcome> {
    let target = target(&args)?;
    let mut body = PushRequest::without_audience(push_message(&args)?);
    if let Some(id) = &args.getui.request_id {
        body.request_id = RequestId::parse(id.clone())?;
    }
    if args.dry_run {
        return dry_run(client.host(), &app.app_id, &target, body);
    }
    let sent = match target {
        Target::Cids(cids) if cids.len() == 1 => {
            let request = push_single_cid::Request(PushRequest { audience: Some(Audience::cids(cids)), ..body });
            flatten(client.push_single_cid(&request).await.context("push/single/cid")?)
        }
        Target::Aliases(aliases) if aliases.len() == 1 => {
            let request =
                push_single_alias::Request(PushRequest { audience: Some(Audience::aliases(aliases)), ..body });
            flatten(client.push_single_alias(&request).await.context("push/single/alias")?)
        }
        Target::Cids(cids) => {
            let list = client.push_to_cids(body, &cids).await.context("list push to cids")?;
            Sent { taskid: list.taskid, statuses: list.statuses }
        }
        Target::Aliases(aliases) => {
            let list = client.push_to_aliases(body, &aliases).await.context("list push to aliases")?;
            Sent { taskid: list.taskid, statuses: list.statuses }
        }
        Target::Tags(conditions) => {
            let request = push_tag::Request(PushRequest { audience: Some(Audience::Tag(conditions)), ..body });
            Sent { taskid: client.push_tag(&request).await.context("push/tag")?, statuses: BTreeMap::new() }
        }
        Target::All => {
            let request = push_all::Request(PushRequest { audience: Some(Audience::All), ..body });
            Sent { taskid: client.push_all(&request).await.context("push/all")?, statuses: BTreeMap::new() }
        }
    };
    if args.json_output {
        println!("{}", serde_json::to_string_pretty(&sent)?);
    } else {
        println!("sent: taskid {}", sent.taskid);
        for (cid, status) in &sent.statuses {
            println!("  {cid:<24} {}", status.as_str());
        }
    }
    Ok(Outcome::Success)
}

pub(crate) fn target(args: &SendArgs) -> anyhow::Result<Target> {
    let chosen = [!args.cid.is_empty(), !args.alias.is_empty(), !args.tag.is_empty(), args.all];
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(UsageError("give exactly one target: --cid, --alias, --tag or --all".to_owned()).into());
    }
    Ok(if !args.cid.is_empty() {
        Target::Cids(args.cid.clone())
    } else if !args.alias.is_empty() {
        Target::Aliases(args.alias.clone())
    } else if args.all {
        Target::All
    } else {
        Target::Tags(args.tag.iter().map(|t| condition(t)).collect::<Result<_, _>>()?)
    })
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

fn flatten(results: TaskResults) -> Sent {
    let mut sent = Sent { taskid: String::new(), statuses: BTreeMap::new() };
    for (taskid, statuses) in results {
        sent.taskid = taskid;
        sent.statuses.extend(statuses);
    }
    sent
}

/// Prints the exact body of the first call (validated as it would be) and sends nothing. The
/// single, tag and app bodies are built by the gateway's [`direct_push`], so both agree.
fn dry_run(host: String, app_id: &str, target: &Target, body: PushRequest) -> anyhow::Result<Outcome> {
    let now = yizhan_core::Clock::System.now_ms();
    let (path, json) = match direct_push(target, &body, now)? {
        Some(push) => (push.path(), String::from_utf8(push.to_json()?)?),
        None => {
            let request = push_list_message::Request(body);
            request.validate(now)?;
            eprintln!("# then /push/list/cid or /push/list/alias in chunks of 1000 with the returned taskid");
            (push_list_message::PATH, serde_json::to_string(&request)?)
        }
    };
    eprintln!("# dry run, nothing sent: POST {host}/v2/{app_id}{path} (token header omitted)");
    println!("{json}");
    Ok(Outcome::Success)
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
