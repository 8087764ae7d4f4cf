//! DKIM (RFC 6376): keys and signing.
//!
//! Keys are kept as PEM PKCS#8, the one format every tool reads (`openssl pkey`, OpenDKIM,
//! dkimpy), and the algorithm is read from the key itself so a key file can never be used as
//! something it is not. Two algorithms: ed25519-sha256 (RFC 8463, small keys, fast) and
//! rsa-sha256 (what every receiver verifies; Ed25519 is still unknown to some), so a domain
//! normally publishes both and signs with both.
//!
//! Signing uses relaxed/relaxed canonicalisation, which survives the header re-folding and
//! whitespace changes relays make, and signs the headers in [`SIGNED_HEADERS`]. A listed header
//! the message lacks is still signed (as empty), so it cannot be added in transit.

use base64::Engine as _;
use mail_auth::common::crypto::{DkimKey, Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{Canonicalization, Done};
use pkcs8::der::pem::LineEnding;
use pkcs8::ObjectIdentifier;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use std::fmt;
use std::str::FromStr;

/// Headers covered by every signature we make.
pub const SIGNED_HEADERS: [&str; 11] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Type",
];

const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// RFC 8301 §3.2: verifiers must refuse RSA keys under 1024 bits.
const MIN_RSA_BITS: usize = 1024;
const GENERATED_RSA_BITS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DkimError {
    #[error("the key is not PEM text (expected -----BEGIN PRIVATE KEY-----)")]
    NotPem,
    #[error("the key is encrypted; export it without a passphrase (openssl pkcs8 -topk8 -nocrypt)")]
    EncryptedKey,
    #[error("the key is PKCS#1 (BEGIN RSA PRIVATE KEY); convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in old.pem -out new.pem")]
    Pkcs1Key,
    #[error("the PEM block is {0:?}, not a private key (expected BEGIN PRIVATE KEY)")]
    NotAPrivateKey(String),
    #[error("the key is of an unsupported type (algorithm {0}); DKIM keys must be Ed25519 or RSA")]
    UnsupportedKeyType(String),
    #[error("the key could not be read: {0}")]
    Malformed(String),
    #[error("an RSA key of {0} bits is too weak for DKIM (at least 1024, 2048 recommended)")]
    WeakRsaKey(usize),
    #[error("the key is {found} but {expected} was asked for")]
    AlgorithmMismatch { expected: DkimAlgorithm, found: DkimAlgorithm },
    #[error("{0:?} is not a domain name")]
    InvalidDomain(String),
    #[error("{0:?} is not a DKIM selector (letters, digits, hyphens, dots)")]
    InvalidSelector(String),
    #[error("the message is empty")]
    EmptyMessage,
    #[error("the message has no From header, which DKIM must sign")]
    NoFromHeader,
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("key generation failed: {0}")]
    Generate(String),
}

/// A DKIM signing algorithm, named as in the `k=` tag of the key record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DkimAlgorithm {
    Ed25519,
    Rsa,
}

impl DkimAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            DkimAlgorithm::Ed25519 => "ed25519",
            DkimAlgorithm::Rsa => "rsa",
        }
    }
}

impl fmt::Display for DkimAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DkimAlgorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ed25519" | "ed25519-sha256" => Ok(DkimAlgorithm::Ed25519),
            "rsa" | "rsa-sha256" => Ok(DkimAlgorithm::Rsa),
            _ => Err(format!("{s:?} is not a DKIM algorithm (ed25519 or rsa)")),
        }
    }
}

/// A DKIM private key, held as PKCS#8 DER. `Debug` shows the algorithm only.
#[derive(Clone, PartialEq, Eq)]
pub struct DkimPrivateKey {
    algorithm: DkimAlgorithm,
    pkcs8_der: Vec<u8>,
}

