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
    Send(SendArgs),
    /// Run the offline WeCom emulator (stand-in for the real servers in tests and demos).
    Emulator(EmulatorArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Channel helpers.
    #[command(subcommand)]
    Channels(ChannelsCommand),
}

/// `yizhan send`
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The channel name from the configuration.
    pub channel: String,
    /// User ids, comma-separated (`@all` for everyone in the app's visible range).
    #[arg(long, value_delimiter = ',')]
    pub to: Vec<String>,
    /// Department ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub party: Vec<String>,
    /// Tag ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub tag: Vec<String>,
    /// The message content.
    #[command(flatten)]
    pub content: ContentArgs,
    /// Mark the message confidential (safe=1: not shareable, watermarked).
    #[arg(long)]
    pub safe: bool,
    /// Print the exact request body (without credentials) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json_output: bool,
}

/// Exactly one kind of content.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ContentArgs {
    /// Plain text (≤2048 bytes).
    #[arg(long)]
    pub text: Option<String>,
    /// Markdown (≤2048 bytes; shown in the WeCom client only).
    #[arg(long)]
    pub markdown: Option<String>,
    /// A text card: `title=..,description=..,url=..[,btntxt=..]`.
    #[arg(long)]
    pub textcard: Option<String>,
    /// A JSON file with a message/send body (`msgtype` and its object; recipients and flags
    /// optional). `-` reads standard input.
    #[arg(long)]
    pub json: Option<PathBuf>,
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
    /// Emulator configuration (TOML): apps, directory, limits. Default: the documented demo set.
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
    /// Fetch a token for every channel and explain failures.
    Check,
}
