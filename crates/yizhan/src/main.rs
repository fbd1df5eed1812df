//! The `yizhan` binary: parses the command line, starts the runtime, maps the outcome to an
//! exit code.

use std::process::ExitCode;

use clap::Parser;
use yizhan::{cli, commands, exit};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let format = cli.log_format.unwrap_or_else(|| commands::configured_log_format(cli.config.as_deref()));
    init_tracing(cli.verbose, format);
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

fn init_tracing(verbose: u8, format: yizhan::config::LogFormat) {
    let default = match verbose {
        0 => "warn",
        1 => "info,yizhan=debug,yizhan_wecom=debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let lines = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        // Colours only on a terminal: a log file or journald gets plain text.
        yizhan::config::LogFormat::Text => lines.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init(),
        // One object per line; the request span's fields (`request_id`, `method`, `path`) under "span".
        yizhan::config::LogFormat::Json => lines.json().with_current_span(true).with_span_list(false).init(),
    }
}
