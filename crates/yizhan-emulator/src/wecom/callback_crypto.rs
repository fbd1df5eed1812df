//! The emulator's own implementation of WeCom's callback encryption (WeCom docs: 接收消息与事件,
//! 加解密方案), written independently of `yizhan-wecom` so each side checks the other.
//!
//! AES-256-CBC with key = base64(EncodingAESKey + "="), IV = the first 16 key bytes, PKCS#7
//! padding to 32-byte blocks; plaintext `random(16) ‖ len (u32 BE) ‖ msg ‖ corp_id`; signature
//! = hex SHA1 of the sorted concatenation of token, timestamp, nonce and the base64 ciphertext.

use aes::Aes256;
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::array::Array;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use sha1::{Digest, Sha1};

/// WeCom's EncodingAESKeys do not end on a zero bit boundary; decode them leniently.
const LENIENT: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));
const BLOCK: usize = 32;
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The 32-byte AES key of a 43-character EncodingAESKey, or `None` when it is not one.
pub(crate) fn aes_key(encoding_aes_key: &str) -> Option<[u8; 32]> {
    if encoding_aes_key.len() != 43 {
        return None;
    }
    LENIENT.decode(format!("{encoding_aes_key}=")).ok()?.try_into().ok()
}

/// Lowercase hex SHA1 of the sorted `token`, `timestamp`, `nonce` and `encrypted`.
pub(crate) fn signature(token: &str, timestamp: &str, nonce: &str, encrypted: &str) -> String {
    let mut parts = [token, timestamp, nonce, encrypted];
    parts.sort();
    let digest = Sha1::digest(parts.concat().as_bytes());
    hex::encode(digest)
}

/// 16 random alphanumeric bytes, as the official samples use for the prefix.
pub(crate) fn random_prefix() -> [u8; 16] {
    std::array::from_fn(|_| ALNUM[fastrand::usize(..ALNUM.len())])
}

/// Encrypts `msg` for `receive_id` with the given prefix; base64 output.
pub(crate) fn encrypt(key: &[u8; 32], random: &[u8; 16], msg: &str, receive_id: &str) -> String {
    let mut plain = random.to_vec();
    // Callback messages are small XML documents; a 4 GiB one cannot be built here.
    plain.extend_from_slice(&u32::try_from(msg.len()).unwrap_or(u32::MAX).to_be_bytes());
    plain.extend_from_slice(msg.as_bytes());
    plain.extend_from_slice(receive_id.as_bytes());
    let pad = BLOCK - plain.len() % BLOCK;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let iv: [u8; 16] = std::array::from_fn(|i| key[i]);
    let (blocks, _) = Array::slice_as_chunks_mut(&mut plain);
    cbc::Encryptor::<Aes256>::new(&(*key).into(), &iv.into()).encrypt_blocks(blocks);
    STANDARD.encode(plain)
}

/// Decrypts a base64 ciphertext into `(msg, receive_id)`; `None` when anything is malformed.
pub(crate) fn decrypt(key: &[u8; 32], encrypted: &str) -> Option<(String, String)> {
    let mut buf = STANDARD.decode(encrypted).ok()?;
    if buf.is_empty() || buf.len() % 16 != 0 {
        return None;
    }
    let iv: [u8; 16] = std::array::from_fn(|i| key[i]);
    let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
    cbc::Decryptor::<Aes256>::new(&(*key).into(), &iv.into()).decrypt_blocks(blocks);
    let pad = usize::from(*buf.last()?);
    if !(1..=BLOCK).contains(&pad) || pad > buf.len() || buf[buf.len() - pad..].iter().any(|&b| usize::from(b) != pad) {
        return None;
    }
    buf.truncate(buf.len() - pad);
    let len = usize::try_from(u32::from_be_bytes(buf.get(16..20)?.try_into().ok()?)).ok()?;
    let rest = buf.get(20..)?;
    let msg = rest.get(..len)?;
    let receive_id = rest.get(len..)?;
    Some((String::from_utf8(msg.to_vec()).ok()?, String::from_utf8(receive_id.to_vec()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    const ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
    const MSG: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";

    #[test]
    fn official_vector() {
        let key = aes_key(KEY).expect("valid key");
        assert_eq!(encrypt(&key, b"0960688932c47ef1", MSG, "wx5823bf96d3bd56c7"), ENCRYPT);
        assert_eq!(
            signature("QDG6eK", "1409659813", "1372623149", ENCRYPT),
            "477715d11cdb4164915debcba66cb864d751f3e6"
        );
        assert_eq!(decrypt(&key, ENCRYPT), Some((MSG.to_owned(), "wx5823bf96d3bd56c7".to_owned())));
        let echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
        assert_eq!(signature("QDG6eK", "1409659589", "263014780", echostr), "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3");
        assert_eq!(decrypt(&key, echostr).map(|(m, _)| m).as_deref(), Some("1616140317555161061"));
    }

    #[test]
    fn keys_and_garbage() {
        assert!(aes_key("short").is_none());
        assert!(aes_key(&format!("{KEY}A")).is_none());
        let key = aes_key(KEY).expect("valid key");
        assert_eq!(decrypt(&key, ""), None);
        assert_eq!(decrypt(&key, "AAAAAAAAAAAAAAAAAAAAAA=="), None);
        let round = encrypt(&key, &random_prefix(), "é", "");
        assert_eq!(decrypt(&key, &round), Some(("é".to_owned(), String::new())));
    }
}
