//! The `email` provider: an SMTP submission server (docs/email.md).
//!
//! Planning ([`plan`]) formats one MIME message per recipient, persisted as the dispatch body
//! and sent unchanged on every attempt (same `Message-ID`); executing ([`execute`]) runs one SMTP
//! transaction and turns the server's replies into the recipient's outcome through
//! `yizhan_email::reply` (550 to `RCPT TO` → `invalid`; 4yz → retried). Email has no dedupe
//! (a resend after an ambiguous failure is never safe), no recall, no coalescing; its quota is
//! `email_per_minute` per channel, and `channels check` connects, says EHLO and NOOP and
//! authenticates.

pub(crate) mod cli;
pub mod execute;
pub mod plan;

use std::time::Duration;

use yizhan_core::window::Window;
use yizhan_email::{EmailClient, Security, SmtpSettings};

use crate::config::{EmailConfig, EmailSecurity};
use crate::providers::{AnyClient, CheckFailure, Endpoint};
use crate::shaping::config::QuotaLimits;
use crate::shaping::rules::{Budget, CallUnit, MINUTE_MS, unit, windows};

/// The limit on each SMTP step when the registry gives none.
const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// An email channel's client: the SMTP client and the envelope sender.
#[derive(Debug, Clone)]
pub struct EmailSender {
    /// The SMTP client.
    pub client: EmailClient,
    /// The envelope sender (`MAIL FROM`): the address of the channel's `from`.
    pub envelope_from: String,
}

/// The client of `mail`; each SMTP step is limited by `timeout` (the worker's
/// `request_timeout_ms`), else 10 s.
pub fn client(mail: &EmailConfig, timeout: Option<Duration>) -> Result<EmailSender, yizhan_email::Error> {
    let security = security(mail);
    let mut settings = SmtpSettings::new(mail.host.clone(), security);
    settings.port = port(mail);
    settings.username.clone_from(&mail.username);
    settings.password.clone_from(&mail.password);
    settings.hello_name.clone_from(&mail.hello_name);
    settings.allow_plain_remote = mail.allow_plain_remote;
    settings.timeout = timeout.unwrap_or(DEFAULT_STEP_TIMEOUT);
    Ok(EmailSender { client: EmailClient::new(settings)?, envelope_from: envelope_from(&mail.from)? })
}

/// The client's protection mode for the configured one.
fn security(mail: &EmailConfig) -> Security {
    match mail.security {
        EmailSecurity::Starttls => Security::StartTls,
        EmailSecurity::Tls => Security::Tls,
        EmailSecurity::Plain => Security::Plain,
    }
}

/// The port: the configured one, else the mode's usual port.
fn port(mail: &EmailConfig) -> u16 {
    mail.port.unwrap_or(security(mail).default_port())
}

/// The bare address of a `from` such as `"yizhan <ops@example.com>"`.
fn envelope_from(from: &str) -> Result<String, yizhan_email::Error> {
    yizhan_email::compose::address_of("from", from)
}

/// The quota scope: `email:<host>:<port>:<from address>`; no secret in it.
pub fn quota_scope(mail: &EmailConfig) -> String {
    let from = envelope_from(&mail.from).unwrap_or_else(|_| mail.from.clone());
    format!("email:{}:{}:{from}", mail.host, port(mail))
}

/// The per-call units: every message on `<scope>` (`email_per_minute`, default 30).
pub fn quota_rules(scope: &str, limits: &QuotaLimits) -> (Vec<Window>, Vec<CallUnit>) {
    let sender = unit(scope.to_owned(), windows(&[(limits.email_per_minute, MINUTE_MS)]), Budget::Robot);
    (Vec::new(), sender.into_iter().collect())
}

/// The per-call budget of a call to `endpoint`.
pub fn quota_budget(endpoint: Endpoint) -> Option<Budget> {
    (endpoint == Endpoint::EmailSmtpSend).then_some(Budget::Robot)
}

/// `yizhan channels check`: connect with the configured TLS, EHLO, NOOP and AUTH.
pub async fn check(client: Option<&AnyClient>) -> Result<String, CheckFailure> {
    let Some(AnyClient::Email(sender)) = client else {
        return Err(CheckFailure {
            kind: yizhan_core::FailureKind::Permanent,
            text: "the channel has no email client".to_owned(),
            explanation: Vec::new(),
        });
    };
    sender.client.check().await.map_err(|e| {
        let mut explanation = Vec::new();
        if let Some(meaning) = e.code().and_then(yizhan_email::reply::describe) {
            explanation.push(format!("SMTP {}: {meaning}", e.code().unwrap_or_default()));
        }
        if e.code().is_some_and(|c| c == 535 || c == 534) {
            explanation
                .push("fix: check username and password (an app password where the provider wants one)".to_owned());
        }
        CheckFailure { kind: e.kind(), text: e.to_string(), explanation }
    })
}

/// `email host=… port=… security=… from=… auth=…` (`yizhan config check`); never the password.
pub fn summary(c: &EmailConfig) -> String {
    format!(
        "email host={} port={} security={:?} from={} auth={}",
        c.host,
        port(c),
        c.security,
        c.from,
        c.username.as_deref().unwrap_or("none")
    )
}

/// Where a dry run's message would go: `smtp://host:port` (`smtps://` with implicit TLS).
pub fn call_url(c: &EmailConfig) -> String {
    let scheme = match c.security {
        EmailSecurity::Starttls => "smtp+starttls",
        EmailSecurity::Tls => "smtps",
        EmailSecurity::Plain => "smtp",
    };
    format!("{scheme}://{}:{}", c.host, port(c))
}

/// The problems of an `email` section: `(key, message)`, never echoing the password.
pub fn config_problems(c: &EmailConfig) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if let Err(yizhan_email::Error::Invalid { problem, .. }) = envelope_from(&c.from) {
        problems.push(("from", problem));
    }
    if let Some(Err(yizhan_email::Error::Invalid { problem, .. })) =
        c.reply_to.as_deref().map(|r| yizhan_email::compose::address_of("reply_to", r))
    {
        problems.push(("reply_to", problem));
    }
    if let Err(yizhan_email::Error::Invalid { field, problem }) = client(c, None).map(|_| ()) {
        match field.as_str() {
            "security" => problems.push(("security", problem)),
            "username" => problems.push(("username", problem)),
            "host" => problems.push(("host", problem)),
            _ => {} // `from`, reported above
        }
    }
    problems
}
