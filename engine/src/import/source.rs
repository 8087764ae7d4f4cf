//! Turning uploaded bytes into a CSV reader: byte-order marks, UTF-16 files, the delimiter, and
//! field text in UTF-8 or Windows-1252.
//!
//! Encoding policy. Spreadsheet exports arrive in three encodings in practice: UTF-8 (Google
//! Sheets, Numbers, Excel's "CSV UTF-8", with or without a BOM), UTF-16 with a BOM (Excel's
//! "Unicode Text") and Windows-1252 (Excel's plain "CSV" on Windows in Australia, the UK and the
//! US). UTF-16 is recognised by its BOM and transcoded as a stream. Each field is then read as
//! UTF-8 when it is valid UTF-8 and as Windows-1252 otherwise, so "José" saved by Excel imports
//! as "José" rather than as an error, and a UTF-8 file with one damaged field loses nothing
//! else. Bytes that Windows-1252 leaves undefined come out as control characters, which
//! validation reports against the row ("contains control characters …"), so a file in some
//! other encoding gets clear per-row errors instead of silently garbled leads.

use encoding_rs::{Decoder, UTF_16BE, UTF_16LE, WINDOWS_1252};
use std::borrow::Cow;
use std::io::{self, Cursor, Read};

/// How much of the file is looked at to find the encoding and the delimiter.
const HEAD_BYTES: usize = 64 * 1024;

/// A reader positioned at the first byte of CSV text (UTF-8 apart from stray Windows-1252
/// fields), and the delimiter found in its header line.
pub struct Prepared {
    pub reader: Box<dyn Read + Send>,
    pub delimiter: u8,
}

/// Reads the head of `input`, strips a UTF-8 BOM, transcodes UTF-16 and sniffs the delimiter;
/// the reader refuses rows and cells over the caps of [`super::limits`]. Memory: one 64 KiB
/// head, whatever the file's size.
pub fn prepare<R: Read + Send + 'static>(mut input: R) -> io::Result<Prepared> {
    let head = read_head(&mut input)?;
    let rest = Cursor::new(head.clone()).chain(input);
    let (mut reader, head): (Box<dyn Read + Send>, Vec<u8>) = if head.starts_with(&[0xFF, 0xFE]) {
        let mut r: Box<dyn Read + Send> = Box::new(Transcode::new(rest, UTF_16LE.new_decoder_with_bom_removal()));
        let h = read_head(&mut r)?;
        (Box::new(Cursor::new(h.clone()).chain(r)), h)
    } else if head.starts_with(&[0xFE, 0xFF]) {
        let mut r: Box<dyn Read + Send> = Box::new(Transcode::new(rest, UTF_16BE.new_decoder_with_bom_removal()));
        let h = read_head(&mut r)?;
        (Box::new(Cursor::new(h.clone()).chain(r)), h)
    } else {
        (Box::new(rest), head)
    };
    let (head, skip) = match head.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(h) => (h.to_vec(), 3),
        None => (head, 0),
    };
    if skip > 0 {
        let mut bom = [0u8; 3];
        reader.read_exact(&mut bom)?;
    }
    let delimiter = sniff_delimiter(&head);
    // Every reader of an upload gets the row and cell caps.
    Ok(Prepared { reader: Box::new(super::limits::Bounded::new(reader, delimiter)), delimiter })
}

fn read_head(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    r.take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The candidate (comma, semicolon, tab, pipe) that occurs most often outside quotes in the
/// header line; comma when none does. Semicolons are what Excel writes where the decimal
/// separator is a comma (most of Europe), tabs come from "Unicode Text" and copy-paste.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = CANDIDATES.iter().position(|c| *c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    // Ties keep the earlier candidate: comma first.
    let (best, n) = counts.iter().enumerate().fold((0, 0), |acc, (i, &n)| if n > acc.1 { (i, n) } else { acc });
    if n == 0 {
        b','
    } else {
        CANDIDATES[best]
    }
}

/// A field's text: UTF-8 when it is, Windows-1252 otherwise (see the module docs).
pub fn decode_field(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// Streams UTF-16 (or any encoding_rs decoder) to UTF-8, a buffer at a time.
struct Transcode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> Transcode<R> {
    fn new(inner: R, decoder: Decoder) -> Self {
        Transcode { inner, decoder, input: vec![0; 16 * 1024], output: Vec::new(), pos: 0, done: false }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.output.len() {
                let n = buf.len().min(self.output.len() - self.pos);
                buf[..n].copy_from_slice(&self.output[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.input)?;
            let last = n == 0;
            // Sized for the worst case, so the decoder always consumes the whole input.
            let room = self.decoder.max_utf8_buffer_length(n).unwrap_or(4 * n + 16);
            self.output.resize(room, 0);
            let (_, read, written, _) = self.decoder.decode_to_utf8(&self.input[..n], &mut self.output, last);
            debug_assert_eq!(read, n);
            self.output.truncate(written);
            self.pos = 0;
            self.done = last;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> (String, u8) {
        let mut p = prepare(Cursor::new(input.to_vec())).unwrap();
        let mut out = Vec::new();
        p.reader.read_to_end(&mut out).unwrap();
        (String::from_utf8(out).unwrap(), p.delimiter)
    }

    #[test]
    fn a_utf8_bom_is_stripped() {
        assert_eq!(all(b"\xEF\xBB\xBFemail,name\n"), ("email,name\n".into(), b','));
    }

    #[test]
    fn utf16_with_a_bom_is_transcoded_and_its_tabs_found() {
        let text = "email\tname\nzoë@x.com\tZoë\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(all(&bytes), (text.into(), b'\t'));
    }

    #[test]
    fn the_delimiter_is_what_the_header_uses_most_outside_quotes() {
        assert_eq!(sniff_delimiter(b"email;\"last, first\";title\n"), b';');
        assert_eq!(sniff_delimiter(b"email,name\n"), b',');
        assert_eq!(sniff_delimiter(b"email\n"), b',');
        assert_eq!(sniff_delimiter(b"a|b|c\n"), b'|');
    }

    #[test]
    fn windows_1252_fields_are_decoded() {
        assert_eq!(decode_field(b"Jos\xE9"), "José");
        assert_eq!(decode_field("Zoë".as_bytes()), "Zoë");
    }
}
