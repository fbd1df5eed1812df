//! Message templates: MiniJinja (Jinja2 syntax), one environment holding the built-in templates
//! and every template of the configuration, each under the key path that configured it
//! (`routes[0].template`, `routes[0].channels[1].to.users[0]`).
//!
//! * Blocks trim their own line (`trim_blocks`, `lstrip_blocks`); nothing is auto-escaped
//!   (use `tojson` to write JSON).
//! * A variable or attribute that does not exist renders empty (`{{ labels.owner }}` for an
//!   alert without `owner`); `default("…")` supplies a fallback.
//! * Filters added to MiniJinja's built-ins: `datetime(format="%Y-%m-%d %H:%M:%S %Z")` formats an
//!   RFC 3339 time in the route's time zone (strftime directives of jiff).
//! * [`Templates::add`] compiles a template and checks that every filter and test it names
//!   exists, so `yizhan config check` reports an unknown filter on a branch no sample reaches.
//!
//! The variables templates see are in [`context`] and in `docs/alerts.md`.

pub mod builtin;
pub mod context;

use minijinja::machinery::Instruction;
use minijinja::{Environment, ErrorKind, State, Value};

/// The template environment of a configuration.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.env.templates().map(|(name, _)| name).collect();
        f.debug_struct("Templates").field("names", &names).finish()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl Templates {
    /// The environment with the built-in templates ([`builtin`]) and filters.
    pub fn new() -> Templates {
        let mut env = Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build();
        env.set_syntax(syntax.unwrap_or_default());
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_filter("datetime", datetime);
        let mut templates = Templates { env };
        for (name, source) in builtin::ALL {
            // The built-ins are checked by this module's tests.
            if let Err(e) = templates.add(name, source) {
                tracing::error!(template = name, error = %e, "a built-in template does not compile");
            }
        }
        templates
    }

    /// Compiles `source` as the template `name` and checks that the filters and tests it uses
    /// exist. The error names the line.
    pub fn add(&mut self, name: &str, source: &str) -> Result<(), String> {
        self.env.add_template_owned(name.to_owned(), source.to_owned()).map_err(|e| describe(&e))?;
        let unknown = self.unknown_names(name);
        if let Some((what, unknown, line)) = unknown {
            self.env.remove_template(name);
            return Err(format!("unknown {what} `{unknown}` (line {line})"));
        }
        Ok(())
    }

    /// Whether a template called `name` was added.
    pub fn has(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, String> {
        let template = self.env.get_template(name).map_err(|e| describe(&e))?;
        template.render(ctx).map_err(|e| describe(&e))
    }

    /// The first filter or test of template `name` that the environment does not have:
    /// (`filter` or `test`, its name, its line).
    fn unknown_names(&self, name: &str) -> Option<(&'static str, String, usize)> {
        let template = self.env.get_template(name).ok()?;
        let compiled = minijinja::machinery::get_compiled_template(&template);
        let blocks = std::iter::once(&compiled.instructions).chain(compiled.blocks.values());
        for instructions in blocks {
            let mut index = 0;
            while let Some(instruction) = instructions.get(index) {
                let found = match instruction {
                    Instruction::ApplyFilter(filter, ..) => Some(("filter", *filter)),
                    Instruction::PerformTest(test, ..) => Some(("test", *test)),
                    _ => None,
                };
                if let Some((what, used)) = found
                    && !self.exists(what, used)
                {
                    return Some((what, used.to_owned(), instructions.get_line(index).unwrap_or(0)));
                }
                index += 1;
            }
        }
        None
    }

    /// Whether the filter or test `name` exists: an expression applying it to nothing fails
    /// with "unknown filter/test" only when it does not.
    fn exists(&self, what: &str, name: &str) -> bool {
        let source = if what == "filter" { format!("none|{name}") } else { format!("none is {name}") };
        match self.env.compile_expression_owned(source) {
            Ok(expression) => match expression.eval(()) {
                Err(e) => !matches!(e.kind(), ErrorKind::UnknownFilter | ErrorKind::UnknownTest),
                Ok(_) => true,
            },
            Err(_) => true,
        }
    }
}

/// A MiniJinja error as one line: what, and where (template line).
fn describe(e: &minijinja::Error) -> String {
    let mut text = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    if let Some(line) = e.line() {
        text.push_str(&format!(" (line {line})"));
    }
    text
}

/// `datetime(value, format)`: an RFC 3339 time in the route's time zone (`time_zone` of the
/// context). A value that is not a time is returned unchanged.
fn datetime(state: &State<'_, '_>, value: Value, format: Option<String>) -> String {
    let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
    let Ok(timestamp) = text.parse::<jiff::Timestamp>() else { return text };
    let zone = state
        .lookup("time_zone")
        .and_then(|z| z.as_str().and_then(|z| jiff::tz::TimeZone::get(z).ok()))
        .unwrap_or(jiff::tz::TimeZone::UTC);
    context::format_time(timestamp, &zone, format.as_deref().unwrap_or(context::TIME_FORMAT))
}

#[cfg(test)]
mod tests;
