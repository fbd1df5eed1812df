//! Receiving WeCom callbacks: URL verification, encrypted messages and events, encrypted
//! passive replies (WeCom docs: 接收消息与事件, 加解密方案). No I/O: plug it into any HTTP server.
//!
//! | step | request | API |
//! |---|---|---|
//! | URL verification | `GET url?msg_signature&timestamp&nonce&echostr` | [`CallbackCrypto::verify_url`] → answer the plaintext raw, HTTP 200, within 1 s |
//! | message / event push | `POST url?msg_signature&timestamp&nonce`, XML or JSON [`Envelope`] | [`CallbackCrypto::decrypt_message`] → [`CallbackMessage::parse`]; answer HTTP 200 within 5 s (else WeCom retries, 3 attempts in all) |
//! | passive reply | the body of that 200 | [`PassiveReply::to_xml`] → [`CallbackCrypto::encrypt_reply`] → [`EncryptedReply::to_xml`]; empty body = no reply |
//!
//! Failures are [`CryptoError`]s carrying the official `WXBizMsgCrypt` codes (−40001 …).
//! Nothing here panics on any input: property tests (`tests/callback_crypto.rs`) and a
//! cargo-fuzz target (`fuzz/`, `cargo +nightly fuzz run callback`) check it.
//!
//! ```
//! use yizhan_wecom::callback::{CallbackCrypto, CallbackMessage};
//!
//! let crypto = CallbackCrypto::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
//! let xml = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[mycreate]]></FromUserName>\
//!     <CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>\
//!     <MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>";
//! // What WeCom would POST:
//! let encrypt = crypto.encrypt(xml)?;
//! let signature = crypto.signature("1409659813", "1372623149", &encrypt);
//! let body = format!("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>");
//! // What the app does with it:
//! let plain = crypto.decrypt_message(&signature, "1409659813", "1372623149", body.as_bytes())?;
//! let CallbackMessage::Text { from_user, content, .. } = CallbackMessage::parse(&plain)? else { unreachable!() };
//! assert_eq!((from_user.as_str(), content.as_str()), ("mycreate", "hello"));
//! # Ok::<(), yizhan_wecom::callback::CryptoError>(())
//! ```

mod crypto;
mod envelope;
mod error;
mod event;
mod reply;
mod xml;

pub use crypto::{CallbackCrypto, ENCODING_AES_KEY_LEN, PAD_BLOCK, RANDOM_LEN};
pub use envelope::Envelope;
pub use error::{CryptoError, IllegalBuffer};
pub use event::{CallbackMessage, SelectedItem, TEMPLATE_CARD_EVENT, TEMPLATE_CARD_MENU_EVENT};
pub use reply::{EncryptedReply, PassiveReply};
