//! Secrets at rest: an AES-256-GCM envelope for provider keys (SPEC §16, DESIGN "Secrets").
//!
//! A sealed value is text: `aos1.<key id>.<base64(nonce ‖ ciphertext ‖ tag)>`. Each value gets a
//! fresh random 96-bit nonce. The key id (derived from the key itself, so nobody has to number
//! keys by hand) says which master key sealed it, so the master key can be rotated: the new key
//! seals, the old ones stay in the [`Keyring`] to open what they sealed until it is re-sealed.
//! The caller's context (the workspace id and what the value is) is bound as associated data,
//! so a ciphertext copied into another workspace's row, or from one provider's row to another's,
//! fails to open instead of handing one tenant another's key.
//!
//! What this module must not do: log, print or `Debug` a key or a plaintext.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

const VERSION: &str = "aos1";
const NONCE_LEN: usize = 12;

/// A 256-bit master key. Never printed.
#[derive(Clone)]
pub struct MasterKey {
    id: String,
    cipher: Aes256Gcm,
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let id = hex::encode(&Sha256::new().chain_update(b"agency-os key id").chain_update(bytes).finalize()[..4]);
        Self { id, cipher: Aes256Gcm::new(&bytes.into()) }
    }

    /// Parses the configured form: standard base64 of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let raw = B64.decode(text.trim()).map_err(|_| SecretError::BadKey("is not base64"))?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| SecretError::BadKey("must decode to exactly 32 bytes"))?;
        Ok(Self::from_bytes(bytes))
    }

    /// A fresh random key (the OS-seeded CSPRNG).
    pub fn generate() -> Self {
        Self::from_bytes(random_key())
    }

    /// The key id sealed values carry; not secret (a truncated hash of the key).
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// 32 random bytes, for writing a new key file.
pub fn random_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut k);
    k
}

/// The base64 form [`MasterKey::from_base64`] reads.
pub fn encode_key(bytes: &[u8; 32]) -> String {
    B64.encode(bytes)
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, ****)", self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    #[error("the secret key {0}")]
    BadKey(&'static str),
    #[error("the stored secret is not in a form we wrote")]
    Malformed,
    #[error("the stored secret was sealed with a key we no longer have (key id {0})")]
    UnknownKey(String),
    /// Wrong key, tampered value, or a value moved to another workspace or provider.
    #[error("the stored secret does not open with our key in this context")]
    Undecryptable,
}

/// The current sealing key and the older keys still accepted for opening. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Keyring(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    current: MasterKey,
    previous: Vec<MasterKey>,
}

impl Keyring {
    pub fn new(current: MasterKey, previous: Vec<MasterKey>) -> Self {
        Self(Arc::new(Inner { current, previous }))
    }

    /// A keyring with a random key that lives as long as the process: for tests and for tools
    /// that never read what another process sealed.
    pub fn ephemeral() -> Self {
        Self::new(MasterKey::generate(), Vec::new())
    }

    pub fn current_id(&self) -> &str {
        self.0.current.id()
    }

    /// Seals `plaintext` under the current key, bound to `context` (e.g. workspace id and
    /// provider): only the same context opens it.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> String {
        let key = &self.0.current;
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = key
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: context })
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{VERSION}.{}.{}", key.id(), B64.encode(out))
    }

    /// Opens what [`Keyring::seal`] produced with the same context.
    pub fn open(&self, context: &[u8], sealed: &str) -> Result<Vec<u8>, SecretError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SecretError::Malformed);
        };
        let key = std::iter::once(&self.0.current)
            .chain(&self.0.previous)
            .find(|k| k.id() == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_string()))?;
        let raw = B64.decode(body).map_err(|_| SecretError::Malformed)?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(SecretError::Malformed);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        key.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: context })
            .map_err(|_| SecretError::Undecryptable)
    }

    /// Whether a key with this id (the current or a previous one) is configured.
    pub fn knows(&self, id: &str) -> bool {
        std::iter::once(&self.0.current).chain(&self.0.previous).any(|k| k.id() == id)
    }

    /// Whether a sealed value was written by an older key and should be re-sealed.
    pub fn is_stale(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1) != Some(self.current_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_in_the_context_it_was_sealed_for() {
        let ring = Keyring::ephemeral();
        let sealed = ring.seal(b"ws-a|apollo", b"sk_live_123");
        assert!(sealed.starts_with(&format!("aos1.{}.", ring.current_id())));
        assert!(!sealed.contains("sk_live_123"));
        assert_eq!(ring.open(b"ws-a|apollo", &sealed).unwrap(), b"sk_live_123");
        assert_eq!(ring.open(b"ws-b|apollo", &sealed), Err(SecretError::Undecryptable));
        assert_eq!(ring.open(b"ws-a|hunter", &sealed), Err(SecretError::Undecryptable));
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let ring = Keyring::ephemeral();
        assert_ne!(ring.seal(b"c", b"same"), ring.seal(b"c", b"same"));
    }

    #[test]
    fn a_tampered_or_foreign_value_is_refused() {
        let ring = Keyring::ephemeral();
        let sealed = ring.seal(b"c", b"secret");
        let mut bytes = sealed.clone().into_bytes();
        // A character in the middle of the body: all six of its bits are data (the last
        // characters may carry padding bits, which the decoder refuses as malformed instead).
        let middle = sealed.rfind('.').unwrap() + 20;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        assert_eq!(ring.open(b"c", &String::from_utf8(bytes).unwrap()), Err(SecretError::Undecryptable));
        assert_eq!(ring.open(b"c", "plain text"), Err(SecretError::Malformed));
        let other = Keyring::ephemeral();
        assert!(matches!(other.open(b"c", &sealed), Err(SecretError::UnknownKey(_))));
    }

    #[test]
    fn after_rotation_old_values_still_open_and_are_reported_stale() {
        let old = MasterKey::generate();
        let before = Keyring::new(old.clone(), vec![]);
        let sealed = before.seal(b"c", b"secret");
        let after = Keyring::new(MasterKey::generate(), vec![old]);
        assert_eq!(after.open(b"c", &sealed).unwrap(), b"secret");
        assert!(after.is_stale(&sealed));
        assert!(!after.is_stale(&after.seal(b"c", b"secret")));
    }

    #[test]
    fn keys_parse_from_base64_and_never_print() {
        let bytes = [7u8; 32];
        let k = MasterKey::from_base64(&encode_key(&bytes)).unwrap();
        let shown = format!("{k:?}");
        assert!(shown.contains("****") && !shown.contains(&encode_key(&bytes)), "{shown}");
        assert!(matches!(MasterKey::from_base64("c2hvcnQ="), Err(SecretError::BadKey(m)) if m.contains("32 bytes")));
        assert!(MasterKey::from_base64("not base64!").is_err());
    }
}
