//! [`CryptoError`]: why a callback could not be verified, decrypted, parsed or built.

use std::fmt;

/// Why a callback request or reply failed, with the code of the official `WXBizMsgCrypt`
/// samples (`ierror.py`) in [`CryptoError::code`].
///
/// No variant carries the token, the AES key or any decrypted text: the `Display` and `Debug`
/// output name the failed step and, for XML, the element concerned.
///
/// The official codes −40003 (compute signature) and −40009 (encode base64) have no variant:
/// those steps cannot fail here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// −40001: `msg_signature` does not match the token, timestamp, nonce and ciphertext.
    #[error("callback signature does not match (-40001)")]
    ValidateSignature,
    /// −40002: the request body (XML or JSON) or the decrypted XML is malformed or lacks a
    /// required element.
    #[error("callback XML/JSON cannot be parsed (-40002): {0}")]
    ParseXml(String),
    /// −40004: the EncodingAESKey is not 43 base64 characters decoding to 32 bytes.
    #[error("illegal EncodingAESKey: it must be 43 base64 characters (-40004)")]
    IllegalAesKey,
    /// −40005: the decrypted receive id (corp id, suite id) is not the expected one.
    #[error("the decrypted receive id is not the expected one (-40005)")]
    ValidateReceiveId,
    /// −40006: the message cannot be encrypted: it is longer than the 32-bit length field allows.
    #[error("message too long to encrypt (-40006)")]
    EncryptAes,
    /// −40007: the ciphertext is empty or not a whole number of AES blocks.
    #[error("ciphertext cannot be decrypted: not a whole number of AES blocks (-40007)")]
    DecryptAes,
    /// −40008: the decrypted buffer is malformed: bad padding, a length field pointing outside
    /// the buffer, or a message that is not UTF-8.
    #[error("decrypted buffer is malformed (-40008): {0}")]
    IllegalBuffer(IllegalBuffer),
    /// −40010: the ciphertext is not valid base64.
    #[error("ciphertext is not valid base64 (-40010)")]
    DecodeBase64,
    /// −40011: a passive reply could not be built (the template card XML is not well formed).
    #[error("reply XML cannot be generated (-40011): {0}")]
    GenerateXml(String),
    /// −40006 (an encryption failure in the official samples): the operating system's random
    /// generator gave no bytes for the prefix.
    #[error("no random bytes for the encryption prefix (-40006)")]
    Random,
}

impl CryptoError {
    /// The code of the official samples: −40001 … −40011.
    pub fn code(&self) -> i32 {
        match self {
            CryptoError::ValidateSignature => -40001,
            CryptoError::ParseXml(_) => -40002,
            CryptoError::IllegalAesKey => -40004,
            CryptoError::ValidateReceiveId => -40005,
            CryptoError::EncryptAes | CryptoError::Random => -40006,
            CryptoError::DecryptAes => -40007,
            CryptoError::IllegalBuffer(_) => -40008,
            CryptoError::DecodeBase64 => -40010,
            CryptoError::GenerateXml(_) => -40011,
        }
    }
}

/// What exactly was wrong with a decrypted buffer ([`CryptoError::IllegalBuffer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IllegalBuffer {
    /// The last byte is not a pad length 1–32, or the pad bytes differ from it.
    Padding,
    /// Shorter than the 16 random bytes plus the 4-byte length.
    TooShort,
    /// The length field points past the end of the buffer.
    Length,
    /// The message bytes are not UTF-8.
    Utf8,
}

impl fmt::Display for IllegalBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IllegalBuffer::Padding => "bad PKCS#7 padding",
            IllegalBuffer::TooShort => "shorter than random and length prefix",
            IllegalBuffer::Length => "message length exceeds the buffer",
            IllegalBuffer::Utf8 => "message is not UTF-8",
        })
    }
}
