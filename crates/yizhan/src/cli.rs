//! Command-line interface (clap derive). One `///` per subcommand is its `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// yizhan (驿站): deliver messages to WeCom and Getui, reliably.
#[derive(Debug, Parser)]
#[command(name = "yizhan", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file. Default: ./yizhan.toml when it exists.
    #[arg(long, short, global = true, env = "YIZHAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// More log output on stderr (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log format on stderr: text, or json (one object per line). Default: `[server]
    /// log_format` of the configuration, else text.
    #[arg(long, global = true, env = "YIZHAN_LOG_FORMAT", value_enum)]
    pub log_format: Option<crate::config::LogFormat>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send one message through a channel and print the msgid and any rejected recipient.
    ///
    /// Exit codes: 0 sent, 2 usage or validation error, 3 permanent provider error, 4 transient
    /// error after retries.
    Send(Box<SendArgs>),
    /// Run the gateway: the HTTP API and the delivery worker on the configured store.
    Serve(ServeArgs),
    /// Apply the store's migrations (`[store] url`) and exit; `serve` does it at start unless
    /// `[store] migrate = false`.
    Migrate,
    /// Run the gateway on SQLite with the built-in emulator as every provider, print an API key
    /// and curl commands that deliver.
    Demo(DemoArgs),
    /// Recall a WeCom app message sent in the last 24 hours.
    Recall(RecallArgs),
    /// Show a message accepted by a running gateway: status, attempts, outcomes.
    Status(StatusArgs),
    /// Messages of a running gateway.
    #[command(subcommand)]
    Messages(MessagesCommand),
    /// Replay a dead message on a running gateway.
    Retry(StatusArgs),
    /// Print a running gateway's delivery events as they happen (GET /v1/events); resumes
    /// where it left off after a disconnect. Ctrl-C stops.
    Watch(WatchArgs),
    /// WeCom template cards.
    #[command(subcommand)]
    Card(CardCommand),
    /// Run the offline emulator of WeCom (applications and group robots), Getui, DingTalk and
    /// Feishu (stand-in for the real servers in tests and demos); prints the demo credentials and
    /// webhook URLs.
    ///
    /// Deliveries: GET /__emulator/inbox (the same path on `yizhan demo`).
    Emulator(EmulatorArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Channel helpers.
    #[command(subcommand)]
    Channels(ChannelsCommand),
    /// Alert route templates.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// People: who a message addressed `to.people` reaches on each channel.
    #[command(subcommand)]
    People(PeopleCommand),
    /// API keys: make one (printed once, with its configuration entry) or list the configured.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// `yizhan people …`
#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Import the WeCom directory (department/list, user/list) through a wecom_app channel as
    /// a people file: merged into --output (written atomically), else printed.
    Sync(PeopleSyncArgs),
}

/// `yizhan people sync`
#[derive(Debug, Args)]
pub struct PeopleSyncArgs {
    /// The wecom_app channel whose directory is read.
    #[arg(long)]
    pub channel: String,
    /// The people file to merge into and replace (the `people_file` of yizhan.toml). Default:
    /// print the file.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// `yizhan keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new random API key: prints the key once (it is not stored anywhere) and the
    /// `[[api_keys]]` entry with its SHA-256 to add to the configuration.
    Create(KeysCreateArgs),
    /// The configured keys: name, scope and the first characters of each hash.
    List,
    /// Print the SHA-256 of a key read from standard input (for keys made elsewhere).
    Hash,
}

/// `yizhan keys create`
#[derive(Debug, Args)]
pub struct KeysCreateArgs {
    /// The key's label (`[[api_keys]] name`), shown in logs.
    #[arg(long)]
    pub name: String,
    /// Channels the key may use, comma-separated. Checked against the configuration when one
    /// is found (`--config`, `YIZHAN_CONFIG` or ./yizhan.toml).
    #[arg(long, value_delimiter = ',', required_unless_present = "admin", conflicts_with = "admin")]
    pub channels: Vec<String>,
    /// An admin key: every channel and the administrative endpoints.
    #[arg(long)]
    pub admin: bool,
    /// Print `{"key": …, "sha256": …, "config": …}` instead of text.
    #[arg(long)]
    pub json_output: bool,
}

