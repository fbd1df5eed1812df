//! The callback crypto against the official test vector (WeCom docs: 加解密方案), its error codes,
//! and property tests: round trips, and no panic on arbitrary input (the fuzz target).

#![allow(clippy::unwrap_used)]

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use yizhan_wecom::callback::{CallbackCrypto, CallbackMessage, CryptoError, Envelope, IllegalBuffer};

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wx5823bf96d3bd56c7";

const URL_SIGNATURE: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
const URL_TIMESTAMP: &str = "1409659589";
const URL_NONCE: &str = "263014780";
const ECHOSTR: &str = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

const POST_SIGNATURE: &str = "477715d11cdb4164915debcba66cb864d751f3e6";
const POST_TIMESTAMP: &str = "1409659813";
const POST_NONCE: &str = "1372623149";
const POST_RANDOM: &[u8; 16] = b"0960688932c47ef1";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wecom").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn crypto() -> CallbackCrypto {
    CallbackCrypto::new(TOKEN, KEY, CORP).unwrap()
}

fn post_encrypt() -> String {
    Envelope::parse(fixture("callback.envelope.xml").as_bytes()).unwrap().encrypt
}

#[test]
fn official_url_verification_vector() {
    let c = crypto();
    assert_eq!(c.signature(URL_TIMESTAMP, URL_NONCE, ECHOSTR), URL_SIGNATURE);
    assert_eq!(c.verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE, ECHOSTR).unwrap(), "1616140317555161061");
    let form_decoded = ECHOSTR.replace('+', " ");
    assert_eq!(c.verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE, &form_decoded).unwrap(), "1616140317555161061");
}

#[test]
fn official_post_vector_decrypts_and_reencrypts_exactly() {
    let c = crypto();
    let body = fixture("callback.envelope.xml");
    let encrypt = post_encrypt();
    assert_eq!(c.signature(POST_TIMESTAMP, POST_NONCE, &encrypt), POST_SIGNATURE);
    let plain = c.decrypt_message(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, body.as_bytes()).unwrap();
    assert_eq!(plain, fixture("callback.text.xml"));
    assert_eq!(plain.len(), 284);
    assert_eq!(c.encrypt_with_random(&plain, POST_RANDOM).unwrap(), encrypt);
    let json = format!(r#"{{"tousername":"{CORP}","encrypt":"{encrypt}","agentid":218}}"#);
    assert_eq!(c.decrypt_message(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, json.as_bytes()).unwrap(), plain);
    let CallbackMessage::Text { to_user, from_user, create_time, msg_id, agent_id, content } =
        CallbackMessage::parse(&plain).unwrap()
    else {
        panic!("not a text message")
    };
    assert_eq!((to_user.as_str(), from_user.as_str(), content.as_str()), (CORP, "mycreate", "hello"));
    assert_eq!((create_time, msg_id.as_str(), agent_id), (1409659813, "4561255354251345929", Some(218)));
}

#[test]
fn debug_and_errors_never_show_secrets() {
    let c = crypto();
    let debug = format!("{c:?}");
    assert!(debug.contains(CORP) && !debug.contains(TOKEN) && !debug.contains(KEY), "{debug}");
    let err = c.verify_url("0".repeat(40).as_str(), URL_TIMESTAMP, URL_NONCE, ECHOSTR).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TOKEN) && !shown.contains(KEY) && !shown.contains("1616140317555161061"), "{shown}");
}

#[test]
fn illegal_keys() {
    for key in ["", "short", &KEY[..42], &format!("{KEY}A"), "!WmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"] {
        let err = CallbackCrypto::new(TOKEN, key, CORP).unwrap_err();
        assert_eq!((err.clone(), err.code()), (CryptoError::IllegalAesKey, -40004), "{key:?}");
    }
}

