//! From the text of `yizhan.toml` to a [`Config`], reporting every problem at once: each with
//! the file, line and column, the key path (`channels[1].agent_id`) and, for a misspelt key,
//! the nearest valid one.
//!
//! Sections are deserialized one by one (each channel by its `kind`), so one bad entry does not
//! hide the next; within an entry an unknown key is reported and set aside before trying again.
//! `${VAR}` interpolation runs on parsed values; a channel using a variable that is not set is
//! *unusable* (listed in [`Config::unavailable`], refused when used, reported by `config check`)
//! while the rest of the file loads. A missing variable anywhere else is an error.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::de::DeserializeOwned;

use super::locate::{Locator, join, line_column, nearest};
use super::{
    ApiKeyConfig, ChannelConfig, Config, DingtalkRobotConfig, EmailConfig, FeishuBotConfig, GetuiConfig, Unavailable,
    WecomAppConfig, WecomRobotConfig,
};
use crate::providers::ChannelKind;

/// A configuration problem. Never contains a secret value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax.
    #[error("{path}:{line}:{column}: TOML syntax error: {message}")]
    Syntax {
        /// The path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Everything wrong with the file's content, one line each:
    /// `file:line:column: key.path: what is wrong`.
    #[error("{}", problems.join("\n"))]
    Invalid {
        /// The path.
        path: String,
        /// Every problem found, rendered.
        problems: Vec<String>,
    },
}

/// The top-level tables and arrays.
const TOP: &[&str] =
    &["server", "store", "channels", "api_keys", "webhooks", "worker", "shaping", "routes", "people", "people_file"];
/// One problem, before it is located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// The key path, e.g. `channels[1].agent_id`.
    pub(super) path: String,
    /// What is wrong, naming the limit or the expected values.
    pub(super) message: String,
}

impl Problem {
    pub(super) fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { path: path.into(), message: message.into() }
    }
}

impl Config {
    /// Reads and parses a file, interpolating `${VAR}` from the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::parse(&text, &path.display().to_string(), &env)
    }

    /// Parses TOML text; `${VAR}` and `${VAR:-default}` are taken from `env`, `$$` is a `$`.
    pub fn parse(text: &str, path: &str, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_column(text, s.start)).unwrap_or((0, 0));
            ConfigError::Syntax { path: path.to_owned(), line, column, message: e.message().to_owned() }
        })?;
        let locator = Locator::new(text);
        let render = |p: &Problem| match locator.find(&p.path) {
            Some((line, column)) => format!("{path}:{line}:{column}: {}: {}", p.path, p.message),
            None => format!("{path}: {}: {}", p.path, p.message),
        };
        let mut problems = Vec::new();
        let mut config = build(table, env, &mut problems);
        // Template files are read relative to the configuration file.
        let mut routes = std::mem::take(&mut config.routes);
        let base = Path::new(path).parent().unwrap_or(Path::new("."));
        problems.extend(routes.compile(&config, base).into_iter().map(|(at, message)| Problem::new(at, message)));
        config.routes = routes;
        if let Some(file) = config.people_file.clone() {
            let at = base.join(&file);
            match std::fs::read_to_string(&at).map(|text| crate::people::sync::parse(&text)) {
                Ok(Ok(people)) => config.people.extend(people),
                Ok(Err(e)) => problems.push(Problem::new("people_file", format!("{}: {}", at.display(), e.message()))),
                Err(e) => problems.push(Problem::new("people_file", format!("cannot read {}: {e}", at.display()))),
            }
        }
        problems.extend(crate::people::problems(&config.people).into_iter().map(|(at, m)| Problem::new(at, m)));
        problems.extend(config.check());
        for unusable in &mut config.unavailable {
            unusable.why = render(&Problem::new(unusable.path.clone(), unusable.why.clone()));
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid { path: path.to_owned(), problems: problems.iter().map(render).collect() })
        }
    }
}

