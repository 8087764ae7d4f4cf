use crate::support::*;
use domain::email_check::Verdict;
use domain::leads::{ImportStatus, ImportSummary, LeadSource};
use engine::import::{self, ImportOptions};
use engine::store::imports;
use sqlx::PgPool;
use std::io::Read;

fn summary(total: u64, imported: u64, duplicates: u64, invalid: u64) -> ImportSummary {
    ImportSummary { total, imported, duplicates, invalid }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_file_with_a_utf8_bom_imports_and_its_first_header_is_recognised(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let out = import_bytes(&pool, ws, "\u{feff}Email,First Name\nann@acme.com.au,Ann\n").await;
    assert_eq!(out.summary, summary(1, 1, 0, 0));
    let lead = lead_by_email(&pool, ws.0, "ann@acme.com.au").await;
    assert_eq!(lead.first_name.as_deref(), Some("Ann"));
    assert_eq!(lead.source, LeadSource::Csv);
    assert_eq!(lead.import_id, Some(out.id));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_semicolon_delimited_file_imports_with_commas_inside_fields(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let csv = "email;company;title\nann@acme.com;Acme, Pty Ltd;CEO\nbob@beta.io;Beta;CTO\n";
    let out = import_bytes(&pool, ws, csv).await;
    assert_eq!(out.summary, summary(2, 2, 0, 0));
    assert_eq!(lead_by_email(&pool, ws.0, "ann@acme.com").await.company.as_deref(), Some("Acme, Pty Ltd"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn quoted_line_breaks_stay_in_their_cell_and_the_record_counts_as_one_row(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let csv = "email,company,title\r\nann@acme.com,\"Acme\r\nHoldings\",CEO\r\nnot-an-email,Beta,CTO\r\n";
    let out = import_bytes(&pool, ws, csv).await;
    assert_eq!(out.summary, summary(2, 1, 0, 1));
    assert_eq!(lead_by_email(&pool, ws.0, "ann@acme.com").await.company.as_deref(), Some("Acme Holdings"), "line breaks in a cell become spaces");
    // The bad row is the third spreadsheet row although it starts on the file's fourth line.
    let problems = imports::problems(&pool, ws.0, out.id).await.unwrap();
    assert_eq!(problems[0].row_number, 3);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn duplicate_rows_in_a_file_are_imported_once_and_reported(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let csv = "email,linkedin url\nann@acme.com,\n ANN@Acme.com ,\n,linkedin.com/in/bob\n,https://au.linkedin.com/in/Bob/\n";
    // A batch of two puts the second pair in a later batch than the first: the database, not
    // memory, has to catch it.
    let out = import::run(
        &pool,
        ws.0,
        Some(ws.1),
        import::begin(&pool, ws.0, Some(ws.1), "dupes.csv").await.unwrap(),
        std::io::Cursor::new(csv.as_bytes().to_vec()),
        ImportOptions { batch_size: 3 },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(out.summary, summary(4, 2, 2, 0));
    let report = import::error_report_csv(&pool, ws.0, out.id).await.unwrap();
    assert_eq!(
        report,
        "row,column,kind,message\n\
         3,email,duplicate,duplicate: same email as row 2 of this file\n\
         5,linkedin_url,duplicate,duplicate: same LinkedIn URL as an earlier row of this file\n"
    );
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn invalid_rows_get_clear_per_row_errors_and_the_rest_imports(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let long_local = "a".repeat(65);
    let csv = format!(
        "email,first name,phone,employees\n\
         ann@acme.com,Ann,+61 2 9876 5432,11-50\n\
         {long_local}@acme.com,Long,,\n\
         bob@@beta.io,Bob,,\n\
         ,Nobody,,\n\
         info@gamma.com.au,Info,,\n\
         cat@delta.com,Cat,call me,lots\n"
    );
    let out = import_bytes(&pool, ws, csv).await;
    assert_eq!(out.summary, summary(6, 2, 0, 4));
    let report = import::error_report_csv(&pool, ws.0, out.id).await.unwrap();
    assert_eq!(
        report,
        "row,column,kind,message\n\
         3,email,invalid,invalid: local part exceeds 64 octets\n\
         4,email,invalid,invalid: more than one @ outside quotes\n\
         5,email,invalid,missing: a lead needs an email or a LinkedIn URL\n\
         7,phone,invalid,not a phone number: letters other than an extension\n\
         7,employee_count,invalid,\"not a number of employees (expected e.g. 42, 11-50 or 10000+)\"\n"
    );
    // A risky address is imported with its verdict kept.
    let info = lead_by_email(&pool, ws.0, "info@gamma.com.au").await;
    assert_eq!(info.email_verdict, Some(Verdict::Risky));
    assert!(info.email_reason.is_some());
    let ann = lead_by_email(&pool, ws.0, "ann@acme.com").await;
    assert_eq!((ann.email_verdict, ann.employee_count, ann.company_domain.as_deref()), (Some(Verdict::Deliverable), Some(30), Some("acme.com")));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn windows_1252_text_is_decoded_and_unreadable_bytes_are_a_row_error(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let mut csv = b"email,first name,company\n".to_vec();
    csv.extend_from_slice(b"jose@acme.com,Jos\xE9,Caf\xE9 M\xFCller\n");
    // 0x81 is undefined in Windows-1252: the file is in some other encoding.
    csv.extend_from_slice(b"kim@acme.com,\x81\x8D\x90,Acme\n");
    csv.extend_from_slice("zoe@acme.com,Zoë,Ünïcode Pty\n".as_bytes());
    let out = import_bytes(&pool, ws, csv).await;
    assert_eq!(out.summary, summary(3, 2, 0, 1));
    let jose = lead_by_email(&pool, ws.0, "jose@acme.com").await;
    assert_eq!((jose.first_name.as_deref(), jose.company.as_deref()), (Some("José"), Some("Café Müller")));
    assert_eq!(lead_by_email(&pool, ws.0, "zoe@acme.com").await.first_name.as_deref(), Some("Zoë"));
    let problems = imports::problems(&pool, ws.0, out.id).await.unwrap();
    assert_eq!((problems[0].row_number, problems[0].column.as_str()), (3, "first_name"));
    assert!(problems[0].message.contains("encoding"), "{}", problems[0].message);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_utf16_file_from_excel_unicode_text_imports(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let text = "Email\tFirst Name\nzoe@acme.com\tZoë\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let out = import_bytes(&pool, ws, bytes).await;
    assert_eq!(out.summary, summary(1, 1, 0, 0));
    assert_eq!(lead_by_email(&pool, ws.0, "zoe@acme.com").await.first_name.as_deref(), Some("Zoë"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn headers_are_detected_from_common_spellings(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let csv = "E-mail Address,Full Name,Job Title,Organisation,Website,Person Linkedin Url,Mobile,City,State,Country,Industry,# Employees,Email Status,Company Linkedin Url\n\
               mia.wong@harbourdental.com.au,Mia Wong,Practice Owner,Harbour Dental,https://www.harbourdental.com.au/team,au.linkedin.com/in/miawong,0412 345 678,Manly,NSW,Australia,Dental,12,Verified,https://linkedin.com/company/harbour\n";
    let out = import_bytes(&pool, ws, csv).await;
    assert_eq!(out.summary, summary(1, 1, 0, 0));
    let lead = lead_by_email(&pool, ws.0, "mia.wong@harbourdental.com.au").await;
    assert_eq!((lead.first_name.as_deref(), lead.last_name.as_deref()), (Some("Mia"), Some("Wong")));
    assert_eq!(lead.title.as_deref(), Some("Practice Owner"));
    assert_eq!(lead.company.as_deref(), Some("Harbour Dental"));
    assert_eq!(lead.company_domain.as_deref(), Some("harbourdental.com.au"));
    assert_eq!(lead.linkedin_url.as_deref(), Some("https://www.linkedin.com/in/miawong"));
    assert_eq!(lead.phone.as_deref(), Some("0412 345 678"));
    assert_eq!((lead.location.as_deref(), lead.country.as_deref()), (Some("Manly, NSW"), Some("Australia")));
    assert_eq!((lead.industry.as_deref(), lead.employee_count), (Some("Dental"), Some(12)));
    let view = imports::get(&pool, ws.0, out.id).await.unwrap().unwrap();
    assert_eq!(view.status, ImportStatus::Completed);
    assert_eq!(view.mapping.len(), 12, "{:?}", view.mapping);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_file_without_an_email_or_linkedin_column_fails_with_the_reason(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let id = import::begin(&pool, ws.0, Some(ws.1), "names.csv").await.unwrap();
    let err = import::run(&pool, ws.0, Some(ws.1), id, std::io::Cursor::new(b"Name,Company\nAnn,Acme\n".to_vec()), ImportOptions::default(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.status(), 422);
    let view = imports::get(&pool, ws.0, id).await.unwrap().unwrap();
    assert_eq!(view.status, ImportStatus::Failed);
    assert!(view.error.unwrap().contains("email address or a LinkedIn URL"));
    let n: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await.unwrap();
    assert_eq!(n, 0);
    let empty = import::run(&pool, ws.0, None, import::begin(&pool, ws.0, None, "e.csv").await.unwrap(), std::io::empty(), ImportOptions::default(), |_| {}).await;
    assert!(empty.unwrap_err().to_string().contains("empty"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn leads_already_in_the_workspace_are_duplicates_and_are_not_overwritten(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    import_bytes(&pool, ws, "email,title\nann@acme.com,CEO\n").await;
    let out = import_bytes(&pool, ws, "email,title\nAnn@ACME.com,Intern\nbob@acme.com,CTO\n").await;
    assert_eq!(out.summary, summary(2, 1, 1, 0));
    assert_eq!(lead_by_email(&pool, ws.0, "ann@acme.com").await.title.as_deref(), Some("CEO"));
    let report = import::error_report_csv(&pool, ws.0, out.id).await.unwrap();
    assert!(report.contains("2,email,duplicate,duplicate: same email as a lead already in this workspace"), "{report}");
    // A soft-deleted lead no longer blocks its address.
    sqlx::query("update leads set deleted_at = now() where email = 'ann@acme.com'").execute(&pool).await.unwrap();
    let again = import_bytes(&pool, ws, "email\nann@acme.com\n").await;
    assert_eq!(again.summary, summary(1, 1, 0, 0));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_import_is_audited_with_its_counts(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let out = import_bytes(&pool, ws, "email\nann@acme.com\nann@acme.com\nbad\n").await;
    let (action, actor, after): (String, uuid::Uuid, serde_json::Value) =
        sqlx::query_as("select action, actor_id, after from audit_log where client_id = $1 and target_id = $2")
            .bind(ws.0 .0)
            .bind(out.id.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((action.as_str(), actor), ("lead.import", ws.1 .0));
    assert_eq!((after["imported"].as_u64(), after["duplicates"].as_u64(), after["invalid"].as_u64()), (Some(1), Some(1), Some(1)));
}

/// A CSV generated on the fly: the test never holds the file in memory either.
struct GeneratedCsv {
    rows: u64,
    next: u64,
    line: Vec<u8>,
    pos: usize,
    produced: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Read for GeneratedCsv {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.line.len() {
            self.line.clear();
            self.pos = 0;
            if self.next == 0 {
                self.line.extend_from_slice(b"Email,First Name,Last Name,Title,Company,Website,Country,# Employees,Notes\n");
            } else if self.next <= self.rows {
                let i = self.next;
                // Every 100th row repeats the previous one; every 250th has a bad address.
                let n = if i.is_multiple_of(100) { i - 1 } else { i };
                let email = if i.is_multiple_of(250) { format!("bad{n}@@example.com") } else { format!("person{n}@company{}.com.au", n % 5000) };
                let notes = "x".repeat(460);
                self.line.extend_from_slice(
                    format!("{email},First{n},Last{n},Head of Growth,Company {},https://company{}.com.au,Australia,{},\"{notes}\"\n", n % 5000, n % 5000, n % 200)
                        .as_bytes(),
                );
            } else {
                return Ok(0);
            }
            self.next += 1;
        }
        let n = buf.len().min(self.line.len() - self.pos);
        buf[..n].copy_from_slice(&self.line[self.pos..self.pos + n]);
        self.pos += n;
        self.produced.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_fifty_megabyte_file_imports_in_batches_that_never_exceed_the_batch_size(pool: PgPool) {
    let ws = workspace(&pool, "Big").await;
    let rows = 100_000;
    let produced = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let file = GeneratedCsv { rows, next: 0, line: Vec::new(), pos: 0, produced: produced.clone() };
    let mut updates: Vec<ImportSummary> = Vec::new();
    let id = import::begin(&pool, ws.0, Some(ws.1), "big.csv").await.unwrap();
    let out = import::run(&pool, ws.0, Some(ws.1), id, file, ImportOptions { batch_size: 1_000 }, |s| updates.push(*s)).await.unwrap();

    assert!(produced.load(std::sync::atomic::Ordering::Relaxed) >= 50 * 1024 * 1024, "the file is at least 50 MiB");
    let invalid = rows / 250;
    let duplicates = rows / 100 - rows / 500; // rows that are both 100th and 250th count as invalid
    assert_eq!(out.summary, summary(rows, rows - invalid - duplicates, duplicates, invalid));
    assert!(out.peak_buffered_rows <= 1_000, "peak {}", out.peak_buffered_rows);
    // Progress after every batch, never going backwards, ending at the summary.
    assert_eq!(updates.len(), 100);
    assert!(updates.windows(2).all(|w| w[0].total < w[1].total && w[0].imported <= w[1].imported));
    assert_eq!(updates.last(), Some(&out.summary));
    let n = engine::store::leads::count(&pool, ws.0, &Default::default()).await.unwrap();
    assert_eq!(n, out.summary.imported);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_demo_fixture_imports_with_its_known_problems_and_every_lead_scores(pool: PgPool) {
    let ws = workspace(&pool, "Demo").await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/fixtures/demo-leads.csv");
    let file = std::fs::File::open(path).unwrap();
    let out = import::import_csv(&pool, ws.0, Some(ws.1), "demo-leads.csv", file, |_| {}).await.unwrap();
    // Two repeats (one differing only in case), and five bad rows: two malformed addresses, a
    // row with neither email nor LinkedIn, a company page given as the person's LinkedIn, and
    // "lots" employees.
    assert_eq!(out.summary, summary(50, 43, 2, 5));
    let report = import::error_report_csv(&pool, ws.0, out.id).await.unwrap();
    assert_eq!(report.lines().count(), 1 + 7, "{report}");
    let counts = engine::flows::score::score_workspace(&pool, ws.0, engine::flows::score::Scope::Unscored, chrono::Utc::now()).await.unwrap();
    assert_eq!(counts.scored, 43);
}

/// One line of `size` bytes with no line break (short cells: `email,a,a,a,…`), generated as
/// read.
struct OneEndlessLine {
    size: u64,
    served: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Read for OneEndlessLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let served = self.served.load(std::sync::atomic::Ordering::Relaxed);
        let n = (buf.len() as u64).min(self.size.saturating_sub(served)) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let at = served + i as u64;
            *b = if at < 6 { b"email,"[at as usize] } else if at % 2 == 0 { b'a' } else { b',' };
        }
        self.served.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

const HUNDRED_AND_FIFTY_MB: u64 = 150 * 1024 * 1024;

fn endless() -> (OneEndlessLine, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let served = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    (OneEndlessLine { size: HUNDRED_AND_FIFTY_MB, served: served.clone() }, served)
}

#[test]
fn a_150_mb_single_line_preview_is_refused_after_one_rows_worth_of_bytes() {
    let (file, served) = endless();
    let e = import::staged::preview_of(file, uuid::Uuid::new_v4(), "huge.csv".into()).unwrap_err();
    assert_eq!(e.status(), 422);
    assert!(e.to_string().contains("a row is longer than 1 MiB"), "{e}");
    // Memory stays flat because reading stopped: at most the cap and a buffer were taken in.
    let read = served.load(std::sync::atomic::Ordering::Relaxed);
    assert!(read <= 2 * 1024 * 1024, "read {read} bytes of a 150 MB line");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_150_mb_single_line_import_fails_with_the_reason_after_one_rows_worth_of_bytes(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let (file, served) = endless();
    let e = import::import_csv(&pool, ws.0, Some(ws.1), "huge.csv", file, |_| {}).await.unwrap_err();
    assert!(e.to_string().contains("a row is longer than 1 MiB"), "{e}");
    assert!(served.load(std::sync::atomic::Ordering::Relaxed) <= 2 * 1024 * 1024);
    let (status, error): (String, Option<String>) = sqlx::query_as("select status, error from imports").fetch_one(&pool).await.unwrap();
    assert_eq!(status, "failed");
    assert!(error.unwrap_or_default().contains("a row is longer"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_cell_over_64_kib_fails_the_import_at_its_row_and_keeps_the_rows_before(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let csv = format!("email,notes\nann@acme.com,short\nbob@beta.io,{}\n", "n".repeat(70 * 1024));
    let e = import::import_csv(&pool, ws.0, Some(ws.1), "wide.csv", std::io::Cursor::new(csv.into_bytes()), |_| {}).await.unwrap_err();
    assert!(e.to_string().contains("row 3") && e.to_string().contains("a cell is longer than 64 KiB"), "{e}");
    assert_eq!(lead_by_email(&pool, ws.0, "ann@acme.com").await.first_name, None, "the row before is imported");
}
