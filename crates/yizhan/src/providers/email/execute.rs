//! Executing an `email.smtp_send` dispatch: one SMTP transaction from the channel's sender to
//! the dispatch's address with the persisted MIME message. The reply to `RCPT TO` decides the
//! recipient's outcome through `yizhan_email::reply` (docs/email.md, "Reply codes"): accepted
//! and queued → `delivered`; refused (550, 551, 553, …) → `invalid`; deferred (4yz) → a
//! transient failure the worker retries.

use yizhan_email::RecipientReply;

use super::EmailSender;
use crate::providers::Endpoint;
use crate::providers::outcome::{Delivered, Failed, Handles, outcome};

/// Sends one persisted email.
pub async fn execute(
    sender: &EmailSender,
    endpoint: Endpoint,
    body: &[u8],
    recipients: &[String],
) -> Result<Delivered, Failed> {
    if endpoint != Endpoint::EmailSmtpSend {
        return Err(super::super::foreign_endpoint(endpoint));
    }
    let sent = sender.client.send(&sender.envelope_from, recipients, body).await.map_err(|e| failure(&e))?;
    let mut outcomes = Vec::with_capacity(sent.recipients.len());
    for (address, reply) in &sent.recipients {
        match reply {
            RecipientReply::Accepted => outcomes.push(outcome(address, "delivered")),
            RecipientReply::Refused { .. } => outcomes.push(outcome(address, "invalid")),
            // The only recipient of the call (one per dispatch): retry the whole call.
            RecipientReply::Deferred { code, message } => {
                return Err(Failed {
                    kind: yizhan_email::reply::kind(*code),
                    code: Some(i64::from(*code)),
                    message: format!("RCPT TO {address}: {message}"),
                    ambiguous: false,
                });
            }
        }
    }
    // The server's answer to the data (usually its queue id) is kept as the message's handle,
    // for tracing it in the server's logs.
    let handles = Handles { msgid: sent.queued_as, ..Handles::default() };
    Ok(Delivered { handles, outcomes })
}

/// A failed transaction, classified by the reply table.
fn failure(e: &yizhan_email::Error) -> Failed {
    let failed =
        Failed { kind: e.kind(), code: e.code().map(i64::from), message: e.to_string(), ambiguous: e.is_ambiguous() };
    crate::worker::local::or_local(failed, e)
}
