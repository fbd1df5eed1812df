//! Key names without secrets: SHA-256 of what they identify.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `text`.
pub(crate) fn hash_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(super::hash_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
