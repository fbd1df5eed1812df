//! Encrypted passive replies: what an app may answer (HTTP 200) to a pushed callback.
//!
//! [`PassiveReply::to_xml`] builds the plaintext reply — a text message, `update_button`
//! (replaces the clicking member's button text) or `update_template_card` (replaces the whole
//! card for the clicking member) — and [`CallbackCrypto::encrypt_reply`] wraps it as
//! `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`. An empty body means "no reply".
//!
//! ```
//! use yizhan_wecom::callback::{CallbackCrypto, CallbackMessage, PassiveReply};
//!
//! let crypto = CallbackCrypto::new("yizhandemotoken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wwyizhandemo")?;
//! let reply = PassiveReply::update_button("已处理").to_xml("alice", "wwyizhandemo", 1_700_000_000);
//! let sealed = crypto.encrypt_reply(&reply, 1_700_000_000, "nonce")?;
//! let body = sealed.to_xml(); // answer this with HTTP 200
//! // The same scheme decrypts it again:
//! let plain = crypto.decrypt_message(&sealed.msg_signature, "1700000000", "nonce", body.as_bytes())?;
//! assert!(matches!(CallbackMessage::parse(&plain)?, CallbackMessage::Other { msg_type, .. } if msg_type == "update_button"));
//! # Ok::<(), yizhan_wecom::callback::CryptoError>(())
//! ```

use serde_json::json;

use super::crypto::{CallbackCrypto, RANDOM_LEN};
use super::error::CryptoError;
use super::xml::{self, push_cdata, push_cdata_element};

/// The plaintext of a passive reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PassiveReply {
    /// `MsgType` `text` with `Content`.
    Text {
        /// The text shown to the member.
        content: String,
    },
    /// `MsgType` `update_button`: the clicked button of this member becomes `replace_name`.
    UpdateButton {
        /// `Button/ReplaceName`: the new button text, e.g. `已处理`.
        replace_name: String,
    },
    /// `MsgType` `update_template_card`: the whole card for this member.
    UpdateTemplateCard {
        /// The well-formed `<TemplateCard>…</TemplateCard>` element.
        template_card_xml: String,
    },
}

impl PassiveReply {
    /// A text reply.
    pub fn text(content: impl Into<String>) -> Self {
        PassiveReply::Text { content: content.into() }
    }

    /// An `update_button` reply.
    pub fn update_button(replace_name: impl Into<String>) -> Self {
        PassiveReply::UpdateButton { replace_name: replace_name.into() }
    }

    /// An `update_template_card` reply from raw XML: either a whole `<TemplateCard>…</TemplateCard>`
    /// element or its content (`<CardType>…</CardType><MainTitle>…`), which is then wrapped.
    /// [`CryptoError::GenerateXml`] when the XML is not well formed.
    pub fn update_template_card(template_card_xml: impl Into<String>) -> Result<Self, CryptoError> {
        let raw = template_card_xml.into();
        if xml::parse(&raw).is_ok_and(|root| root.name == "TemplateCard") {
            return Ok(PassiveReply::UpdateTemplateCard { template_card_xml: raw });
        }
        let wrapped = format!("<TemplateCard>{raw}</TemplateCard>");
        match xml::parse(&wrapped) {
            Ok(_) => Ok(PassiveReply::UpdateTemplateCard { template_card_xml: wrapped }),
            Err(CryptoError::ParseXml(why)) => Err(CryptoError::GenerateXml(why)),
            Err(other) => Err(other),
        }
    }

    /// `MsgType` of the reply.
    pub fn msg_type(&self) -> &'static str {
        match self {
            PassiveReply::Text { .. } => "text",
            PassiveReply::UpdateButton { .. } => "update_button",
            PassiveReply::UpdateTemplateCard { .. } => "update_template_card",
        }
    }

    /// The plaintext reply XML. `to_user` is the member (the message's `FromUserName`),
    /// `from_user` the corp id (its `ToUserName`), `create_time` epoch seconds.
    pub fn to_xml(&self, to_user: &str, from_user: &str, create_time: i64) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("<xml>");
        push_cdata_element(&mut out, "ToUserName", to_user);
        push_cdata_element(&mut out, "FromUserName", from_user);
        out.push_str(&format!("<CreateTime>{create_time}</CreateTime>"));
        push_cdata_element(&mut out, "MsgType", self.msg_type());
        match self {
            PassiveReply::Text { content } => push_cdata_element(&mut out, "Content", content),
            PassiveReply::UpdateButton { replace_name } => {
                out.push_str("<Button>");
                push_cdata_element(&mut out, "ReplaceName", replace_name);
                out.push_str("</Button>");
            }
            PassiveReply::UpdateTemplateCard { template_card_xml } => out.push_str(template_card_xml),
        }
        out.push_str("</xml>");
        out
    }
}

/// An encrypted passive reply, ready to serialize as the response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedReply {
    /// Base64 ciphertext of the reply XML.
    pub encrypt: String,
    /// Signature over token, timestamp, nonce and `encrypt`.
    pub msg_signature: String,
    /// Epoch seconds that were signed.
    pub timestamp: i64,
    /// The nonce that was signed.
    pub nonce: String,
}

impl EncryptedReply {
    /// `<xml><Encrypt><![CDATA[…]]></Encrypt><MsgSignature><![CDATA[…]]></MsgSignature>
    /// <TimeStamp>…</TimeStamp><Nonce><![CDATA[…]]></Nonce></xml>`.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(self.encrypt.len() + 160);
        out.push_str("<xml>");
        push_cdata_element(&mut out, "Encrypt", &self.encrypt);
        push_cdata_element(&mut out, "MsgSignature", &self.msg_signature);
        out.push_str(&format!("<TimeStamp>{}</TimeStamp><Nonce>", self.timestamp));
        push_cdata(&mut out, &self.nonce);
        out.push_str("</Nonce></xml>");
        out
    }

    /// The JSON form (`callback_format=json`): `{"encrypt","msgsignature","timestamp","nonce"}`.
    pub fn to_json(&self) -> String {
        json!({
            "encrypt": self.encrypt,
            "msgsignature": self.msg_signature,
            "timestamp": self.timestamp,
            "nonce": self.nonce,
        })
        .to_string()
    }
}

impl CallbackCrypto {
    /// Encrypts and signs a reply (usually [`PassiveReply::to_xml`]) with a random prefix.
    pub fn encrypt_reply(&self, reply_xml: &str, timestamp: i64, nonce: &str) -> Result<EncryptedReply, CryptoError> {
        let encrypt = self.encrypt(reply_xml)?;
        Ok(self.seal(encrypt, timestamp, nonce))
    }

    /// [`CallbackCrypto::encrypt_reply`] with a fixed random prefix: deterministic, for tests.
    pub fn encrypt_reply_with_random(
        &self,
        reply_xml: &str,
        timestamp: i64,
        nonce: &str,
        random: &[u8; RANDOM_LEN],
    ) -> Result<EncryptedReply, CryptoError> {
        let encrypt = self.encrypt_with_random(reply_xml, random)?;
        Ok(self.seal(encrypt, timestamp, nonce))
    }

    fn seal(&self, encrypt: String, timestamp: i64, nonce: &str) -> EncryptedReply {
        let msg_signature = self.signature(&timestamp.to_string(), nonce, &encrypt);
        EncryptedReply { encrypt, msg_signature, timestamp, nonce: nonce.to_owned() }
    }
}
