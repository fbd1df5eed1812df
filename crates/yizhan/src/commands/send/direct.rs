//! `yizhan send` in direct mode: the command line as a v1 request, planned with the gateway's
//! planning and executed with the worker's provider execution, with the channel's client from
//! a registry built for this one command.

use serde_json::Value;

use super::request;
use crate::channels::AnyClient;
use crate::cli::SendArgs;
use crate::config::ChannelConfig;
use crate::exit::UsageError;
use crate::gateway::{ApiError, MessageRequest, Plan, Planning, plan_for};
use crate::providers::{self, Delivered, Failed};

/// Duplicate-check window of `--dedupe` when neither it nor the channel names one: WeCom's own
/// default.
const CLI_DEDUPE_INTERVAL: u32 = 1800;

/// The plan of the message `args` describe for `channel`; `media` is the content of an
/// uploaded (or, in a dry run, pending) media flag.
pub(crate) fn plan(
    args: &SendArgs,
    channel: &ChannelConfig,
    people: &[crate::people::PersonConfig],
    media: Option<&Value>,
    planning: Planning,
) -> anyhow::Result<Plan> {
    let mut parts = request::parts_with(args, channel.channel_kind(), false, media)?;
    // Without --dedupe no duplicate check (unless a --json body asks for one): a repeated send
    // must be delivered, and the CLI has no outbox to tell a repeat from a resend
    // (docs/wecom-client.md, "Duplicate check").
    if let (Some(secs), Some(app)) = (args.dedupe, channel.wecom_app()) {
        let interval = secs.or(app.duplicate_check_interval).unwrap_or(CLI_DEDUPE_INTERVAL);
        parts.options.insert("duplicate_check_interval".into(), interval.into());
    } else if let Some(interval) = parts.duplicate_check {
        parts.options.insert("duplicate_check_interval".into(), interval.into());
    }
    let request: MessageRequest = serde_json::from_value(parts.request(channel.name()))
        .map_err(|e| UsageError(format!("the command line does not make a request: {e}")))?;
    let now = yizhan_core::Clock::System.now_ms();
    let request = crate::people::resolve(people, &request, channel).map_err(refusal)?;
    plan_for(&request, channel, now, planning).map_err(refusal)
}

/// A refused plan: a validation error is a usage error in the provider's words.
fn refusal(e: ApiError) -> anyhow::Error {
    match (e.status, e.provider) {
        (422, Some(provider)) => UsageError(provider).into(),
        (422, None) => UsageError(e.message).into(),
        _ => anyhow::anyhow!(e.message),
    }
}

/// Prints the plan and sends nothing: every call that can go out at once has its exact body
/// on standard output; a call that waits for another's answer is described on standard error.
pub(crate) fn print(channel: &ChannelConfig, client: &AnyClient, plan: &Plan) {
    for d in &plan.dispatches {
        let url = providers::call_url(channel, client, d.endpoint);
        let body = String::from_utf8_lossy(&d.body);
        match d.after {
            None => {
                eprintln!("# dry run, nothing sent: POST {url}");
                println!("{body}");
            }
            Some(_) => eprintln!("# then POST {url} with the returned taskid ({} recipients)", d.recipients.len()),
        }
    }
}

/// Sends the plan's calls in order, each through the provider's execution; a call that waits
/// for another gets that one's handles, as the worker's claim hands them on. The first failure
/// ends the send.
pub(crate) async fn execute(client: &AnyClient, plan: &Plan) -> Result<Vec<Delivered>, Failed> {
    let mut done: Vec<Delivered> = Vec::with_capacity(plan.dispatches.len());
    for d in &plan.dispatches {
        let upstream = d.after.and_then(|i| done.get(i)).map(|up| up.handles.clone());
        done.push(providers::execute(client, d.endpoint, &d.body, &d.recipients, upstream.as_ref()).await?);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::config::Config;

    const CONFIG: &str = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww\"\nagent_id = 7\nsecret = \"s\"\nduplicate_check_interval = 600\n\
        [[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"k\"\n\
        [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"i\"\napp_key = \"k\"\nmaster_secret = \"m\"\n";

    fn args(line: &[&str]) -> SendArgs {
        let cli = Cli::parse_from(["yizhan", "send"].iter().chain(line));
        let Command::Send(args) = cli.command else { panic!("a send") };
        *args
    }

    /// The bodies `yizhan send --dry-run` prints for `line`, and the bodies the gateway stores
    /// for the same request: both come from `plan_for`, the gateway's planning.
    fn both(config: &Config, line: &[&str]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let args = args(line);
        let channel = config.channel(&args.channel).expect("channel");
        let one_shot = plan(&args, channel, &[], None, Planning::OneShot).expect("one-shot plan");
        let gateway = plan(&args, channel, &[], None, Planning::Gateway).expect("gateway plan");
        let printed = one_shot.dispatches.iter().map(|d| d.body.clone()).collect();
        let stored = gateway.new_dispatches(None).into_iter().map(|d| d.body).collect();
        (printed, stored)
    }

    #[test]
    fn the_dry_run_prints_the_bodies_the_gateway_stores_for_the_same_request() {
        let config = Config::parse(CONFIG, "t.toml", &std::collections::HashMap::new()).expect("config");
        for line in [
            &["ops", "--to", "alice,bob", "--markdown", "**disk** full", "--dedupe"][..],
            &["ops", "--party", "2", "--textcard", "title=t,description=d,url=https://x.invalid", "--dedupe=60"],
            &["bot", "--text", "disk full", "--mention", "alice"],
            &["bot", "--markdown-v2", "# hi"],
            &["app", "--cid", "c1", "--title", "t", "--body", "b", "--request-id", "req-0123456789"],
            &["app", "--cid", "c1,c2", "--transmission", "{}", "--request-id", "req-0123456789"],
            &["app", "--all", "--transmission", "{}", "--request-id", "req-0123456789"],
        ] {
            let (printed, stored) = both(&config, line);
            assert!(!printed.is_empty(), "{line:?}");
            assert_eq!(printed, stored, "{line:?}");
        }
        // Where the two plannings differ, they differ as documented: a gateway send has the
        // channel's duplicate check by default, a one-shot send only with --dedupe.
        let (printed, stored) = both(&config, &["ops", "--to", "alice", "--text", "x"]);
        let printed: serde_json::Value = serde_json::from_slice(&printed[0]).expect("json");
        let stored: serde_json::Value = serde_json::from_slice(&stored[0]).expect("json");
        assert_eq!(printed.get("enable_duplicate_check"), None);
        assert_eq!(
            (stored["enable_duplicate_check"].as_u64(), stored["duplicate_check_interval"].as_u64()),
            (Some(1), Some(600))
        );
    }
}
