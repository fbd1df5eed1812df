//! [`EmailClient`]: one SMTP transaction per call over a fresh connection — connect (implicit
//! TLS, or plain then STARTTLS), EHLO, AUTH when credentials are set, `MAIL FROM`, one
//! `RCPT TO` per recipient (each reply classified on its own by [`crate::reply`]), `DATA` when
//! at least one recipient was accepted, `QUIT`.
//!
//! Plain SMTP (no TLS) is allowed to a loopback host only, unless the settings say so
//! explicitly (`allow_plain_remote`); certificate verification is never disabled
//! (`docs/email.md`, "Security").

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Noop, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;
use crate::reply::{RecipientReply, Sent};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with `STARTTLS` (RFC 3207) before anything else is sent;
    /// refused when the server does not offer it. Default port 587.
    StartTls,
    /// TLS from the first byte (implicit TLS, RFC 8314). Default port 465.
    Tls,
    /// No TLS: loopback hosts only unless explicitly allowed. Default port 25.
    Plain,
}

impl Security {
    /// The usual port of this mode.
    pub const fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::Plain => 25,
        }
    }
}

/// Where and how to submit mail.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The server's host name (checked against its certificate) or address.
    pub host: String,
    /// The port.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// The user name for AUTH (PLAIN or LOGIN), if the server wants one.
    pub username: Option<String>,
    /// The password for AUTH. Never printed.
    pub password: Option<SecretString>,
    /// The name sent with EHLO; default: this machine's host name.
    pub hello_name: Option<String>,
    /// Limit on each step of the exchange (connecting, each command and its reply).
    pub timeout: Duration,
    /// Allow [`Security::Plain`] to a host that is not loopback (a relay on a trusted network).
    pub allow_plain_remote: bool,
}

impl SmtpSettings {
    /// Settings for `host` with `security` on its usual port, no AUTH, 10 s per step.
    pub fn new(host: impl Into<String>, security: Security) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port: security.default_port(),
            security,
            username: None,
            password: None,
            hello_name: None,
            timeout: Duration::from_secs(10),
            allow_plain_remote: false,
        }
    }
}

/// Whether `host` is a loopback name or address.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An SMTP client for one server.
#[derive(Debug, Clone)]
pub struct EmailClient {
    settings: SmtpSettings,
}

impl EmailClient {
    /// A client for `settings`; refuses plain SMTP to a remote host unless allowed, and a
    /// password without a user name (or the reverse).
    pub fn new(settings: SmtpSettings) -> Result<EmailClient, Error> {
        if settings.security == Security::Plain && !settings.allow_plain_remote && !is_loopback(&settings.host) {
            return Err(Error::invalid(
                "security",
                format!(
                    "\"plain\" sends without TLS and is allowed to a loopback host only, not {:?}; use \"starttls\" or \
                     \"tls\", or set allow_plain_remote = true for a relay on a trusted network",
                    settings.host
                ),
            ));
        }
        if settings.username.is_some() != settings.password.is_some() {
            return Err(Error::invalid("username", "username and password go together"));
        }
        if settings.host.trim().is_empty() {
            return Err(Error::invalid("host", "is empty"));
        }
        Ok(EmailClient { settings })
    }

    /// The settings.
    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// Sends the formatted message `mime` from the envelope sender `from` to each of `to`
    /// (envelope recipients) in one transaction. Recipients the server refuses or defers are
    /// reported in [`Sent::recipients`]; the message goes to the accepted ones. A failure of the
    /// connection or of a command for the whole transaction is an [`Error`].
    pub async fn send(&self, from: &str, to: &[String], mime: &[u8]) -> Result<Sent, Error> {
        let from: Address = from.parse().map_err(|_| Error::invalid("from", "is not an email address"))?;
        let mut addresses = Vec::with_capacity(to.len());
        for (i, address) in to.iter().enumerate() {
            let parsed: Address =
                address.parse().map_err(|_| Error::invalid(format!("to[{i}]"), "is not an email address"))?;
            addresses.push(parsed);
        }
        if addresses.is_empty() {
            return Err(Error::invalid("to", "names no recipient"));
        }
        let mut conn = self.connect().await?;
        let result = self.transaction(&mut conn, from, to, addresses, mime).await;
        if result.is_ok() {
            let _ = self.step("QUIT", false, conn.quit()).await;
        } else {
            conn.abort().await;
        }
        result
    }

    async fn transaction(
        &self,
        conn: &mut AsyncSmtpConnection,
        from: Address,
        to: &[String],
        addresses: Vec<Address>,
        mime: &[u8],
    ) -> Result<Sent, Error> {
        let mut parameters = Vec::new();
        if !mime.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        self.step("MAIL FROM", false, conn.command(Mail::new(Some(from), parameters))).await?;
        let mut recipients = Vec::with_capacity(to.len());
        for (label, address) in to.iter().zip(addresses) {
            let negative = match self.step("RCPT TO", false, conn.command(Rcpt::new(address, Vec::new()))).await {
                Ok(_) => None,
                Err(Error::Reply { code, message, .. }) => Some((code, message)),
                Err(other) => return Err(other),
            };
            let Some(reply) = RecipientReply::classify(negative.clone()) else {
                let (code, message) = negative.unwrap_or_default();
                return Err(Error::Reply { code, command: "RCPT TO", message });
            };
            recipients.push((label.clone(), reply));
        }
        if !recipients.iter().any(|(_, r)| *r == RecipientReply::Accepted) {
            return Ok(Sent { recipients, queued_as: None });
        }
        self.step("DATA", false, conn.command(Data)).await?;
        let queued = self.step("end of data", true, conn.message(mime)).await?;
        Ok(Sent { recipients, queued_as: Some(queued.message().collect::<Vec<_>>().join(" ")) })
    }

