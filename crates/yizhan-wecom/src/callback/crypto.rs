//! [`CallbackCrypto`]: WeCom's callback encryption scheme (WeCom docs: 接收消息与事件, 加解密方案,
//! `WXBizMsgCrypt`).
//!
//! * AES key = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with the IV = the first 16
//!   key bytes and PKCS#7 padding to **32-byte** blocks, applied by hand.
//! * Plaintext = `random(16) ‖ msg_len (u32, big-endian) ‖ msg ‖ receive_id`; the ciphertext
//!   travels base64-encoded.
//! * `msg_signature` = lowercase hex SHA1 of the lexicographically sorted concatenation of
//!   token, timestamp, nonce and the base64 ciphertext; compared in constant time.
//!
//! Decryption never panics: every length is checked, every pad byte is validated and the
//! receive id must be the expected one. [`CallbackCrypto::decrypt_message`] checks the
//! signature *before* decrypting, so callers without the token learn nothing about padding.

use std::borrow::Cow;
use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::array::Array;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use sha1::{Digest, Sha1};

use super::envelope::Envelope;
use super::error::{CryptoError, IllegalBuffer};

/// Length of an EncodingAESKey (43 base64 characters).
pub const ENCODING_AES_KEY_LEN: usize = 43;
/// PKCS#7 block size of the scheme: 32 bytes (not the AES block size).
pub const PAD_BLOCK: usize = 32;
/// Length of the random prefix of every plaintext.
pub const RANDOM_LEN: usize = 16;

/// Random prefix plus the 4-byte length.
const PREFIX_LEN: usize = RANDOM_LEN + 4;
const AES_BLOCK: usize = 16;
const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// EncodingAESKeys end in a character whose low bits are not zero (the official demo key ends in
/// `C`), so the key is decoded leniently; ciphertexts are decoded strictly.
const KEY_BASE64: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));

type Encryptor = cbc::Encryptor<Aes256>;
type Decryptor = cbc::Decryptor<Aes256>;

/// Verifies, decrypts and encrypts WeCom callback messages for one callback configuration.
///
/// `Debug` shows only the receive id; the token and the key never appear in any output.
///
/// ```
/// use yizhan_wecom::callback::CallbackCrypto;
///
/// let crypto = CallbackCrypto::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// // GET ?msg_signature=..&timestamp=..&nonce=..&echostr=.. (the framework URL-decodes):
/// let echo = crypto.verify_url(
///     "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
///     "1409659589",
///     "263014780",
///     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
/// )?;
/// assert_eq!(echo, "1616140317555161061"); // answer it raw with HTTP 200
/// # Ok::<(), yizhan_wecom::callback::CryptoError>(())
/// ```
#[derive(Clone)]
pub struct CallbackCrypto {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl fmt::Debug for CallbackCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackCrypto").field("receive_id", &self.receive_id).finish_non_exhaustive()
    }
}

