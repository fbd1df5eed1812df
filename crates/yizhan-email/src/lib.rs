//! Email over SMTP for yizhan (`docs/email.md`): composing the MIME message and sending it with
//! per-recipient outcomes taken from the server's replies.
//!
//! | module | holds |
//! |---|---|
//! | [`compose`] | [`Email`]: from, reply-to, recipients, subject, text, HTML (markdown rendered), attachments, formatted as one MIME message |
//! | [`reply`] | the ONE classification table of SMTP reply codes (RFC 5321 §4.2) |
//! | [`client`] | [`EmailClient`]: connects (STARTTLS, implicit TLS or plain on loopback), authenticates, sends one transaction per call, checks a server |
//!
//! Built on [`lettre`] (rustls only; no OpenSSL). The password is a [`secrecy::SecretString`]:
//! it never shows up in `Debug`, in errors or in logs, and lettre's own logging of the SMTP
//! exchange is not compiled in.
//!
//! ```
//! use yizhan_email::{Body, Email};
//!
//! let email = Email::new("ops@example.com", "Disk full", Body::markdown("**db-3** at 98%"))
//!     .to("alice@example.com");
//! let mime = String::from_utf8(email.format().unwrap()).unwrap();
//! assert!(mime.contains("Subject: Disk full"));
//! assert!(mime.contains("<strong>db-3</strong>"));
//! ```

pub mod client;
pub mod compose;
mod error;
pub mod reply;

pub use client::{EmailClient, Security, SmtpSettings};
pub use compose::{Attachment, Body, Email};
pub use error::Error;
pub use reply::{RecipientReply, Sent};