    /// Checks the server without sending anything: connects (with TLS as configured), EHLO,
    /// NOOP, and AUTH when credentials are set. Returns what was verified.
    pub async fn check(&self) -> Result<String, Error> {
        let mut conn = self.connect().await?;
        let result = self.step("NOOP", false, conn.command(Noop)).await;
        match result {
            Ok(_) => {
                let _ = self.step("QUIT", false, conn.quit()).await;
                let tls = if conn.is_encrypted() { "TLS" } else { "no TLS" };
                let auth = if self.settings.username.is_some() { ", AUTH accepted" } else { "" };
                Ok(format!("EHLO and NOOP answered ({tls}{auth})"))
            }
            Err(e) => {
                conn.abort().await;
                Err(e)
            }
        }
    }

    /// A connection ready for a transaction: TLS as configured, EHLO done, authenticated.
    async fn connect(&self) -> Result<AsyncSmtpConnection, Error> {
        let s = &self.settings;
        let hello = s.hello_name.clone().map_or_else(ClientId::default, ClientId::Domain);
        let implicit = match s.security {
            Security::Tls => Some(self.tls()?),
            Security::StartTls | Security::Plain => None,
        };
        let connect =
            AsyncSmtpConnection::connect_tokio1((s.host.as_str(), s.port), Some(s.timeout), &hello, implicit, None);
        let mut conn = self.step("connect", false, connect).await?;
        if s.security == Security::StartTls {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(Error::Connection {
                    command: "STARTTLS",
                    message: "the server does not offer STARTTLS; refusing to continue without TLS".to_owned(),
                    ambiguous: false,
                    tls: true,
                });
            }
            let tls = self.tls()?;
            self.step("STARTTLS", false, conn.starttls(tls, &hello)).await?;
        }
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            let credentials = Credentials::new(user.clone(), password.expose_secret().to_owned());
            let auth = conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials);
            if let Err(e) = self.step("AUTH", false, auth).await {
                conn.abort().await;
                return Err(e);
            }
        }
        Ok(conn)
    }

    fn tls(&self) -> Result<TlsParameters, Error> {
        TlsParameters::new(self.settings.host.clone()).map_err(|e| Error::Connection {
            command: "TLS",
            message: e.to_string(),
            ambiguous: false,
            tls: true,
        })
    }

    /// Runs one step of the exchange under the per-step limit and maps lettre's error. A
    /// failure of the last step (`ambiguous_if_lost`: the message was written) with no reply
    /// read is ambiguous: the server may have queued it.
    async fn step<T>(
        &self,
        command: &'static str,
        ambiguous_if_lost: bool,
        future: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.settings.timeout, future).await {
            Err(_) => Err(Error::Connection {
                command,
                message: format!("no answer within {} ms", self.settings.timeout.as_millis()),
                ambiguous: ambiguous_if_lost,
                tls: false,
            }),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(map_error(command, ambiguous_if_lost, &e)),
        }
    }
}

/// lettre's error as ours: a reply with its code and text, or a connection failure.
fn map_error(command: &'static str, ambiguous_if_lost: bool, e: &lettre::transport::smtp::Error) -> Error {
    let text = std::error::Error::source(e).map_or_else(|| e.to_string(), ToString::to_string);
    match e.status() {
        Some(code) => Error::Reply { code: u16::from(code), command, message: text },
        None => Error::Connection {
            command,
            message: e.to_string(),
            ambiguous: ambiguous_if_lost && !e.is_client(),
            tls: e.is_tls(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_is_for_loopback_unless_allowed() {
        assert!(EmailClient::new(SmtpSettings::new("127.0.0.1", Security::Plain)).is_ok());
        assert!(EmailClient::new(SmtpSettings::new("localhost", Security::Plain)).is_ok());
        assert!(EmailClient::new(SmtpSettings::new("[::1]", Security::Plain)).is_ok());
        let remote = EmailClient::new(SmtpSettings::new("smtp.example.com", Security::Plain));
        assert!(matches!(remote, Err(Error::Invalid { ref field, .. }) if field == "security"), "{remote:?}");
        let mut allowed = SmtpSettings::new("relay.internal", Security::Plain);
        allowed.allow_plain_remote = true;
        assert!(EmailClient::new(allowed).is_ok());
        assert!(EmailClient::new(SmtpSettings::new("smtp.example.com", Security::StartTls)).is_ok());
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let mut s = SmtpSettings::new("smtp.example.com", Security::Tls);
        s.username = Some("ops".into());
        s.password = Some(SecretString::from("hunter2-secret"));
        let client = EmailClient::new(s).expect("valid");
        assert!(!format!("{client:?}").contains("hunter2"));
    }
}