#[test]
fn tampered_signature_is_40001() {
    let c = crypto();
    let body = fixture("callback.envelope.xml");
    let mut bad = POST_SIGNATURE.to_owned();
    bad.replace_range(..1, "5");
    for sig in [bad.as_str(), "", &POST_SIGNATURE[..39], &POST_SIGNATURE.to_uppercase()] {
        let err = c.decrypt_message(sig, POST_TIMESTAMP, POST_NONCE, body.as_bytes()).unwrap_err();
        assert_eq!((err.clone(), err.code()), (CryptoError::ValidateSignature, -40001));
    }
    let err = c.decrypt_message(POST_SIGNATURE, "1409659814", POST_NONCE, body.as_bytes()).unwrap_err();
    assert_eq!(err, CryptoError::ValidateSignature, "timestamp is signed");
    let other_token = CallbackCrypto::new("other", KEY, CORP).unwrap();
    assert_eq!(
        other_token.verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE, ECHOSTR),
        Err(CryptoError::ValidateSignature)
    );
}

#[test]
fn wrong_receive_id_is_40005() {
    let c = CallbackCrypto::new(TOKEN, KEY, "wwsomeoneelse").unwrap();
    let err = c.verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE, ECHOSTR).unwrap_err();
    assert_eq!((err.clone(), err.code()), (CryptoError::ValidateReceiveId, -40005));
    let prefix = CallbackCrypto::new(TOKEN, KEY, &CORP[..10]).unwrap();
    assert_eq!(prefix.decrypt(ECHOSTR), Err(CryptoError::ValidateReceiveId));
}

/// Encrypts raw plaintext bytes with the vector key, bypassing the layout and padding.
fn raw_ciphertext(plain: &[u8]) -> String {
    use aes::Aes256;
    use cbc::cipher::array::Array;
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
    let key = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::general_purpose::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    )
    .decode(format!("{KEY}="))
    .unwrap();
    let mut buf = plain.to_vec();
    let (blocks, rest) = Array::slice_as_chunks_mut(&mut buf);
    assert!(rest.is_empty());
    cbc::Encryptor::<Aes256>::new_from_slices(&key, &key[..16]).unwrap().encrypt_blocks(blocks);
    STANDARD.encode(buf)
}

fn layout(msg: &[u8], receive_id: &[u8]) -> Vec<u8> {
    let mut plain = b"0123456789abcdef".to_vec();
    plain.extend_from_slice(&u32::try_from(msg.len()).unwrap().to_be_bytes());
    plain.extend_from_slice(msg);
    plain.extend_from_slice(receive_id);
    plain
}

#[test]
fn bad_padding_is_40008() {
    let c = crypto();
    let mut plain = layout(b"hi", CORP.as_bytes());
    let n = 32 - plain.len() % 32;
    plain.extend(std::iter::repeat_n(u8::try_from(n).unwrap(), n));
    assert_eq!(c.decrypt(&raw_ciphertext(&plain)).unwrap(), "hi", "the helper is right");
    let mut one_bad = plain.clone();
    let at = one_bad.len() - n;
    one_bad[at] ^= 1;
    let mut zero = plain.clone();
    *zero.last_mut().unwrap() = 0;
    let mut over = layout(b"hi", CORP.as_bytes());
    over.resize(64, 33);
    for bad in [one_bad, zero, over] {
        let err = c.decrypt(&raw_ciphertext(&bad)).unwrap_err();
        assert_eq!((err.clone(), err.code()), (CryptoError::IllegalBuffer(IllegalBuffer::Padding), -40008));
    }
}

#[test]
fn malformed_layouts_are_40008() {
    let c = crypto();
    let pad = |mut p: Vec<u8>| {
        let n = 32 - p.len() % 32;
        p.extend(std::iter::repeat_n(u8::try_from(n).unwrap(), n));
        p
    };
    let mut long = layout(b"hi", CORP.as_bytes());
    long[19] = 200;
    assert_eq!(c.decrypt(&raw_ciphertext(&pad(long))), Err(CryptoError::IllegalBuffer(IllegalBuffer::Length)));
    assert_eq!(c.decrypt(&raw_ciphertext(&pad(vec![7; 10]))), Err(CryptoError::IllegalBuffer(IllegalBuffer::TooShort)));
    let not_utf8 = layout(&[0xff, 0xfe], CORP.as_bytes());
    assert_eq!(c.decrypt(&raw_ciphertext(&pad(not_utf8))), Err(CryptoError::IllegalBuffer(IllegalBuffer::Utf8)));
}

