//! Executing a `wecom_app` dispatch: `message/send` (per-recipient outcomes, msgid and card
//! response_code handles), `appchat/send` and `message/update_template_card`.

use bytes::Bytes;
use yizhan_wecom::api::{appchat, update_template_card};
use yizhan_wecom::{PreparedSend, WecomClient};

use crate::providers::outcome::{Delivered, Failed, Handles, outcome, undecodable};
use crate::providers::wecom::wecom_failure;
use crate::providers::{Endpoint, Recipient};

/// Sends one persisted `wecom_app` body.
pub async fn execute(
    c: &WecomClient,
    endpoint: Endpoint,
    body: &[u8],
    recipients: &[String],
) -> Result<Delivered, Failed> {
    match endpoint {
        Endpoint::WecomMessageSend => {
            // The client never resends after an ambiguous failure itself: the worker does, as an
            // attempt of its own (decide(), with the resend safety stored with the dispatch at
            // planning), so that the attempt log holds every send whose outcome is unknown and a
            // later permanent answer cannot hide it (the message then stays "outcome unknown").
            let prepared = PreparedSend { body: Bytes::copy_from_slice(body), resend_is_safe: false };
            let receipt = c.send_prepared(&prepared).await.map_err(wecom_failure)?;
            // Gateway plans label recipients `user:<id>`, `party:<id>`, `tag:<id>`.
            let outcome_of = |r: &String| {
                let (invalid, id) = match Recipient::parse(r) {
                    Recipient::Party(id) => (&receipt.invalid_parties, id),
                    Recipient::Tag(id) => (&receipt.invalid_tags, id),
                    Recipient::User(id) => (&receipt.invalid_users, id),
                    _ => (&receipt.invalid_users, r.as_str()),
                };
                let lower = id.to_lowercase();
                if invalid.iter().any(|i| i.to_lowercase() == lower) {
                    "invalid"
                } else if receipt.unlicensed_users.contains(&lower) {
                    "unlicensed"
                } else {
                    "delivered"
                }
            };
            let outcomes = recipients.iter().map(|r| outcome(r, outcome_of(r))).collect();
            let handles = Handles {
                msgid: Some(receipt.msgid.clone()).filter(|m| !m.is_empty()),
                response_code: receipt.response_code.clone(),
                taskid: None,
            };
            Ok(Delivered { handles, outcomes })
        }
        Endpoint::WecomAppchatSend => {
            let request: appchat::SendRequest =
                serde_json::from_slice(body).map_err(|e| undecodable(endpoint.name(), &e))?;
            c.send_to_chat(&request).await.map_err(wecom_failure)?;
            Ok(Delivered::to_all(recipients))
        }
        Endpoint::WecomUpdateTemplateCard => {
            // The code in the body is used up only by a successful call, so a retry after a
            // failure sends the same body (docs/alerts.md, "Card lifecycle").
            let request: update_template_card::Request =
                serde_json::from_slice(body).map_err(|e| undecodable(endpoint.name(), &e))?;
            c.update_template_card(&request).await.map_err(wecom_failure)?;
            Ok(Delivered::to_all(recipients))
        }
        other => Err(super::super::foreign_endpoint(other)),
    }
}

/// Whether `failed` says WeCom refused every recipient of the call: `message/send` 81013 ("all
/// of user, party and tag invalid").
pub fn refused_every_recipient(endpoint: Endpoint, failed: &Failed) -> bool {
    endpoint == Endpoint::WecomMessageSend && failed.code == Some(81013)
}
