//! The learnt half of the reply classifier: a linear text model over hashed word and character
//! n-grams that tells the four human-answer classes apart (meeting_request, interested,
//! question, not_interested), where fixed phrase lists generalise worst.
//!
//! Weights are trained offline by `cargo run -p domain --release --example reply_model -- train`
//! on the labelled corpus (domain/tests/fixtures/reply-corpus) and embedded as
//! `reply_model.bin`; scoring is a sum over a reply's hashed features, so it is pure,
//! deterministic and needs no allocation beyond the feature list.

use std::sync::OnceLock;

use super::ReplyClass;

/// The classes the model chooses among, in the order of its weight rows.
pub const CLASSES: [ReplyClass; 4] = [
    ReplyClass::MeetingRequest,
    ReplyClass::Interested,
    ReplyClass::Question,
    ReplyClass::NotInterested,
];

const MAGIC: &[u8; 4] = b"RPLM";

/// Feature hashing: FNV-1a (stable across platforms and releases, unlike std's hasher).
fn fnv(kind: u8, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(kind);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            eat(b' ');
        }
        p.bytes().for_each(&mut eat);
    }
    h
}

/// The hashed features of a reply's visible text, already normalised (lower-cased, white space
/// collapsed): word unigrams and bigrams (accents folded, `?` kept as a word) and character
/// 3–5-grams. Each bucket appears once (presence, not counts).
pub fn features(text: &str, buckets: u32) -> Vec<u32> {
    let folded = super::fold_accents(text);
    let mut words: Vec<&str> = Vec::new();
    let mut start = None;
    for (i, c) in folded.char_indices() {
        if c.is_alphanumeric() || c == '\'' {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            words.push(&folded[s..i]);
        }
        if c == '?' {
            words.push("?");
        }
    }
    if let Some(s) = start {
        words.push(&folded[s..]);
    }
    let mut out: Vec<u32> = Vec::with_capacity(words.len() * 2 + folded.len() * 3);
    let mut push = |h: u64| out.push((h % buckets as u64) as u32);
    for (i, w) in words.iter().enumerate() {
        push(fnv(b'w', &[w]));
        if let Some(next) = words.get(i + 1) {
            push(fnv(b'b', &[w, next]));
        }
    }
    // Character n-grams over the words joined by single spaces, with a space at each end, so
    // stems and word starts ("interess", " merci") are shared across inflections.
    let joined: String = {
        let mut s = String::with_capacity(folded.len() + 2);
        s.push(' ');
        for w in &words {
            s.push_str(w);
            s.push(' ');
        }
        s
    };
    let chars: Vec<usize> = joined
        .char_indices()
        .map(|(i, _)| i)
        .chain([joined.len()])
        .collect();
    for n in 3..=5 {
        for i in 0..chars.len().saturating_sub(n) {
            push(fnv(b'0' + n as u8, &[&joined[chars[i]..chars[i + n]]]));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A linear model: per class a bias and one weight per bucket; the input vector is the
/// feature presence scaled to unit length.
#[derive(Debug, Clone, PartialEq)]
pub struct TextModel {
    pub buckets: u32,
    pub bias: [f32; 4],
    /// Bucket-major: `weights[bucket * 4 + class]`.
    pub weights: Vec<f32>,
}

impl TextModel {
    /// Class probabilities (softmax of the scores, in [`CLASSES`] order); `None` when the text
    /// has no features at all.
    pub fn probabilities(&self, text: &str) -> Option<[f32; 4]> {
        let f = features(text, self.buckets);
        if f.is_empty() {
            return None;
        }
        Some(self.probabilities_of(&f))
    }

    pub fn probabilities_of(&self, features: &[u32]) -> [f32; 4] {
        let scale = 1.0 / (features.len() as f32).sqrt();
        let mut s = self.bias;
        for &b in features {
            let w = &self.weights[b as usize * 4..b as usize * 4 + 4];
            for k in 0..4 {
                s[k] += w[k] * scale;
            }
        }
        softmax(s)
    }

    /// The embedded file: magic, bucket count (u32 LE), a scale (f32 LE), four biases (f32
    /// LE), then the weights quantised to i16 LE (weight = q × scale). Quantising halves the
    /// file and changes no decision on the corpus.
    pub fn to_bytes(&self) -> Vec<u8> {
        let max = self
            .weights
            .iter()
            .fold(0f32, |m, w| m.max(w.abs()))
            .max(f32::MIN_POSITIVE);
        let scale = max / i16::MAX as f32;
        let mut out = Vec::with_capacity(28 + self.weights.len() * 2);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.buckets.to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        for b in self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for w in &self.weights {
            out.extend_from_slice(&((w / scale).round() as i16).to_le_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<TextModel> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let word = |i: usize| -> Option<[u8; 4]> { rest.get(i * 4..i * 4 + 4)?.try_into().ok() };
        let buckets = u32::from_le_bytes(word(0)?);
        let scale = f32::from_le_bytes(word(1)?);
        let mut bias = [0f32; 4];
        for (k, b) in bias.iter_mut().enumerate() {
            *b = f32::from_le_bytes(word(2 + k)?);
        }
        let body = &rest[24..];
        if buckets == 0 || body.len() != buckets as usize * 4 * 2 {
            return None;
        }
        let weights = body
            .chunks_exact(2)
            .map(|q| i16::from_le_bytes([q[0], q[1]]) as f32 * scale)
            .collect();
        Some(TextModel {
            buckets,
            bias,
            weights,
        })
    }
}

pub fn softmax(s: [f32; 4]) -> [f32; 4] {
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e = s.map(|x| (x - max).exp());
    let sum: f32 = e.iter().sum();
    e.map(|x| x / sum)
}

/// The trained model shipped with the crate (see the module docs for retraining).
pub fn embedded() -> &'static TextModel {
    static MODEL: OnceLock<TextModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        TextModel::from_bytes(include_bytes!("reply_model.bin"))
            .expect("reply_model.bin is a model written by the reply_model example")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_stable_and_cover_words_bigrams_and_character_grams() {
        let f = features("can we talk tuesday?", 1 << 16);
        assert_eq!(f, features("can we talk tuesday?", 1 << 16));
        // 5 words (with "?"), 4 bigrams, and character 3–5-grams of " can we talk tuesday ? ".
        assert!(f.len() > 40, "{}", f.len());
        assert!(features("", 1 << 16).is_empty());
        assert_eq!(features("über", 97), features("uber", 97));
    }

    #[test]
    fn the_file_format_round_trips_within_quantisation() {
        let m = TextModel {
            buckets: 3,
            bias: [0.5, -0.25, 0.0, 1.0],
            weights: (0..12).map(|i| i as f32 / 7.0 - 0.8).collect(),
        };
        let back = TextModel::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!((back.buckets, back.bias), (m.buckets, m.bias));
        for (a, b) in m.weights.iter().zip(&back.weights) {
            assert!((a - b).abs() < 1e-4);
        }
        assert!(TextModel::from_bytes(&m.to_bytes()[..30]).is_none());
    }

    #[test]
    fn the_embedded_model_loads_and_gives_probabilities() {
        let p = embedded()
            .probabilities("sounds good, can we talk on tuesday at 10?")
            .unwrap();
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
}