impl fmt::Debug for DkimPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimPrivateKey").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl DkimPrivateKey {
    /// A new key from the operating system's random source: Ed25519, or RSA-2048.
    pub fn generate(algorithm: DkimAlgorithm) -> Result<Self, DkimError> {
        let pkcs8_der = match algorithm {
            DkimAlgorithm::Ed25519 => Ed25519Key::generate_pkcs8().map_err(|e| DkimError::Generate(e.to_string()))?,
            DkimAlgorithm::Rsa => {
                let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, GENERATED_RSA_BITS).map_err(|e| DkimError::Generate(e.to_string()))?;
                key.to_pkcs8_der().map_err(|e| DkimError::Generate(e.to_string()))?.as_bytes().to_vec()
            }
        };
        Self::from_pkcs8_der(&pkcs8_der)
    }

    /// Reads a PEM PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`), telling apart the usual
    /// wrong files: PKCS#1 RSA, encrypted keys, public keys, EC keys.
    pub fn from_pem(pem: &str) -> Result<Self, DkimError> {
        let text = pem.trim();
        if text.is_empty() || !text.starts_with("-----BEGIN ") {
            return Err(DkimError::NotPem);
        }
        let (label, der) = pkcs8::der::pem::decode_vec(text.as_bytes()).map_err(|e| DkimError::Malformed(e.to_string()))?;
        match label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "ENCRYPTED PRIVATE KEY" => Err(DkimError::EncryptedKey),
            "RSA PRIVATE KEY" => Err(DkimError::Pkcs1Key),
            other => Err(DkimError::NotAPrivateKey(other.to_string())),
        }
    }

    fn from_pkcs8_der(der: &[u8]) -> Result<Self, DkimError> {
        let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|e| DkimError::Malformed(e.to_string()))?;
        let algorithm = match info.algorithm.oid {
            OID_ED25519 => DkimAlgorithm::Ed25519,
            OID_RSA => DkimAlgorithm::Rsa,
            other => return Err(DkimError::UnsupportedKeyType(other.to_string())),
        };
        let key = Self { algorithm, pkcs8_der: der.to_vec() };
        // Parse it once now, so a damaged key fails when loaded rather than at the first send.
        key.signing_key()?;
        if algorithm == DkimAlgorithm::Rsa {
            let bits = key.rsa()?.size() * 8;
            if bits < MIN_RSA_BITS {
                return Err(DkimError::WeakRsaKey(bits));
            }
        }
        Ok(key)
    }

    /// Checks that the key is of the algorithm the caller expects.
    pub fn expect(self, algorithm: DkimAlgorithm) -> Result<Self, DkimError> {
        if self.algorithm == algorithm {
            Ok(self)
        } else {
            Err(DkimError::AlgorithmMismatch { expected: algorithm, found: self.algorithm })
        }
    }

    pub fn algorithm(&self) -> DkimAlgorithm {
        self.algorithm
    }

    /// The key as PEM PKCS#8 text, to be stored or written to a file.
    pub fn to_pem(&self) -> String {
        pkcs8::der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &self.pkcs8_der).expect("DER always encodes as PEM")
    }

    /// The public key as the `p=` tag wants it: the raw 32 bytes for Ed25519 (RFC 8463), the
    /// SubjectPublicKeyInfo DER for RSA (what `openssl rsa -pubout` prints and every verifier
    /// reads), base64-encoded.
    pub fn public_key_base64(&self) -> String {
        let bytes = match self.algorithm {
            DkimAlgorithm::Ed25519 => Ed25519Key::from_pkcs8_der(&self.pkcs8_der).expect("checked when loaded").public_key(),
            DkimAlgorithm::Rsa => self
                .rsa()
                .expect("checked when loaded")
                .to_public_key()
                .to_public_key_der()
                .expect("an RSA public key always encodes")
                .as_bytes()
                .to_vec(),
        };
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn rsa(&self) -> Result<rsa::RsaPrivateKey, DkimError> {
        rsa::RsaPrivateKey::from_pkcs8_der(&self.pkcs8_der).map_err(|e| DkimError::Malformed(e.to_string()))
    }

    fn signing_key(&self) -> Result<DkimKey, DkimError> {
        let malformed = |e: mail_auth::Error| DkimError::Malformed(e.to_string());
        Ok(match self.algorithm {
            DkimAlgorithm::Ed25519 => DkimKey::Ed25519(Ed25519Key::from_pkcs8_der(&self.pkcs8_der).map_err(malformed)?),
            DkimAlgorithm::Rsa => {
                let der = rustls_pki_types::PrivatePkcs8KeyDer::from(self.pkcs8_der.clone());
                DkimKey::Rsa(RsaKey::<Sha256>::from_key_der(der.into()).map_err(malformed)?)
            }
        })
    }
}

