//! From the routes as written to [`Route`]s: names, matchers, inheritance, time zones, template
//! files and templates, channels and recipients are checked, and every route that delivers is
//! rendered with each built-in sample and planned for its channels, so that a template that
//! fails, writes an invalid card, or a recipient list a channel does not take is reported by
//! `yizhan config check` rather than when an alert arrives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{MessageKind, Route, RouteConfig, Routes, Settings, Target};
use crate::config::Config;
use crate::gateway::To;
use crate::intake::deliver;
use crate::intake::matcher::Matcher;
use crate::intake::samples;
use crate::intake::template::builtin::{self, Language};
use crate::intake::template::context::Locale;

/// The default time zone of routes.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";
/// The longest repeat window: WeCom's longest duplicate-check interval.
pub const MAX_REPEAT_WINDOW_SECS: u32 = 14_400;

/// A problem: key path and message.
pub type Problem = (String, String);

impl Routes {
    /// Checks and compiles the routes pushed so far against `config`'s channels, reading
    /// template files relative to `base_dir`. Every problem is returned with its key path.
    pub fn compile(&mut self, config: &Config, base_dir: &Path) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut names = BTreeSet::new();
        let written = std::mem::take(&mut self.written);
        let root = parent_settings();
        for (at, route) in &written {
            let name = route.name.clone().unwrap_or_default();
            if name.is_empty() {
                problems.push((
                    format!("{at}.name"),
                    "missing key `name`: it is the {route} of the intake URLs".to_owned(),
                ));
            } else if !valid_name(&name) {
                problems.push((format!("{at}.name"), format!("{name:?}: use letters, digits, '-', '_' or '.'")));
            } else if !names.insert(name.clone()) {
                problems.push((format!("{at}.name"), format!("{name:?} is used twice")));
            }
            let mut compiler = Compiler { templates: &mut self.templates, config, base_dir, problems: &mut problems };
            let compiled = compiler.route(at, &name, route, &root, &[]);
            self.routes.push(compiled);
        }
        for route in &self.routes {
            for node in route.walk() {
                for (at, message) in sample_problems(node, &self.templates, config) {
                    // What the samples hit again was reported already, without the sample.
                    if !problems.iter().any(|(reported, _)| at.starts_with(reported.as_str())) {
                        problems.push((at, message));
                    }
                }
            }
        }
        problems
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// What a top-level route inherits: the defaults.
fn parent_settings() -> Settings {
    Settings {
        kind: MessageKind::Markdown,
        template: MessageKind::Markdown.builtin().to_owned(),
        title: builtin::TITLE.to_owned(),
        template_at: String::new(),
        locale: Locale {
            zone_name: DEFAULT_TIME_ZONE.to_owned(),
            zone: jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC),
            language: Language::Zh,
        },
        severity_label: "severity".to_owned(),
        repeat_window_secs: None,
        alertmanager_url: None,
        overflow: crate::gateway::Overflow::Split,
    }
}

struct Compiler<'a> {
    templates: &'a mut crate::intake::template::Templates,
    config: &'a Config,
    base_dir: &'a Path,
    problems: &'a mut Vec<Problem>,
}

