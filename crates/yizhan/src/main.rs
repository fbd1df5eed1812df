//! The `yizhan` binary: parses the command line, starts the runtime, maps the outcome to an
//! exit code.

use std::process::ExitCode;

use clap::Parser;
use yizhan::{cli, commands, exit};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::Outcome::Failure.into();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            eprintln!("error: {}", render(&e));
            exit::outcome_of(&e).into()
        }
    }
}

/// The error chain joined by `: `, without causes whose text an outer error already shows
/// (e.g. `invalid request: <validation error>` wraps, and is the source of, that error).
fn render(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,yizhan=debug,yizhan_wecom=debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only on a terminal: a log file or journald gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();
}