impl CallbackCrypto {
    /// A configuration from the console's Token and EncodingAESKey; `receive_id` is the corp id
    /// for self-built apps (the suite id for third-party instruction callbacks, empty for
    /// personally-owned third-party apps).
    ///
    /// Fails with [`CryptoError::IllegalAesKey`] unless the key is 43 base64 characters.
    pub fn new(
        token: impl Into<String>,
        encoding_aes_key: &str,
        receive_id: impl Into<String>,
    ) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != ENCODING_AES_KEY_LEN {
            return Err(CryptoError::IllegalAesKey);
        }
        let decoded = KEY_BASE64.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptoError::IllegalAesKey)?;
        let key: [u8; 32] = decoded.try_into().map_err(|_| CryptoError::IllegalAesKey)?;
        Ok(Self { token: token.into(), key, receive_id: receive_id.into() })
    }

    /// The receive id decrypted messages must carry.
    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    /// The `msg_signature` of `encrypted` (base64) sent with `timestamp` and `nonce`: lowercase
    /// hex SHA1 of the sorted concatenation of token, timestamp, nonce and `encrypted`.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypted: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, encrypted];
        parts.sort_unstable();
        let mut sha1 = Sha1::new();
        for part in parts {
            sha1.update(part.as_bytes());
        }
        hex::encode(sha1.finalize())
    }

    /// Checks `msg_signature` (lowercase hex, as WeCom sends it) against
    /// [`CallbackCrypto::signature`] in constant time
    /// ([`CryptoError::ValidateSignature`] when it differs).
    pub fn verify_signature(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> Result<(), CryptoError> {
        let expected = self.signature(timestamp, nonce, encrypted);
        if constant_time_eq(expected.as_bytes(), msg_signature.as_bytes()) {
            Ok(())
        } else {
            Err(CryptoError::ValidateSignature)
        }
    }

    /// Encrypts `msg` with 16 random alphanumeric characters as the prefix, drawn from the
    /// operating system's cryptographic generator. Base64 output.
    pub fn encrypt(&self, msg: &str) -> Result<String, CryptoError> {
        self.encrypt_with_random(msg, &random_prefix()?)
    }

    /// Encrypts `msg` with the given random prefix: deterministic, for tests and vectors.
    /// Fails ([`CryptoError::EncryptAes`]) only for messages of 4 GiB or more.
    pub fn encrypt_with_random(&self, msg: &str, random: &[u8; RANDOM_LEN]) -> Result<String, CryptoError> {
        let len = u32::try_from(msg.len()).map_err(|_| CryptoError::EncryptAes)?;
        let unpadded = PREFIX_LEN + msg.len() + self.receive_id.len();
        let pad = PAD_BLOCK - unpadded % PAD_BLOCK;
        let mut buf = Vec::with_capacity(unpadded + pad);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&len.to_be_bytes());
        buf.extend_from_slice(msg.as_bytes());
        buf.extend_from_slice(self.receive_id.as_bytes());
        // `pad` is 1..=32, so the cast cannot truncate.
        buf.resize(unpadded + pad, pad as u8);
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        Encryptor::new(&self.key.into(), &self.iv().into()).encrypt_blocks(blocks);
        Ok(STANDARD.encode(&buf))
    }

    /// Decrypts a base64 ciphertext and returns the message, after checking the padding, the
    /// length field and the receive id. Does not check any signature.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CryptoError> {
        let mut buf = STANDARD.decode(encrypted).map_err(|_| CryptoError::DecodeBase64)?;
        if buf.is_empty() || buf.len() % AES_BLOCK != 0 {
            return Err(CryptoError::DecryptAes);
        }
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
        Decryptor::new(&self.key.into(), &self.iv().into()).decrypt_blocks(blocks);
        let plain = unpad(&buf).map_err(CryptoError::IllegalBuffer)?;
        let (msg, receive_id) = split(plain).map_err(CryptoError::IllegalBuffer)?;
        if receive_id != self.receive_id.as_bytes() {
            return Err(CryptoError::ValidateReceiveId);
        }
        String::from_utf8(msg.to_vec()).map_err(|_| CryptoError::IllegalBuffer(IllegalBuffer::Utf8))
    }

    /// URL verification (`GET …?msg_signature&timestamp&nonce&echostr`, parameters already
    /// URL-decoded): verifies the signature over `echostr` and returns the plaintext to answer
    /// raw with HTTP 200 within one second. A space in `echostr` is read as `+` (a `+` that was
    /// not percent-encoded and got form-decoded).
    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<String, CryptoError> {
        let echostr =
            if echostr.contains(' ') { Cow::Owned(echostr.replace(' ', "+")) } else { Cow::Borrowed(echostr) };
        self.verify_signature(msg_signature, timestamp, nonce, &echostr)?;
        self.decrypt(&echostr)
    }

    /// A pushed message (`POST …?msg_signature&timestamp&nonce`): reads `Encrypt` from the body
    /// — XML `<xml><ToUserName/><Encrypt/><AgentID/></xml>` or JSON
    /// `{"tousername","encrypt","agentid"}` — verifies the signature and returns the decrypted
    /// XML (parse it with [`CallbackMessage::parse`](super::CallbackMessage::parse)).
    pub fn decrypt_message(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &[u8],
    ) -> Result<String, CryptoError> {
        let envelope = Envelope::parse(body)?;
        self.verify_signature(msg_signature, timestamp, nonce, &envelope.encrypt)?;
        self.decrypt(&envelope.encrypt)
    }

    fn iv(&self) -> [u8; AES_BLOCK] {
        std::array::from_fn(|i| self.key[i])
    }
}