impl Compiler<'_> {
    fn bad(&mut self, at: String, message: impl Into<String>) {
        self.problems.push((at, message.into()));
    }

    fn route(&mut self, at: &str, name: &str, route: &RouteConfig, parent: &Settings, inherited: &[Target]) -> Route {
        let matchers = route
            .matchers
            .iter()
            .enumerate()
            .filter_map(|(i, text)| Matcher::parse(text).map_err(|e| self.bad(format!("{at}.matchers[{i}]"), e)).ok())
            .collect();
        let settings = self.settings(at, route, parent);
        let mut targets: Vec<Target> = route
            .channels
            .iter()
            .enumerate()
            .map(|(i, t)| self.target(&format!("{at}.channels[{i}]"), t, &settings))
            .collect();
        if targets.is_empty() {
            targets = inherited.to_vec();
        }
        let children = route
            .routes
            .iter()
            .enumerate()
            .map(|(i, child)| {
                let child_at = format!("{at}.routes[{i}]");
                let own = child.name.clone().unwrap_or_else(|| i.to_string());
                if !valid_name(&own) {
                    self.bad(format!("{child_at}.name"), format!("{own:?}: use letters, digits, '-', '_' or '.'"));
                }
                self.route(&child_at, &format!("{name}/{own}"), child, &settings, &targets)
            })
            .collect();
        Route {
            name: name.to_owned(),
            at: at.to_owned(),
            matchers,
            continue_matching: route.continue_matching,
            settings,
            targets,
            children,
        }
    }

    fn settings(&mut self, at: &str, route: &RouteConfig, parent: &Settings) -> Settings {
        let kind = route.kind.unwrap_or(parent.kind);
        let mut template = if kind == parent.kind { parent.template.clone() } else { kind.builtin().to_owned() };
        let mut template_at = if kind == parent.kind { parent.template_at.clone() } else { format!("{at}.kind") };
        match (&route.template, &route.template_file) {
            (Some(_), Some(_)) => self.bad(format!("{at}.template_file"), "set template or template_file, not both"),
            (Some(source), None) => {
                template_at = format!("{at}.template");
                if self.add_template(&template_at, source) {
                    template.clone_from(&template_at);
                }
            }
            (None, Some(file)) => {
                template_at = format!("{at}.template_file");
                let path = self.base_dir.join(file);
                match std::fs::read_to_string(&path) {
                    Ok(source) if self.add_template(&template_at, &source) => template.clone_from(&template_at),
                    Ok(_) => {}
                    Err(e) => self.bad(template_at.clone(), format!("cannot read {}: {e}", path.display())),
                }
            }
            (None, None) => {}
        }
        let mut title = parent.title.clone();
        if let Some(source) = &route.title_template {
            let name = format!("{at}.title_template");
            if self.add_template(&name, source) {
                title = name;
            }
        }
        let mut locale = parent.locale.clone();
        locale.language = route.language.unwrap_or(locale.language);
        if let Some(zone) = &route.time_zone {
            match jiff::tz::TimeZone::get(zone) {
                Ok(tz) => (locale.zone_name, locale.zone) = (zone.clone(), tz),
                Err(e) => self.bad(format!("{at}.time_zone"), format!("{zone:?} is not a time zone: {e}")),
            }
        }
        let repeat_window_secs = match &route.repeat_window {
            Some(text) => repeat_window(text).map_err(|e| self.bad(format!("{at}.repeat_window"), e)).ok(),
            None => parent.repeat_window_secs,
        };
        if let Some(url) = &route.alertmanager_url
            && let Some(problem) = url_problem(url)
        {
            self.bad(format!("{at}.alertmanager_url"), problem);
        }
        Settings {
            kind,
            template,
            title,
            template_at,
            locale,
            severity_label: route.severity_label.clone().unwrap_or_else(|| parent.severity_label.clone()),
            repeat_window_secs,
            alertmanager_url: route.alertmanager_url.clone().or_else(|| parent.alertmanager_url.clone()),
            overflow: route.overflow.unwrap_or(parent.overflow),
        }
    }

    /// Compiles a template at key path `at`, reporting its problem there.
    fn add_template(&mut self, at: &str, source: &str) -> bool {
        match self.templates.add(at, source) {
            Ok(()) => true,
            Err(e) => {
                self.bad(at.to_owned(), format!("template error: {e}"));
                false
            }
        }
    }

    fn target(&mut self, at: &str, target: &super::TargetConfig, settings: &Settings) -> Target {
        let channel = self.config.channel(&target.channel);
        if channel.is_none() && self.config.unusable(&target.channel).is_none() {
            // Unusable channels are reported with their own problem.
            let why = self.config.find_channel(&target.channel).err().unwrap_or_default();
            self.bad(format!("{at}.channel"), why);
        }
        self.recipient_templates(&format!("{at}.to"), &target.to);
        for (severity, to) in &target.severity {
            self.recipient_templates(&format!("{at}.severity.{severity}"), to);
        }
        if channel.is_some_and(|c| c.channel_kind().posts_to_its_group()) {
            let mobiles = !target.to.mention_mobiles.is_empty()
                || target.severity.values().any(|to| !to.mention_mobiles.is_empty());
            let mentions = !target.to.mentions.is_empty() || target.severity.values().any(|to| !to.mentions.is_empty());
            if mobiles && settings.kind != MessageKind::Text {
                self.bad(
                    format!("{at}.to.mention_mobiles"),
                    "robots mention by mobile number only in text messages; set kind = \"text\" or mention by user id",
                );
            }
            if mentions && settings.kind == MessageKind::TemplateCard {
                self.bad(
                    format!("{at}.to.mentions"),
                    "robot template cards cannot mention; use kind = \"markdown\" or \"text\"",
                );
            }
        }
        Target {
            channel: target.channel.clone(),
            at: at.to_owned(),
            to: target.to.clone(),
            severity: target.severity.clone(),
        }
    }

    /// Compiles every recipient string of `to` that is a template, named by its key path.
    fn recipient_templates(&mut self, at: &str, to: &To) {
        for (field, entries) in deliver::recipient_lists(to) {
            for (i, entry) in entries.iter().enumerate() {
                if deliver::is_template(entry) {
                    self.add_template(&format!("{at}.{field}[{i}]"), entry);
                }
            }
        }
    }
}