/// `yizhan template …`
#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Route a sample notification through a route and print the exact provider bodies the
    /// gateway would send for it (nothing is sent).
    Render(TemplateRenderArgs),
}

/// `yizhan template render`
#[derive(Debug, Args)]
pub struct TemplateRenderArgs {
    /// The route's name (`[[routes]] name`).
    #[arg(long)]
    pub route: String,
    /// A built-in sample (alertmanager, alertmanager-resolved, grafana, grafana-resolved,
    /// webhook) or a JSON file: Alertmanager when its version is "4", Grafana when "1", else a
    /// generic webhook body.
    #[arg(long, default_value = "alertmanager", value_name = "SAMPLE|FILE")]
    pub sample: String,
}

/// `yizhan send`
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The channel name from the configuration (or, with --server, of the gateway).
    pub channel: String,
    /// Send through a running gateway (`yizhan serve`) instead of calling the provider: the
    /// message is accepted durably and delivered by the gateway's worker.
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// With --server: one message per row of this CSV file. The header names the recipient
    /// column: `user`, `cid` or `alias`. Sent in batches of 1000 with a progress bar; exits 2
    /// when any row is refused.
    #[arg(long, requires = "server", conflicts_with_all = ["to", "party", "cid", "alias", "all", "mention", "mention_mobile"])]
    pub csv: Option<PathBuf>,
    /// WeCom: user ids, comma-separated (`@all` for everyone in the app's visible range).
    #[arg(long, value_delimiter = ',', help_heading = "WeCom recipients")]
    pub to: Vec<String>,
    /// WeCom: department ids, comma-separated.
    #[arg(long, value_delimiter = ',', help_heading = "WeCom recipients")]
    pub party: Vec<String>,
    /// WeCom: tag ids, comma-separated (`--tag 1,2`). Getui: a tag condition `key=v1,v2`
    /// (any of the values) or `key!=v1,v2` (none of them); repeat for several keys.
    #[arg(long)]
    pub tag: Vec<String>,
    /// Getui: client ids, comma-separated. One cid is a single push; several are a list push.
    #[arg(long, value_delimiter = ',', help_heading = "Getui recipients")]
    pub cid: Vec<String>,
    /// Getui: aliases, comma-separated. One alias is a single push; several are a list push.
    #[arg(long, value_delimiter = ',', help_heading = "Getui recipients")]
    pub alias: Vec<String>,
    /// Getui: every user of the app (push/all; Getui allows 5 per minute).
    #[arg(long, help_heading = "Getui recipients")]
    pub all: bool,
    /// Group robots (WeCom, DingTalk, Feishu): mention group members by user id (Feishu: open_id) with --text, comma-separated (`@all` for
    /// everyone). In markdown write `<@userid>` instead.
    #[arg(long, value_delimiter = ',', help_heading = "Group robot mentions")]
    pub mention: Vec<String>,
    /// Group robots (WeCom, DingTalk): mention group members by mobile number with --text, comma-separated.
    #[arg(long, value_delimiter = ',', help_heading = "Group robot mentions")]
    pub mention_mobile: Vec<String>,
    /// Email: the subject (default: the first line of --text or --markdown). With an email
    /// channel, --to takes addresses.
    #[arg(long, help_heading = "Email")]
    pub subject: Option<String>,
    /// Any channel: people from `[[people]]`, comma-separated; each is reached with their id
    /// for the channel's kind.
    #[arg(long, value_delimiter = ',')]
    pub people: Vec<String>,
    /// Email: attach a local file (repeat for several).
    #[arg(long, value_name = "PATH", help_heading = "Email")]
    pub attach: Vec<PathBuf>,
    /// The WeCom message content.
    #[command(flatten)]
    pub content: ContentArgs,
    /// The Getui message content.
    #[command(flatten)]
    pub getui: GetuiContentArgs,
    /// WeCom: mark the message confidential (safe=1: not shareable, watermarked).
    #[arg(long)]
    pub safe: bool,
    /// WeCom app: let WeCom drop this message if an identical one (same recipients, content and
    /// options) went out in the last SECS seconds (default: the channel's
    /// duplicate_check_interval, else 1800; at most 14400). Without it every send is delivered,
    /// and a send whose answer was lost is reported, not repeated. Through a gateway the
    /// repeat is reported as suppressed_duplicate.
    #[arg(long, value_name = "SECS", num_args = 0..=1, require_equals = true)]
    pub dedupe: Option<Option<u32>>,
    /// Print the exact request body (without credentials) and send nothing. With --server the
    /// gateway plans the message (`POST /v1/messages?dry_run=true`) and the provider bodies it
    /// would send are printed; nothing is stored or sent.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json_output: bool,
}

