//! Caps on one row and one cell of an uploaded CSV, enforced on the byte stream before the csv
//! crate buffers anything: the crate reads a whole record into memory, so a 150 MB file with no
//! line break (or one enormous quoted cell) would otherwise become a 150 MB allocation.
//! [`Bounded`] follows the file with the same small state machine the csv reader uses (quotes
//! open only at the start of a cell, `""` inside quotes is a quote) and fails the read that
//! crosses a cap, so at most one cap's worth plus one buffer is ever held.

use std::io::{self, Read};

/// The most one row may hold (sheets of real leads use a few hundred bytes).
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// The most one cell may hold.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    InField,
    Quoted,
    QuoteInQuoted,
}

/// A reader that refuses a CSV row or cell over its cap (an `InvalidData` error naming it).
pub struct Bounded<R> {
    inner: R,
    delimiter: u8,
    state: State,
    record: usize,
    field: usize,
    max_record: usize,
    max_field: usize,
}

impl<R: Read> Bounded<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        Self::with_caps(inner, delimiter, MAX_RECORD_BYTES, MAX_FIELD_BYTES)
    }

    pub fn with_caps(inner: R, delimiter: u8, max_record: usize, max_field: usize) -> Self {
        Bounded { inner, delimiter, state: State::StartField, record: 0, field: 0, max_record, max_field }
    }

    fn step(&mut self, b: u8) -> io::Result<()> {
        let end_of_record = |s: &mut Self| {
            s.state = State::StartField;
            s.record = 0;
            s.field = 0;
        };
        let end_of_field = |s: &mut Self| {
            s.state = State::StartField;
            s.field = 0;
        };
        let newline = b == b'\n' || b == b'\r';
        match self.state {
            State::StartField | State::InField if newline => return Ok(end_of_record(self)),
            State::StartField | State::InField if b == self.delimiter => end_of_field(self),
            State::StartField if b == b'"' => self.state = State::Quoted,
            State::StartField => self.state = State::InField,
            State::InField => {}
            State::Quoted if b == b'"' => self.state = State::QuoteInQuoted,
            State::Quoted => {}
            State::QuoteInQuoted if b == b'"' => self.state = State::Quoted,
            State::QuoteInQuoted if newline => return Ok(end_of_record(self)),
            State::QuoteInQuoted if b == self.delimiter => end_of_field(self),
            State::QuoteInQuoted => self.state = State::InField,
        }
        self.record += 1;
        self.field += 1;
        if self.record > self.max_record {
            return Err(too_long("row", self.max_record));
        }
        if self.field > self.max_field {
            return Err(too_long("cell", self.max_field));
        }
        Ok(())
    }
}

fn too_long(what: &str, cap: usize) -> io::Error {
    let size = if cap >= 1024 * 1024 { format!("{} MiB", cap / 1024 / 1024) } else { format!("{} KiB", cap / 1024) };
    io::Error::new(io::ErrorKind::InvalidData, format!("a {what} is longer than {size}, the most one {what} may hold (is this really a CSV of leads?)"))
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            self.step(b)?;
        }
        Ok(n)
    }
}

/// Tracks physical line lengths of bytes as they arrive (an upload being spooled), so a file
/// whose first line is already too long for any row is refused before it is all written. A
/// row is at least one line, so a line over the cap is a row over it; the cap is doubled to
/// allow for UTF-16 files, whose bytes are twice their text.
#[derive(Default)]
pub struct LineWatch {
    line: usize,
}

impl LineWatch {
    pub fn feed(&mut self, chunk: &[u8]) -> io::Result<()> {
        for (i, part) in chunk.split(|&b| b == b'\n').enumerate() {
            // The first part continues the line of the last chunk; each later one starts anew.
            self.line = if i == 0 { self.line + part.len() } else { part.len() };
            if self.line > 2 * MAX_RECORD_BYTES {
                return Err(too_long("row", MAX_RECORD_BYTES));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], max_record: usize, max_field: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Bounded::with_caps(input, b',', max_record, max_field).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn rows_and_cells_within_the_caps_pass_unchanged() {
        let csv = b"email,note\r\nann@x.com,\"a, \"\"quoted\"\"\nnote\"\nbob@x.com,plain\n";
        assert_eq!(read_all(csv, 40, 30).unwrap(), csv);
    }

    #[test]
    fn a_long_row_or_cell_is_refused_and_a_newline_inside_quotes_does_not_end_the_row() {
        let e = read_all(&[b'a'; 100], 50, 1000).unwrap_err();
        assert!(e.to_string().contains("a row is longer"), "{e}");
        let e = read_all(b"x,yyyyyyyyyyyy\n", 100, 10).unwrap_err();
        assert!(e.to_string().contains("a cell is longer"), "{e}");
        // Many short lines inside one quoted cell are still one row.
        let mut quoted = b"\"".to_vec();
        quoted.extend(b"ab\n".repeat(40));
        quoted.extend(b"\"\n");
        assert!(read_all(&quoted, 100, 1000).is_err());
        // A quote in the middle of an unquoted cell is a plain character, as for the csv crate.
        assert!(read_all(&b"5\" screen,ok\n".repeat(20), 30, 30).is_ok());
    }

    #[test]
    fn a_line_watch_refuses_a_line_longer_than_any_row_however_it_is_chunked() {
        let mut w = LineWatch::default();
        let chunk = vec![b'a'; 512 * 1024];
        let mut refused = false;
        for _ in 0..8 {
            if w.feed(&chunk).is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused);
        let mut w = LineWatch::default();
        let mut lines = b"x".repeat(1000);
        lines.push(b'\n');
        for _ in 0..10_000 {
            w.feed(&lines).unwrap();
        }
    }
}