/// `4h`, `30m`, `1h30m`: whole seconds from 1 to 14400.
fn repeat_window(text: &str) -> Result<u32, String> {
    let duration: jiff::SignedDuration =
        text.parse().map_err(|e| format!("{text:?} is not a duration like \"30m\" or \"4h\": {e}"))?;
    let secs = duration.as_secs();
    match u32::try_from(secs) {
        Ok(s) if (1..=MAX_REPEAT_WINDOW_SECS).contains(&s) && duration.subsec_nanos() == 0 => Ok(s),
        _ => {
            Err(format!("is {text}; it must be whole seconds from 1s to 4h (WeCom's longest duplicate-check interval)"))
        }
    }
}

/// Why `url` cannot be an Alertmanager API address.
fn url_problem(url: &str) -> Option<String> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => None,
        _ => Some(format!("{url:?} is not an http:// or https:// URL")),
    }
}

/// Renders `route` with every built-in sample (as if all its alerts were routed to it) and plans
/// the result for its channels; the first problem per sample kind is reported.
fn sample_problems(route: &Route, templates: &crate::intake::template::Templates, config: &Config) -> Vec<Problem> {
    if route.targets.is_empty() {
        return Vec::new();
    }
    let mut problems: BTreeMap<String, String> = BTreeMap::new();
    for (sample, _, _) in samples::ALL {
        let Some(payload) = samples::named(sample) else { continue };
        let alerts: Vec<_> = payload.notification.alerts.iter().collect();
        let rendered = match deliver::render(route, &payload, &alerts, templates, config, deliver::Mode::Check) {
            Ok(rendered) => rendered,
            Err(e) => {
                problems.entry(e.at).or_insert_with(|| format!("with the built-in {sample} sample: {}", e.message));
                continue;
            }
        };
        for message in rendered {
            let Some(channel) = config.channel(&message.request.channel) else { continue };
            if let Err(e) = crate::gateway::plan(&message.request, channel, 0) {
                let at = match e.field.as_deref() {
                    Some(field) if field.starts_with("to") => format!("{}.{field}", message.target_at),
                    _ => route.settings.template_at.clone(),
                };
                let at = if at.is_empty() { route.at.clone() } else { at };
                problems.entry(at).or_insert_with(|| {
                    format!(
                        "with the built-in {sample} sample, channel {:?} refuses the message: {}",
                        message.request.channel, e.message
                    )
                });
            }
        }
    }
    problems.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::repeat_window;

    #[test]
    fn repeat_windows_are_durations_up_to_four_hours() {
        assert_eq!(repeat_window("4h"), Ok(14_400));
        assert_eq!(repeat_window("30m"), Ok(1800));
        assert_eq!(repeat_window("1h30m"), Ok(5400));
        assert!(repeat_window("5h").unwrap_err().contains("from 1s to 4h"));
        assert!(repeat_window("0s").is_err());
        assert!(repeat_window("soon").unwrap_err().contains("not a duration"));
    }
}