/// At most one kind of WeCom content (application or robot).
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ContentArgs {
    /// WeCom: plain text (≤2048 bytes).
    #[arg(long, help_heading = "WeCom content")]
    pub text: Option<String>,
    /// WeCom: markdown (≤2048 bytes for an application, ≤4096 for a robot; shown in the WeCom
    /// client only).
    #[arg(long, help_heading = "WeCom content")]
    pub markdown: Option<String>,
    /// WeCom robot: markdown_v2 (tables, lists, code blocks; ≤4096 bytes).
    #[arg(long, help_heading = "WeCom content")]
    pub markdown_v2: Option<String>,
    /// WeCom: a text card `title=..,description=..,url=..[,btntxt=..]`.
    #[arg(long, help_heading = "WeCom content")]
    pub textcard: Option<String>,
    /// WeCom: a JSON file with a message/send body (`msgtype` and its object; recipients and
    /// flags optional). `-` reads standard input.
    #[arg(long, help_heading = "WeCom content")]
    pub json: Option<PathBuf>,
    /// WeCom: an image (JPG/PNG, ≤10 MB): a local path, or an https:// URL that yizhan downloads.
    /// Uploaded first (media/upload), then sent. Robots: a local path (≤2 MB), sent inline as
    /// base64 with its md5.
    #[arg(long, value_name = "PATH|URL", help_heading = "WeCom content")]
    pub image: Option<String>,
    /// WeCom: a file (≤20 MB; its name is what recipients see): a local path or an https:// URL.
    /// Robots: a local path, uploaded with webhook/upload_media.
    #[arg(long, value_name = "PATH|URL", help_heading = "WeCom content")]
    pub file: Option<String>,
    /// WeCom: a voice message (AMR, ≤2 MB, ≤60 s): a local path or an https:// URL. Robots: a
    /// local path.
    #[arg(long, value_name = "PATH|URL", help_heading = "WeCom content")]
    pub voice: Option<String>,
    /// WeCom: a video (MP4, ≤10 MB): a local path or an https:// URL.
    #[arg(long, value_name = "PATH|URL", help_heading = "WeCom content")]
    pub video: Option<String>,
}

/// Getui content: a notification (`--title` and `--body`) or a transmission.
#[derive(Debug, Args)]
pub struct GetuiContentArgs {
    /// Getui: notification title (≤50 characters).
    #[arg(long, help_heading = "Getui content")]
    pub title: Option<String>,
    /// Getui: notification body (≤256 characters).
    #[arg(long, help_heading = "Getui content")]
    pub body: Option<String>,
    /// Getui: what a tap does: `startapp` (default), `none`, `url=https://…`, `intent=…`,
    /// `payload=…` or `payload_custom=…`.
    #[arg(long, help_heading = "Getui content")]
    pub click: Option<String>,
    /// Getui: a pass-through message for the app instead of a notification (≤3072 characters).
    #[arg(long, help_heading = "Getui content")]
    pub transmission: Option<String>,
    /// Getui: the dedupe id (10–32 characters). Default: 32 random hex characters. Reusing one
    /// makes Getui drop the push as a repeat.
    #[arg(long, help_heading = "Getui content")]
    pub request_id: Option<String>,
}