/// The TXT record that publishes a key: `name` is `selector._domainkey.domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsTxtRecord {
    pub name: String,
    pub value: String,
}

impl fmt::Display for DnsTxtRecord {
    /// Zone-file form. The value is split into 255-byte strings, the most one TXT string holds
    /// (an RSA-2048 key is longer than that).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chunks: Vec<String> = self.value.as_bytes().chunks(255).map(|c| format!("\"{}\"", String::from_utf8_lossy(c))).collect();
        write!(f, "{}. IN TXT ( {} )", self.name, chunks.join(" "))
    }
}

/// The record to publish for `key` under `selector` and `domain`.
pub fn dns_record(domain: &str, selector: &str, key: &DkimPrivateKey) -> Result<DnsTxtRecord, DkimError> {
    let domain = parse_domain(domain)?;
    let selector = parse_selector(selector)?;
    Ok(DnsTxtRecord {
        name: format!("{selector}._domainkey.{domain}"),
        value: format!("v=DKIM1; k={}; p={}", key.algorithm.as_str(), key.public_key_base64()),
    })
}

fn parse_domain(raw: &str) -> Result<String, DkimError> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = d.contains('.')
        && d.len() <= 253
        && d.split('.').all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if ok {
        Ok(d)
    } else {
        Err(DkimError::InvalidDomain(raw.to_string()))
    }
}

fn parse_selector(raw: &str) -> Result<String, DkimError> {
    let s = raw.trim().to_ascii_lowercase();
    let ok = !s.is_empty() && s.len() <= 63 && s.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    if ok {
        Ok(s)
    } else {
        Err(DkimError::InvalidSelector(raw.to_string()))
    }
}

/// Signs messages for one domain and selector with one key.
pub struct DkimSigner {
    domain: String,
    selector: String,
    algorithm: DkimAlgorithm,
    inner: mail_auth::dkim::DkimSigner<DkimKey, Done>,
}

impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl DkimSigner {
    pub fn new(domain: &str, selector: &str, key: &DkimPrivateKey) -> Result<Self, DkimError> {
        let domain = parse_domain(domain)?;
        let selector = parse_selector(selector)?;
        let inner = mail_auth::dkim::DkimSigner::from_key(key.signing_key()?)
            .domain(domain.clone())
            .selector(selector.clone())
            .headers(SIGNED_HEADERS)
            .header_canonicalization(Canonicalization::Relaxed)
            .body_canonicalization(Canonicalization::Relaxed);
        Ok(Self { domain, selector, algorithm: key.algorithm, inner })
    }

    pub fn algorithm(&self) -> DkimAlgorithm {
        self.algorithm
    }

    /// Returns the message with a `DKIM-Signature` header in front. Bare LF line ends are first
    /// turned into CRLF, the form the message takes on the wire: a signature over LF text would
    /// break as soon as SMTP carried it.
    pub fn sign(&self, raw: &[u8]) -> Result<Vec<u8>, DkimError> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(DkimError::EmptyMessage);
        }
        let message = to_crlf(raw);
        if !has_from_header(&message) {
            return Err(DkimError::NoFromHeader);
        }
        let signature = self.inner.sign(&message).map_err(|e| DkimError::Sign(e.to_string()))?;
        let mut out = signature.to_header().into_bytes();
        out.extend_from_slice(&message);
        Ok(out)
    }
}