/// Deserializes every section, collecting problems instead of stopping at the first.
fn build(table: toml::Table, env: &HashMap<String, String>, problems: &mut Vec<Problem>) -> Config {
    let mut config = Config::default();
    for (key, mut value) in table {
        if key != "channels" {
            for (at, name) in interpolate_value(&mut value, &key, env) {
                problems.push(Problem::new(at, format!("environment variable {name} is not set")));
            }
        }
        match key.as_str() {
            "server" => config.server = section(&key, value, problems).unwrap_or_default(),
            "store" => config.store = section(&key, value, problems).unwrap_or_default(),
            "worker" => config.worker = section(&key, value, problems).unwrap_or_default(),
            "shaping" => config.shaping = section(&key, value, problems).unwrap_or_default(),
            "people_file" => match value {
                toml::Value::String(file) => config.people_file = Some(file),
                _ => problems.push(Problem::new(&key, "must be a file name: people_file = \"people.toml\"")),
            },
            "channels" | "api_keys" | "webhooks" | "routes" | "people" => {
                let toml::Value::Array(items) = value else {
                    problems.push(Problem::new(&key, format!("must be an array of tables: [[{key}]]")));
                    continue;
                };
                for (i, item) in items.into_iter().enumerate() {
                    let at = format!("{key}[{i}]");
                    if key == "people" {
                        if let Some(person) = section::<crate::people::PersonConfig>(&at, item, problems) {
                            config.people.push(person);
                        }
                    } else if key == "routes" {
                        if let Some(route) = section::<crate::intake::route::RouteConfig>(&at, item, problems) {
                            config.routes.push(at, route);
                        }
                    } else if key == "webhooks" {
                        if let Some(hook) = section::<super::WebhookConfig>(&at, item, problems) {
                            config.webhooks.push(hook);
                            config.paths.webhooks.push(at);
                        }
                    } else if key == "api_keys" {
                        if let Some(api_key) = section::<ApiKeyConfig>(&at, item, problems) {
                            config.api_keys.push(api_key);
                            config.paths.api_keys.push(at);
                        }
                    } else {
                        channel(&at, item, env, &mut config, problems);
                    }
                }
            }
            other => problems.push(unknown_key("", other, TOP)),
        }
    }
    config
}

/// Every kind, for messages: "wecom_app, wecom_robot, getui, dingtalk_robot, feishu_bot or email".
fn kinds() -> String {
    let names: Vec<&str> = ChannelKind::names().collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// One `[[channels]]` entry: interpolated on its own, deserialized by its `kind`.
fn channel(
    at: &str,
    mut item: toml::Value,
    env: &HashMap<String, String>,
    config: &mut Config,
    problems: &mut Vec<Problem>,
) {
    let missing = interpolate_value(&mut item, at, env);
    let Some(table) = item.as_table_mut() else {
        problems.push(Problem::new(at, "must be a table: [[channels]]"));
        return;
    };
    let kind = match table.remove("kind") {
        Some(toml::Value::String(kind)) => kind,
        Some(_) => {
            return problems.push(Problem::new(join(at, "kind"), format!("must be a string: {}", kinds())));
        }
        None => return problems.push(Problem::new(at, format!("missing key `kind` ({})", kinds()))),
    };
    let name = table.get("name").and_then(toml::Value::as_str).unwrap_or_default().to_owned();
    let parsed = match ChannelKind::parse(&kind) {
        Some(ChannelKind::WecomApp) => section::<WecomAppConfig>(at, item, problems).map(ChannelConfig::WecomApp),
        Some(ChannelKind::WecomRobot) => section::<WecomRobotConfig>(at, item, problems).map(ChannelConfig::WecomRobot),
        Some(ChannelKind::Getui) => section::<GetuiConfig>(at, item, problems).map(ChannelConfig::Getui),
        Some(ChannelKind::DingtalkRobot) => {
            section::<DingtalkRobotConfig>(at, item, problems).map(ChannelConfig::DingtalkRobot)
        }
        Some(ChannelKind::FeishuBot) => section::<FeishuBotConfig>(at, item, problems).map(ChannelConfig::FeishuBot),
        Some(ChannelKind::Email) => section::<EmailConfig>(at, item, problems).map(ChannelConfig::Email),
        None => {
            let other = kind.as_str();
            let mut message = format!("unknown kind {other:?}; expected {}", kinds());
            if let Some(near) = nearest(other, ChannelKind::names()) {
                message.push_str(&format!(" (did you mean `{near}`?)"));
            }
            return problems.push(Problem::new(join(at, "kind"), message));
        }
    };
    match missing.first() {
        Some((path, _)) => {
            let names: BTreeSet<&str> = missing.iter().map(|(_, n)| n.as_str()).collect();
            let names = names.into_iter().collect::<Vec<_>>().join(", ");
            let why = format!("environment variable {names} is not set; this channel cannot be used");
            config.unavailable.push(Unavailable { name, path: path.clone(), why });
        }
        None => {
            if let Some(parsed) = parsed {
                config.channels.push(parsed);
                config.paths.channels.push(at.to_owned());
            }
        }
    }
}

/// Deserializes `value` as a `T` at key path `at`. A key with a problem (unknown, misspelt,
/// wrongly typed) is reported and set aside before trying again, so every problem of an entry
/// shows; the entry itself then does not load (`None`).
fn section<T: DeserializeOwned>(at: &str, mut value: toml::Value, problems: &mut Vec<Problem>) -> Option<T> {
    let mut reported: Vec<String> = Vec::new();
    for _ in 0..64 {
        let error = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(parsed) if reported.is_empty() => return Some(parsed),
            Ok(_) => return None,
            Err(e) => e,
        };
        let inner = error.path().to_string();
        let path = match inner.trim_matches('.') {
            "" | "?" => at.to_owned(),
            inner => join(at, inner.trim_end_matches(".?")),
        };
        let message = error.inner().message().to_owned();
        let (parent, key, problem) = if let Some(key) = quoted_after(&message, "unknown field `") {
            let parent = path.strip_suffix(&format!(".{key}")).unwrap_or(&path).to_owned();
            let problem = unknown_key(&parent, key, &expected(&message));
            (parent, key.to_owned(), problem)
        } else if let Some(key) = quoted_after(&message, "missing field `") {
            let parent = path.clone();
            let problem = Problem::new(join(&parent, key), format!("missing key `{key}`"));
            (parent, key.to_owned(), problem)
        } else {
            let (parent, key) =
                path.rsplit_once('.').map_or((String::new(), path.clone()), |(p, k)| (p.to_owned(), k.to_owned()));
            (parent, key, Problem::new(&path, redact_values(&message)))
        };
        // A key set aside earlier is then missing: already reported.
        if !reported.contains(&problem.path) {
            reported.push(problem.path.clone());
            problems.push(problem);
        }
        if !remove(&mut value, at, &parent, &key) {
            return None;
        }
    }
    None
}

