//! Everything a callback endpoint feeds with network input must not panic: envelope parsing,
//! signature checks, base64, AES, the padding and layout checks, and the event XML parser.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use yizhan_wecom::callback::{CallbackCrypto, CallbackMessage, Envelope, PassiveReply};

const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

fuzz_target!(|data: &[u8]| {
    let Ok(crypto) = CallbackCrypto::new("QDG6eK", KEY, "wx5823bf96d3bd56c7") else { return };
    let text = String::from_utf8_lossy(data);
    let _ = Envelope::parse(data);
    let _ = crypto.decrypt_message(&text, "1409659813", "1372623149", data);
    let _ = crypto.verify_url(&text, "1", "2", &text);
    let _ = crypto.decrypt(&text);
    // Whole AES blocks reach the padding, length and receive-id checks.
    let _ = crypto.decrypt(&STANDARD.encode(data));
    let _ = CallbackMessage::parse(&text);
    let _ = PassiveReply::update_template_card(text.as_ref());
    let _ = CallbackCrypto::new(text.as_ref(), &text, "r");
});