fn to_crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    let mut prev = 0u8;
    for &b in raw {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

fn has_from_header(message: &[u8]) -> bool {
    for line in message.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return false;
        }
        if line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"from:") {
            return true;
        }
    }
    false
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mail_auth::common::parse::TxtRecordParser;
    use mail_auth::common::verify::DomainKey;
    use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, ResolverCache, Txt};
    use std::borrow::Borrow;
    use std::collections::HashMap;
    use std::hash::Hash;
    use std::sync::Mutex;

    /// mail-auth reads DNS through its cache first; a cache holding our records is a resolver
    /// that answers from memory.
    pub(crate) struct FakeDns(Mutex<HashMap<Box<str>, Txt>>);

    impl FakeDns {
        pub(crate) fn with(records: &[&DnsTxtRecord]) -> Self {
            let mut map = HashMap::new();
            for r in records {
                let key = DomainKey::parse(r.value.as_bytes()).expect("a DKIM key record");
                map.insert(format!("{}.", r.name).into_boxed_str(), Txt::from(key));
            }
            Self(Mutex::new(map))
        }
    }

    impl ResolverCache<Box<str>, Txt> for FakeDns {
        fn get<Q>(&self, name: &Q) -> Option<Txt>
        where
            Box<str>: Borrow<Q>,
            Q: Hash + Eq + ?Sized,
        {
            self.0.lock().unwrap().get(name).cloned()
        }

        fn remove<Q>(&self, name: &Q) -> Option<Txt>
        where
            Box<str>: Borrow<Q>,
            Q: Hash + Eq + ?Sized,
        {
            self.0.lock().unwrap().remove(name)
        }

        fn insert(&self, key: Box<str>, value: Txt, _: std::time::Instant) {
            self.0.lock().unwrap().insert(key, value);
        }
    }

    /// mail-auth's verdict on every signature of `signed`, with DNS answered by `dns` only.
    pub(crate) async fn mail_auth_verify(signed: &[u8], dns: &FakeDns) -> Vec<DkimResult> {
        use mail_auth::hickory_resolver::config::ResolverConfig;
        // No name servers at all: a record missing from FakeDns fails instead of leaking out.
        let resolver = MessageAuthenticator::new(ResolverConfig::from_parts(None, vec![], vec![]), Default::default()).unwrap();
        let message = AuthenticatedMessage::parse(signed).expect("parsable message");
        let params = mail_auth::Parameters::new(&message).with_txt_cache(dns);
        resolver.verify_dkim(params).await.into_iter().map(|o| o.result().clone()).collect()
    }

    /// dkimpy's verdict (`True`/`False`), with the record handed over through its dnsfunc hook.
    pub(crate) fn dkimpy_verify(signed: &[u8], record: &DnsTxtRecord) -> bool {
        use std::io::Write;
        let script = r#"
import sys, dkim
name, value = sys.argv[1], sys.argv[2]
def dns(qname, timeout=5):
    q = qname.decode() if isinstance(qname, bytes) else qname
    return value.encode() if q.rstrip('.') == name else None
msg = sys.stdin.buffer.read()
try:
    ok = dkim.verify(msg, dnsfunc=dns)
except dkim.DKIMException as e:
    print(e, file=sys.stderr)
    ok = False
print("PASS" if ok else "FAIL")
"#;
        let mut child = std::process::Command::new("python3")
            .args(["-c", script, &record.name, &record.value])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        child.stdin.take().unwrap().write_all(signed).unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "dkimpy failed (pip install dkimpy pynacl): {}", String::from_utf8_lossy(&out.stderr));
        match stdout.trim() {
            "PASS" => true,
            "FAIL" => false,
            other => panic!("unexpected dkimpy output {other:?}"),
        }
    }

    /// One RSA key for the whole test run: generating 2048-bit keys is slow in debug builds.
    pub(crate) fn rsa_key() -> DkimPrivateKey {
        static KEY: std::sync::OnceLock<DkimPrivateKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| DkimPrivateKey::generate(DkimAlgorithm::Rsa).unwrap()).clone()
    }

    fn message() -> Vec<u8> {
        let email = crate::email::compose::tests::sample();
        crate::email::compose::compose(&email).unwrap().raw
    }

    #[tokio::test]
    async fn both_algorithms_sign_and_both_verifiers_pass_them() {
        for key in [DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap(), rsa_key()] {
            let signer = DkimSigner::new("agency.example", "s2026", &key).unwrap();
            let signed = signer.sign(&message()).unwrap();
            let record = dns_record("agency.example", "s2026", &key).unwrap();
            assert_eq!(record.name, "s2026._domainkey.agency.example");
            assert!(record.value.starts_with(&format!("v=DKIM1; k={}; p=", key.algorithm())));
            let head = String::from_utf8_lossy(&signed[..400]).to_string();
            let expected = format!("a={}-sha256", key.algorithm());
            assert!(head.starts_with("DKIM-Signature:") && head.contains(&expected), "{head}");
            assert!(head.contains("c=relaxed/relaxed"), "{head}");

            let results = mail_auth_verify(&signed, &FakeDns::with(&[&record])).await;
            assert_eq!(results, [DkimResult::Pass], "mail-auth, {}", key.algorithm());
            assert!(dkimpy_verify(&signed, &record), "dkimpy, {}", key.algorithm());
        }
    }

    #[tokio::test]
    async fn a_tampered_body_or_header_fails_verification() {
        for key in [DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap(), rsa_key()] {
            let signer = DkimSigner::new("agency.example", "sel", &key).unwrap();
            let record = dns_record("agency.example", "sel", &key).unwrap();
            let signed = signer.sign(&message()).unwrap();
            let text = String::from_utf8(signed).unwrap();
            let body_changed = text.replace("Worth a chat?", "Worth a CHAT?").into_bytes();
            let subject_changed = text.replace("Quick question", "Urgent question").into_bytes();
            for tampered in [&body_changed, &subject_changed] {
                // mail-auth reports a body-hash mismatch as neutral and a bad header hash as fail;
                // either way not a pass.
                let results = mail_auth_verify(tampered, &FakeDns::with(&[&record])).await;
                assert!(matches!(results.as_slice(), [DkimResult::Fail(_) | DkimResult::Neutral(_)]), "{results:?}");
                assert!(!dkimpy_verify(tampered, &record));
            }
            // Another key under the same name: the signature does not match the published key.
            let other = match key.algorithm() {
                DkimAlgorithm::Ed25519 => DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap(),
                DkimAlgorithm::Rsa => DkimPrivateKey::generate(DkimAlgorithm::Rsa).unwrap(),
            };
            let wrong = dns_record("agency.example", "sel", &other).unwrap();
            assert!(!dkimpy_verify(text.as_bytes(), &wrong));
        }
    }

    #[test]
    fn every_listed_header_is_signed_even_when_absent() {
        let key = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
        let signed = DkimSigner::new("agency.example", "sel", &key).unwrap().sign(&message()).unwrap();
        let text = String::from_utf8(signed).unwrap();
        let sig: String = text.split("\r\n").take_while(|l| l.starts_with("DKIM-Signature") || l.starts_with([' ', '\t'])).collect::<Vec<_>>().join("");
        let h = sig.split(';').map(str::trim).find_map(|t| t.strip_prefix("h=")).unwrap().replace([' ', '\t'], "");
        let signed: Vec<String> = h.split(':').map(|s| s.to_ascii_lowercase()).collect();
        for name in SIGNED_HEADERS {
            assert!(signed.contains(&name.to_ascii_lowercase()), "{name} missing from h={h}");
        }
    }

    #[test]
    fn keys_round_trip_through_pem() {
        for key in [DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap(), rsa_key()] {
            let pem = key.to_pem();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
            let back = DkimPrivateKey::from_pem(&pem).unwrap();
            assert_eq!(back, key);
            assert_eq!(back.public_key_base64(), key.public_key_base64());
            assert!(!format!("{key:?}").contains(&pem[30..60]));
        }
        let ed = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
        let raw = base64::engine::general_purpose::STANDARD.decode(ed.public_key_base64()).unwrap();
        assert_eq!(raw.len(), 32);
    }

    #[test]
    fn wrong_key_files_get_a_clear_error() {
        assert_eq!(DkimPrivateKey::from_pem(""), Err(DkimError::NotPem));
        assert_eq!(DkimPrivateKey::from_pem("hello"), Err(DkimError::NotPem));
        let pkcs1 = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&rsa_key().rsa().unwrap(), LineEnding::LF).unwrap();
        assert_eq!(DkimPrivateKey::from_pem(&pkcs1), Err(DkimError::Pkcs1Key));
        let public = pkcs8::der::pem::encode_string("PUBLIC KEY", LineEnding::LF, &[0x30, 0x00]).unwrap();
        assert!(matches!(DkimPrivateKey::from_pem(&public), Err(DkimError::NotAPrivateKey(_))));
        // A P-256 EC key in PKCS#8 (generated once with openssl genpkey -algorithm EC).
        let ec = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiKjUlPnJ080aXRqL