/// A problem for the unknown key `key` of the table at `parent`, with the nearest valid key.
fn unknown_key(parent: &str, key: &str, valid: &[&str]) -> Problem {
    let mut message = format!("unknown key `{key}`");
    match nearest(key, valid.iter().copied()) {
        Some(near) => message.push_str(&format!("; did you mean `{near}`?")),
        None if !valid.is_empty() => message.push_str(&format!("; valid keys: {}", valid.join(", "))),
        None => {}
    }
    Problem::new(join(parent, key), message)
}

/// The text between `prefix` and the next backtick.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    rest.split('`').next()
}

/// The field names a serde "unknown field" message lists as expected.
fn expected(message: &str) -> Vec<&str> {
    let Some(at) = message.find("expected") else { return Vec::new() };
    message[at..].split('`').skip(1).step_by(2).collect()
}

/// serde echoes a wrongly typed string value (`invalid type: string "…"`); the value may be an
/// interpolated secret, so only its type is kept.
fn redact_values(message: &str) -> String {
    match (message.find("string \""), message.rfind("\", expected")) {
        (Some(start), Some(end)) if end >= start => {
            format!("{}a string{}", &message[..start], &message[end + 1..])
        }
        _ => message.to_owned(),
    }
}

/// Removes key `key` of the table at path `parent` (relative to `value`, which sits at `root`).
fn remove(value: &mut toml::Value, root: &str, parent: &str, key: &str) -> bool {
    let relative = parent.strip_prefix(root).unwrap_or(parent).trim_start_matches('.');
    let mut here = value;
    for part in relative.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let Some(next) = here.get_mut(name) else { return false };
        here = match index {
            Some(i) => match next.get_mut(i) {
                Some(item) => item,
                None => return false,
            },
            None => next,
        };
    }
    here.as_table_mut().and_then(|t| t.remove(key)).is_some()
}

/// Interpolates every string under `value` (at key path `at`); returns where a variable that
/// is not set was used, and its name.
fn interpolate_value(value: &mut toml::Value, at: &str, env: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut missing = Vec::new();
    interpolate_into(value, at, env, &mut missing);
    missing
}

fn interpolate_into(value: &mut toml::Value, at: &str, env: &HashMap<String, String>, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::String(s) => {
            let mut names = BTreeSet::new();
            *s = interpolate(s, env, &mut names);
            out.extend(names.into_iter().map(|n| (at.to_owned(), n)));
        }
        toml::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                interpolate_into(item, &format!("{at}[{i}]"), env, out);
            }
        }
        toml::Value::Table(table) => {
            for (key, item) in table.iter_mut() {
                interpolate_into(item, &join(at, key), env, out);
            }
        }
        _ => {}
    }
}
/// Replaces `${NAME}` and `${NAME:-default}`; `$$` becomes `$`. Unset names go to `missing`.
pub(super) fn interpolate(text: &str, env: &HashMap<String, String>, missing: &mut BTreeSet<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(close) = after.strip_prefix('{').and_then(|a| a.find('}')) {
            let inner = &after[1..=close];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            match (env.get(name), default) {
                (Some(v), _) if !v.is_empty() || default.is_none() => out.push_str(v),
                (_, Some(d)) => out.push_str(d),
                (None, None) => {
                    missing.insert(name.to_owned());
                }
                (Some(v), None) => out.push_str(v),
            }
            rest = &after[close + 2..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
