//! [`Envelope`]: the outer, unencrypted body of a pushed callback message.
//!
//! XML (the default): `<xml><ToUserName><![CDATA[corpid]]></ToUserName><Encrypt><![CDATA[…]]>
//! </Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`; JSON (with `callback_format=json`):
//! `{"tousername":"corpid","encrypt":"…","agentid":218}`. A body whose first non-blank byte is
//! `{` is read as JSON, anything else as XML.

use serde_json::Value;

use super::error::CryptoError;
use super::xml;

/// The outer body of a pushed callback message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `ToUserName` / `tousername`: the receiving corp id (or suite id), when present.
    pub to_user_name: Option<String>,
    /// `Encrypt` / `encrypt`: the base64 ciphertext the signature covers.
    pub encrypt: String,
    /// `AgentID` / `agentid` as text (a JSON number is written in decimal); `None` when absent
    /// or empty (directory events carry no agent).
    pub agent_id: Option<String>,
}

impl Envelope {
    /// Reads an XML or JSON envelope; [`CryptoError::ParseXml`] when it is malformed or has no
    /// non-empty `Encrypt`.
    pub fn parse(body: &[u8]) -> Result<Self, CryptoError> {
        let text = std::str::from_utf8(body).map_err(|_| CryptoError::ParseXml("body is not UTF-8".to_owned()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let envelope = if text.trim_start().starts_with('{') { Self::from_json(text)? } else { Self::from_xml(text)? };
        if envelope.encrypt.is_empty() {
            return Err(CryptoError::ParseXml("Encrypt is empty".to_owned()));
        }
        Ok(envelope)
    }

    fn from_xml(text: &str) -> Result<Self, CryptoError> {
        let root = xml::parse(text)?;
        let encrypt = root.text_of("Encrypt").ok_or_else(|| CryptoError::ParseXml("no <Encrypt>".to_owned()))?;
        Ok(Envelope {
            to_user_name: root.text_of("ToUserName").map(str::to_owned),
            encrypt: encrypt.trim().to_owned(),
            agent_id: root.text_of("AgentID").map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned),
        })
    }

    fn from_json(text: &str) -> Result<Self, CryptoError> {
        let malformed = |what: &str| CryptoError::ParseXml(what.to_owned());
        let Value::Object(map) = serde_json::from_str(text).map_err(|_| malformed("malformed JSON body"))? else {
            return Err(malformed("JSON body is not an object"));
        };
        let encrypt = match map.get("encrypt") {
            Some(Value::String(s)) => s.trim().to_owned(),
            _ => return Err(malformed("no \"encrypt\" string")),
        };
        let agent_id = match map.get("agentid") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => None,
        };
        let to_user_name = map.get("tousername").and_then(Value::as_str).map(str::to_owned);
        Ok(Envelope { to_user_name, encrypt, agent_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_xml_and_json() {
        let xml = b"<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt>\
            <AgentID><![CDATA[218]]></AgentID></xml>";
        let json = br#" {"tousername":"ww1","encrypt":"abc=","agentid":218}"#;
        for body in [&xml[..], &json[..]] {
            let e = Envelope::parse(body).expect("valid");
            assert_eq!(e.to_user_name.as_deref(), Some("ww1"));
            assert_eq!((e.encrypt.as_str(), e.agent_id.as_deref()), ("abc=", Some("218")));
        }
        let no_agent = Envelope::parse(b"<xml><Encrypt>x</Encrypt><AgentID></AgentID></xml>").expect("valid");
        assert_eq!(no_agent.agent_id, None);
    }

    #[test]
    fn rejects_bodies_without_encrypt() {
        for body in [
            &b""[..],
            b"{}",
            b"[]",
            br#"{"encrypt":1}"#,
            b"<xml><ToUserName>a</ToUserName></xml>",
            b"<xml><Encrypt></Encrypt></xml>",
            b"\xff",
        ] {
            assert!(matches!(Envelope::parse(body), Err(CryptoError::ParseXml(_))), "{body:?}");
        }
    }
}