8SC+xekVcWcCWg+s98MoeIolbruhRANCAATUSAdwHbGM71s9GplEjQRLqdA/D4fX
SFZbM2wSR4nIced1JLsysMzVIK+rkN+5TFsGUWsydO5rfmNTNbmGtWwO
-----END PRIVATE KEY-----";
        assert!(matches!(DkimPrivateKey::from_pem(ec), Err(DkimError::UnsupportedKeyType(oid)) if oid == "1.2.840.10045.2.1"));
        let damaged = rsa_key().to_pem().replacen("MII", "MIJ", 1);
        assert!(matches!(DkimPrivateKey::from_pem(&damaged), Err(DkimError::Malformed(_))));
        let ed = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
        assert_eq!(ed.expect(DkimAlgorithm::Rsa), Err(DkimError::AlgorithmMismatch { expected: DkimAlgorithm::Rsa, found: DkimAlgorithm::Ed25519 }));
    }

    #[test]
    fn bad_names_and_messages_are_refused() {
        let key = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
        assert!(matches!(DkimSigner::new("not a domain", "s", &key), Err(DkimError::InvalidDomain(_))));
        assert!(matches!(DkimSigner::new("agency.example", "bad selector", &key), Err(DkimError::InvalidSelector(_))));
        let signer = DkimSigner::new("agency.example", "s", &key).unwrap();
        assert_eq!(signer.sign(b""), Err(DkimError::EmptyMessage));
        assert_eq!(signer.sign(b" \r\n"), Err(DkimError::EmptyMessage));
        assert_eq!(signer.sign(b"To: a@b.example\r\n\r\nhello"), Err(DkimError::NoFromHeader));
    }

    #[tokio::test]
    async fn lf_only_input_is_signed_in_its_wire_form() {
        let key = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
        let record = dns_record("agency.example", "s", &key).unwrap();
        let lf = b"From: sam@agency.example\nTo: ann@customer.example\nSubject: hi\n\nline one\nline two\n";
        let signed = DkimSigner::new("agency.example", "s", &key).unwrap().sign(lf).unwrap();
        assert!(!signed.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
        assert_eq!(mail_auth_verify(&signed, &FakeDns::with(&[&record])).await, [DkimResult::Pass]);
        assert!(dkimpy_verify(&signed, &record));
    }
}