/// Strips 32-byte PKCS#7 padding, checking every pad byte.
fn unpad(buf: &[u8]) -> Result<&[u8], IllegalBuffer> {
    let n = usize::from(*buf.last().ok_or(IllegalBuffer::Padding)?);
    if n == 0 || n > PAD_BLOCK || n > buf.len() {
        return Err(IllegalBuffer::Padding);
    }
    let (plain, pad) = buf.split_at(buf.len() - n);
    if pad.iter().any(|&b| usize::from(b) != n) {
        return Err(IllegalBuffer::Padding);
    }
    Ok(plain)
}

/// Splits `random ‖ len ‖ msg ‖ receive_id` into the message and the receive id.
fn split(plain: &[u8]) -> Result<(&[u8], &[u8]), IllegalBuffer> {
    let (prefix, rest) = plain.split_at_checked(PREFIX_LEN).ok_or(IllegalBuffer::TooShort)?;
    let len = u32::from_be_bytes([prefix[16], prefix[17], prefix[18], prefix[19]]);
    let len = usize::try_from(len).map_err(|_| IllegalBuffer::Length)?;
    rest.split_at_checked(len).ok_or(IllegalBuffer::Length)
}

/// Equal length and equal bytes, in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(subtle::ConstantTimeEq::ct_eq(a, b))
}

/// 16 alphanumeric characters from the OS's cryptographic generator; bytes that would bias
/// the choice (248 and above: 4 × 62) are drawn again.
fn random_prefix() -> Result<[u8; RANDOM_LEN], CryptoError> {
    let limit = u8::try_from(ALPHANUMERIC.len() * 4).unwrap_or(u8::MAX);
    let mut out = [0u8; RANDOM_LEN];
    let mut filled = 0;
    while filled < RANDOM_LEN {
        let mut pool = [0u8; 32];
        getrandom::fill(&mut pool).map_err(|_| CryptoError::Random)?;
        for b in pool.into_iter().filter(|&b| b < limit) {
            if let Some(slot) = out.get_mut(filled) {
                *slot = ALPHANUMERIC[usize::from(b) % ALPHANUMERIC.len()];
                filled += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_validated_byte_by_byte() {
        assert_eq!(unpad(&[1, 2, 3, 2, 2]), Ok(&[1, 2, 3][..]));
        assert_eq!(unpad(&[1, 3, 2]), Err(IllegalBuffer::Padding), "pad byte differs");
        assert_eq!(unpad(&[0]), Err(IllegalBuffer::Padding));
        assert_eq!(unpad(&[33; 40]), Err(IllegalBuffer::Padding), "pad above 32");
        assert_eq!(unpad(&[5, 5]), Err(IllegalBuffer::Padding), "pad longer than buffer");
        assert_eq!(unpad(&[]), Err(IllegalBuffer::Padding));
        assert_eq!(unpad(&[32; 32]), Ok(&[][..]));
    }

    #[test]
    fn layout_bounds() {
        assert_eq!(split(&[0; 19]), Err(IllegalBuffer::TooShort));
        let mut plain = vec![0; 16];
        plain.extend_from_slice(&3u32.to_be_bytes());
        plain.extend_from_slice(b"abcid");
        assert_eq!(split(&plain), Ok((&b"abc"[..], &b"id"[..])));
        plain[19] = 6;
        assert_eq!(split(&plain), Err(IllegalBuffer::Length));
        plain[16] = 0xff;
        assert_eq!(split(&plain), Err(IllegalBuffer::Length));
    }

    #[test]
    fn random_prefixes_are_alphanumeric_and_differ() {
        let (a, b) = (random_prefix().expect("random"), random_prefix().expect("random"));
        assert!(a.iter().chain(&b).all(|c| ALPHANUMERIC.contains(c)));
        assert_ne!(a, b, "two draws of 16 characters from 62 do not collide");
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
