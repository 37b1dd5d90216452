//! Standard Webhooks 1.0 signatures: `webhook-signature: v1,<base64 of
//! HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")>`, one
//! per secret, space-separated while a rotated secret still signs.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The secret text's prefix.
const PREFIX: &str = "whsec_";

/// How many random bytes a new secret has; the scheme allows 24 to 64.
const NEW_SECRET_BYTES: usize = 32;

/// A signing secret: its bytes, written `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

/// The text is not `whsec_` and the base64 of 24 to 64 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is whsec_ followed by the base64 of 24 to 64 bytes")]
pub struct InvalidSecret;

impl Secret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; NEW_SECRET_BYTES];
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    pub fn parse(text: &str) -> Result<Self, InvalidSecret> {
        let encoded = text.strip_prefix(PREFIX).ok_or(InvalidSecret)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| InvalidSecret)?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(InvalidSecret);
        }
        Ok(Self(bytes))
    }

    /// `v1,<signature>` of one delivery.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // Any key length is valid for HMAC; a secret holds 24 to 64 bytes.
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", STANDARD.encode(&self.0))
    }
}

/// Never printed in logs or panics: the secret is a credential.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The `webhook-signature` header of one delivery, signed by every secret
/// given (the current one first, then a rotated one in its grace period).
pub fn signature_header(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    let signatures: Vec<String> = secrets.iter().map(|s| s.sign(id, timestamp, body)).collect();
    signatures.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secret and the expected signature come from the reference
    /// implementation, the `standardwebhooks` 1.3.0 package on PyPI:
    /// `Webhook(secret).sign("evt_01JEHQ2ZQ3J6W7T4D8V1S2R3PA",
    /// datetime.fromtimestamp(1733570000, timezone.utc),
    /// '{"type":"user.created"}')`.
    #[test]
    fn a_signature_matches_the_reference_implementation() {
        let secret = Secret::parse("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let signed = secret.sign(
            "evt_01JEHQ2ZQ3J6W7T4D8V1S2R3PA",
            1_733_570_000,
            br#"{"type":"user.created"}"#,
        );
        assert_eq!(signed, "v1,ZPN4C5j81WqbW5fCLz2ohHQQffBywnqy6yoYdDj7nis=");
    }

    #[test]
    fn two_secrets_sign_side_by_side_current_first() {
        let (new, old) = (Secret::generate(), Secret::generate());
        let header = signature_header(&[&new, &old], "evt_x", 1, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts, vec![new.sign("evt_x", 1, b"{}"), old.sign("evt_x", 1, b"{}")]);
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn a_generated_secret_reads_back_from_its_text() {
        let secret = Secret::generate();
        let text = secret.to_string();
        assert!(text.starts_with("whsec_"), "{text}");
        assert_eq!(Secret::parse(&text), Ok(secret.clone()));
        assert_eq!(format!("{secret:?}"), "Secret(…)");
    }

    #[test]
    fn secrets_outside_the_scheme_are_refused() {
        let of = |n: usize| format!("whsec_{}", STANDARD.encode(vec![7u8; n]));
        for bad in [
            of(23),
            of(65),
            STANDARD.encode([7u8; 32]),
            "whsec_not base64!".to_owned(),
            "whsec_".to_owned(),
        ] {
            assert_eq!(Secret::parse(&bad), Err(InvalidSecret), "{bad}");
        }
        assert!(Secret::parse(&of(24)).is_ok() && Secret::parse(&of(64)).is_ok());
    }
}