/// Where a running gateway is.
#[derive(Debug, Clone, Args)]
pub struct RemoteArgs {
    /// The gateway's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "YIZHAN_SERVER")]
    pub server: Option<String>,
    /// The gateway API key (never printed).
    #[arg(long, env = "YIZHAN_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

/// `yizhan watch`
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Only this channel.
    #[arg(long)]
    pub channel: Option<String>,
    /// Only this message.
    #[arg(long)]
    pub id: Option<String>,
    /// Only these event types, comma-separated (e.g. message.delivered,message.dead).
    #[arg(long)]
    pub types: Option<String>,
    /// Start after this event id instead of with new events only (0: the whole log).
    #[arg(long)]
    pub after: Option<i64>,
    /// Print each event's JSON payload on one line instead of a summary.
    #[arg(long)]
    pub json_output: bool,
    /// The gateway.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `yizhan status`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The message id the gateway returned.
    pub id: String,
    /// The gateway.
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Print the gateway's JSON instead of the summary.
    #[arg(long)]
    pub json_output: bool,
}

/// `yizhan messages …`
#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// List messages, newest first.
    List(ListArgs),
}

/// `yizhan messages list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this status (accepted, scheduled, delivered, partially_delivered, retrying, dead, …).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this channel.
    #[arg(long)]
    pub channel: Option<String>,
    /// At most this many (≤500).
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// The gateway.
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Print the gateway's JSON page instead of the table.
    #[arg(long)]
    pub json_output: bool,
}

/// `yizhan serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen address; default `[server] listen` (127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
}

/// `yizhan demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Listen address (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The SQLite file.
    #[arg(long, default_value = "yizhan-demo.db")]
    pub db: PathBuf,
}

/// `yizhan recall`
#[derive(Debug, Args)]
pub struct RecallArgs {
    /// A `wecom_app` channel.
    pub channel: String,
    /// The msgid `yizhan send` printed (it may start with `-`).
    #[arg(allow_hyphen_values = true)]
    pub msgid: String,
}

/// `yizhan card …`
#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Update a sent template card with its single-use response_code (valid 72 hours).
    Update(CardUpdateArgs),
}

/// `yizhan card update`
#[derive(Debug, Args)]
pub struct CardUpdateArgs {
    /// A `wecom_app` channel.
    pub channel: String,
    /// The response_code from the send or from a click callback (it may start with `-`).
    #[arg(allow_hyphen_values = true)]
    pub response_code: String,
    /// Grey out the button with this text (interaction cards).
    #[arg(long, required_unless_present = "card")]
    pub replace_name: Option<String>,
    /// Replace the whole card with the template_card JSON in this file (`-` for stdin).
    #[arg(long, conflicts_with = "replace_name")]
    pub card: Option<PathBuf>,
    /// Update only these users (comma-separated); default: every recipient.
    #[arg(long, value_delimiter = ',')]
    pub to: Vec<String>,
}

/// `yizhan emulator`
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 9400)]
    pub port: u16,
    /// Address to bind. Loopback by default; anything else exposes the emulator.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Emulator configuration (TOML): apps, directory, robots, bots, limits. Default: the demo
    /// set (WeCom app wwyizhandemo and robot key yizhan-demo-robot-key, Getui app yizhandemo,
    /// DingTalk robot yizhan-demo-dingtalk, Feishu bot yizhan-demo-feishu).
    #[arg(long = "emulator-config")]
    pub emulator_config: Option<PathBuf>,
}

/// `yizhan config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented sample configuration.
    Example,
    /// Parse the configuration and report every problem.
    Check,
}

/// `yizhan channels …`
#[derive(Debug, Subcommand)]
pub enum ChannelsCommand {
    /// Fetch a token for every channel and explain failures. A group robot has no token: its
    /// check only says the key is configured (the key is verified by the first send).
    Check,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_may_start_with_a_hyphen() {
        // WeCom msgids and response codes are URL-safe base64 and can start with '-'.
        let cli = Cli::try_parse_from(["yizhan", "recall", "ops", "-bc8_x"]).expect("parses");
        assert!(matches!(cli.command, Command::Recall(RecallArgs { ref msgid, .. }) if msgid == "-bc8_x"));
        let cli =
            Cli::try_parse_from(["yizhan", "card", "update", "ops", "-code", "--replace-name", "ok"]).expect("parses");
        assert!(
            matches!(cli.command, Command::Card(CardCommand::Update(CardUpdateArgs { ref response_code, .. })) if response_code == "-code")
        );
    }
}
