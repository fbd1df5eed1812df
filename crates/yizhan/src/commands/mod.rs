//! One module per subcommand; [`run`] dispatches.

pub mod bulk;
pub mod card;
pub mod channels_check;
pub mod config;
pub mod demo;
pub mod emulator;
pub mod keys;
pub mod migrate;
pub(crate) mod output;
pub mod people;
pub mod recall;
pub mod remote;
pub mod send;
pub mod serve;
pub mod template;
pub mod watch;

use std::path::{Path, PathBuf};

use crate::cli::{CardCommand, ChannelsCommand, Cli, Command, ConfigCommand, KeysCommand, TemplateCommand};
use crate::config::{ChannelConfig, Config, WecomAppConfig};
use crate::exit::{Outcome, UsageError};

/// The configuration file used when neither `--config` nor `YIZHAN_CONFIG` is given.
const DEFAULT_CONFIG: &str = "yizhan.toml";

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Send(args) if args.remote.server.is_some() => remote::send(&args).await,
        Command::Send(args) => send::run(&load_config(cli.config.as_deref())?, *args).await,
        Command::Serve(args) => serve::run(load_config(cli.config.as_deref())?, args.listen).await,
        Command::Migrate => migrate::run(&load_config(cli.config.as_deref())?).await,
        Command::Demo(args) => demo::run(args.listen, args.db).await,
        Command::Status(args) => remote::status(&args).await,
        Command::Retry(args) => remote::retry(&args).await,
        Command::Watch(args) => watch::run(&args).await,
        Command::Messages(crate::cli::MessagesCommand::List(args)) => remote::list(&args).await,
        Command::Recall(args) => recall::run(&load_config(cli.config.as_deref())?, args).await,
        Command::Card(CardCommand::Update(args)) => card::update(&load_config(cli.config.as_deref())?, args).await,
        Command::Emulator(args) => emulator::run(args).await,
        Command::Config(ConfigCommand::Example) => {
            print!("{}", config::EXAMPLE);
            Ok(Outcome::Success)
        }
        Command::Config(ConfigCommand::Check) => config::check(&config_path(cli.config.as_deref())?),
        Command::People(crate::cli::PeopleCommand::Sync(args)) => {
            people::sync(&load_config(cli.config.as_deref())?, args).await
        }
        Command::Channels(ChannelsCommand::Check) => channels_check::run(&load_config(cli.config.as_deref())?).await,
        Command::Template(TemplateCommand::Render(args)) => {
            template::render(&load_config(cli.config.as_deref())?, &args)
        }
        Command::Keys(KeysCommand::Create(args)) => keys::create(&args, optional_config(cli.config.as_deref())?),
        Command::Keys(KeysCommand::List) => keys::list(&load_config(cli.config.as_deref())?),
        Command::Keys(KeysCommand::Hash) => keys::hash(),
    }
}

fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    Ok(Config::load(&config_path(path)?)?)
}

/// The `[server] log_format` of the configuration file, read before logging starts; text when
/// there is no file or it does not say (a file that does not parse is reported by the command).
pub fn configured_log_format(path: Option<&Path>) -> crate::config::LogFormat {
    let text = config_path(path).ok().and_then(|p| std::fs::read_to_string(p).ok());
    let table = text.and_then(|t| t.parse::<toml::Table>().ok());
    let format = table.as_ref().and_then(|t| t.get("server")?.get("log_format")?.as_str().map(str::to_owned));
    match format.as_deref() {
        Some("json") => crate::config::LogFormat::Json,
        _ => crate::config::LogFormat::Text,
    }
}

/// The configuration when one is named or ./yizhan.toml exists; `None` when there is none to
/// read (a named file that does not load is still an error).
fn optional_config(path: Option<&Path>) -> anyhow::Result<Option<Config>> {
    match path {
        None if !Path::new(DEFAULT_CONFIG).exists() => Ok(None),
        _ => load_config(path).map(Some),
    }
}

/// `--config`, `YIZHAN_CONFIG` or `./yizhan.toml`.
fn config_path(path: Option<&Path>) -> anyhow::Result<PathBuf> {
    match path {
        Some(p) => Ok(p.to_path_buf()),
        None if Path::new(DEFAULT_CONFIG).exists() => Ok(PathBuf::from(DEFAULT_CONFIG)),
        None => Err(UsageError(format!(
            "no configuration: pass --config FILE, set YIZHAN_CONFIG, or create ./{DEFAULT_CONFIG} \
             (`yizhan config example > {DEFAULT_CONFIG}` writes a sample)"
        ))
        .into()),
    }
}

/// The usable channel called `name`, or a usage error saying why not (unusable, or unknown
/// with the configured names).
fn channel<'a>(config: &'a Config, name: &str) -> anyhow::Result<&'a ChannelConfig> {
    config.find_channel(name).map_err(|why| UsageError(why).into())
}

/// The `wecom_app` channel called `name`, or a usage error that says what is configured.
fn wecom_app<'a>(config: &'a Config, name: &str) -> anyhow::Result<&'a WecomAppConfig> {
    let channel = channel(config, name)?;
    channel.wecom_app().ok_or_else(|| {
        UsageError(format!("{name:?} is a {} channel; this command needs wecom_app", channel.kind())).into()
    })
}

/// The client of the `wecom_app` channel `name` in `channels`.
fn wecom_client<'a>(
    channels: &'a crate::channels::Channels,
    name: &str,
) -> anyhow::Result<&'a yizhan_wecom::WecomClient> {
    channels.wecom_app(name).ok_or_else(|| anyhow::anyhow!("channel {name:?} has no WeCom application client"))
}
