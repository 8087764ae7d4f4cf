//! A CSV of generated leads with known counts, shared by the engine's and the server's crash
//! tests of durable imports.

use domain::leads::ImportSummary;

/// `rows` data rows: every 10th repeats the email of the row 5 before it (a duplicate), every
/// 25th that is not a duplicate has an address that cannot be one (invalid). Returns the file
/// and the counts a correct import reports.
pub fn generated_csv(rows: usize) -> (Vec<u8>, ImportSummary) {
    let mut csv = b"email,first name,company\n".to_vec();
    let (mut duplicates, mut invalid) = (0, 0);
    for i in 0..rows {
        let email = if i % 10 == 9 {
            duplicates += 1;
            format!("person{}@firm{}.example.com", i - 5, (i - 5) % 97)
        } else if i % 25 == 0 {
            invalid += 1;
            format!("not-an-address-{i}")
        } else {
            format!("person{i}@firm{}.example.com", i % 97)
        };
        csv.extend_from_slice(format!("{email},Person {i},Firm {}\n", i % 97).as_bytes());
    }
    let rows = rows as u64;
    (csv, ImportSummary { total: rows, imported: rows - duplicates - invalid, duplicates, invalid })
}