#[test]
fn truncated_and_garbled_ciphertexts() {
    let c = crypto();
    let encrypt = post_encrypt();
    let bytes = STANDARD.decode(&encrypt).unwrap();
    // A whole AES block cut off: the pad byte is now ciphertext garbage (or, rarely, the length is).
    let err = c.decrypt(&STANDARD.encode(&bytes[..bytes.len() - 16])).unwrap_err();
    assert_eq!(err.code(), -40008, "{err}");
    let err = c.decrypt(&STANDARD.encode(&bytes[..bytes.len() - 5])).unwrap_err();
    assert_eq!((err.clone(), err.code()), (CryptoError::DecryptAes, -40007));
    assert_eq!(c.decrypt(""), Err(CryptoError::DecryptAes));
    let err = c.decrypt(&encrypt[..encrypt.len() - 3]).unwrap_err();
    assert_eq!((err.clone(), err.code()), (CryptoError::DecodeBase64, -40010));
    assert_eq!(c.decrypt("not base64!"), Err(CryptoError::DecodeBase64));
    let err = c.decrypt_message(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, b"<xml><Encrypt>").unwrap_err();
    assert_eq!(err.code(), -40002);
}

#[test]
fn encryption_pads_to_32_bytes() {
    let c = crypto();
    for len in 0..70 {
        let msg = "x".repeat(len);
        let bytes = STANDARD.decode(c.encrypt(&msg).unwrap()).unwrap();
        assert_eq!(bytes.len() % 32, 0);
        assert!(bytes.len() > 20 + len + CORP.len(), "at least one pad byte");
        assert!(bytes.len() <= 20 + len + CORP.len() + 32);
        assert_eq!(c.decrypt(&STANDARD.encode(&bytes)).unwrap(), msg);
    }
    assert_ne!(c.encrypt("same").unwrap(), c.encrypt("same").unwrap(), "random prefix");
}

proptest! {
    #[test]
    fn round_trip(msg in any::<String>(), receive_id in any::<String>(), random in any::<[u8; 16]>(),
                  timestamp in "[0-9]{1,12}", nonce in "[0-9a-zA-Z]{0,16}") {
        let c = CallbackCrypto::new(TOKEN, KEY, receive_id.clone()).unwrap();
        let encrypt = c.encrypt_with_random(&msg, &random).unwrap();
        prop_assert_eq!(c.decrypt(&encrypt).unwrap(), msg.clone());
        let signature = c.signature(&timestamp, &nonce, &encrypt);
        prop_assert!(c.verify_signature(&signature, &timestamp, &nonce, &encrypt).is_ok());
        let body = format!("<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
        prop_assert_eq!(c.decrypt_message(&signature, &timestamp, &nonce, body.as_bytes()).unwrap(), msg);
    }

    /// The fuzz target: nothing reachable from network input panics.
    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                                    text in any::<String>(), sig in any::<String>(), key in any::<String>()) {
        let c = crypto();
        let lossy = String::from_utf8_lossy(&bytes);
        let _ = c.decrypt_message(&sig, &text, &lossy, &bytes);
        let _ = c.verify_url(&sig, &text, "n", &text);
        let _ = c.decrypt(&text);
        let _ = c.decrypt(&STANDARD.encode(&bytes));
        let _ = c.verify_signature(&sig, &text, &lossy, &text);
        let _ = CallbackMessage::parse(&text);
        let _ = CallbackMessage::parse(&lossy);
        let _ = Envelope::parse(&bytes);
        let _ = CallbackCrypto::new(&text, &key, "r");
    }

    /// Arbitrary ciphertext whose length is a multiple of 16 reaches the padding and layout checks.
    #[test]
    fn arbitrary_blocks_never_panic(blocks in proptest::collection::vec(any::<[u8; 16]>(), 1..12)) {
        let bytes: Vec<u8> = blocks.concat();
        let result = crypto().decrypt(&STANDARD.encode(&bytes));
        if let Err(e) = result {
            prop_assert!(matches!(e.code(), -40008 | -40005), "{e}");
        }
    }
}
