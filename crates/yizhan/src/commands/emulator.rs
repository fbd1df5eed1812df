//! `yizhan emulator`: the offline WeCom, Getui, DingTalk and Feishu servers for tests and demos.

use anyhow::Context;
use yizhan_emulator::EmulatorConfig;

use crate::cli::EmulatorArgs;
use crate::exit::{Outcome, UsageError};

/// Runs the emulator until Ctrl-C.
pub async fn run(args: EmulatorArgs) -> anyhow::Result<Outcome> {
    let config = match &args.emulator_config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            EmulatorConfig::from_toml(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?
        }
        None => EmulatorConfig::default(),
    };
    let listener = tokio::net::TcpListener::bind((args.bind.as_str(), args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.bind, args.port))?;
    let base = format!("http://{}", listener.local_addr()?);
    print_banner(&base, &config);
    yizhan_emulator::run(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    eprintln!("emulator stopped");
    Ok(Outcome::Success)
}

fn print_banner(base: &str, config: &EmulatorConfig) {
    println!("yizhan emulator listening on {base}");
    for app in &config.wecom.apps {
        println!("  WeCom app   corp_id={} agent_id={} secret={}", app.corp_id, app.agent_id, app.secret);
    }
    println!("  users       {}", config.wecom.users.join(", "));
    let groups = |m: &std::collections::BTreeMap<String, Vec<String>>| {
        m.iter().map(|(id, members)| format!("{id} ({})", members.join(", "))).collect::<Vec<_>>().join("; ")
    };
    println!("  parties     {}", groups(&config.wecom.parties));
    println!("  tags        {}", groups(&config.wecom.tags));
    for robot in &config.wecom.robots {
        println!("  WeCom robot key={} ({:?})", robot.key, robot.status);
    }
    for app in &config.getui.apps {
        println!("  Getui app   app_id={} app_key={} master_secret={}", app.app_id, app.app_key, app.master_secret);
    }
    let cids: Vec<String> =
        config.getui.cids.iter().map(|(cid, c)| format!("{cid} ({:?})", c.status).to_lowercase()).collect();
    println!("  cids        {}", cids.join(", "));
    let aliases: Vec<String> =
        config.getui.aliases.iter().map(|(a, cids)| format!("{a} → {}", cids.join(","))).collect();
    println!("  aliases     {}", aliases.join("; "));
    for robot in &config.dingtalk.robots {
        let secret = robot.secret.as_deref().map(|s| format!(" secret={s}")).unwrap_or_default();
        println!("  DingTalk    {base}/robot/send?access_token={}{secret} ({:?})", robot.access_token, robot.status);
    }
    for bot in &config.feishu.bots {
        let secret = bot.secret.as_deref().map(|s| format!(" secret={s}")).unwrap_or_default();
        println!("  Feishu      {base}/open-apis/bot/v2/hook/{}{secret}", bot.hook);
    }
    println!("  inbox       GET {base}/__emulator/inbox   stats: GET {base}/__emulator/stats");
    if let Some(app) = config.wecom.apps.first() {
        println!();
        println!("Use it from yizhan.toml:");
        println!("  [[channels]]");
        println!("  name = \"ops\"");
        println!("  kind = \"wecom_app\"");
        println!("  corp_id = \"{}\"", app.corp_id);
        println!("  agent_id = {}", app.agent_id);
        println!("  secret = \"{}\"", app.secret);
        println!("  base_url = \"{base}\"");
    }
    if let Some(robot) = config.wecom.robots.first() {
        println!();
        println!("  [[channels]]");
        println!("  name = \"ops-robot\"");
        println!("  kind = \"wecom_robot\"");
        println!("  key = \"{}\"", robot.key);
        println!("  base_url = \"{base}\"");
    }
    if let Some(app) = config.getui.apps.first() {
        println!();
        println!("  [[channels]]");
        println!("  name = \"app\"");
        println!("  kind = \"getui\"");
        println!("  app_id = \"{}\"", app.app_id);
        println!("  app_key = \"{}\"", app.app_key);
        println!("  master_secret = \"{}\"", app.master_secret);
        println!("  base_url = \"{base}\"");
    }
}
