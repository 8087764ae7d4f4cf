//! `agency-os bench`: the end-to-end benchmark of the issue — import, sandbox enrichment and
//! scoring of N generated leads into a scratch database, the same CSV through `psql \copy` for
//! the raw database speed, and the server time of the leads table page at that size.
//!
//! It runs against its own database (the DATABASE_URL's name with `_bench` appended, so
//! `agency_os_bench` by default; dropped first) and its own Redis key namespace, so it never touches real data and a second run does not read the first run's
//! enrichment cache (which would flatter the figures).

use crate::config::Config;
use anyhow::Context;
use domain::leads::{LeadFilter, PageRequest, Sort, SortKey};
use domain::score::Tier;
use engine::{cache::Redis, db, Engine};
use std::io::Write;
use std::time::{Duration, Instant};


/// One measured stage, for the table at the end.
struct Figure {
    stage: &'static str,
    rows: usize,
    seconds: f64,
    peak_rss_mb: f64,
}

pub async fn run(config: &Config, leads: usize, keep: bool, poll_ms: u64) -> anyhow::Result<()> {
    let server_url = config.database_url.expose().to_string();
    // Named after the configured database, so two checkouts benchmarking on one server (each
    // with its own DATABASE_URL) do not drop each other's scratch database.
    let bench_db = format!("{}_bench", database_name(&server_url)?);
    let bench_url = with_database(&server_url, &bench_db)?;
    recreate_database(&server_url, &bench_url, &bench_db).await?;
    let pool = db::connect(&bench_url, config.db_max_connections.max(10)).await?;
    db::migrate(&pool).await.context("migrating the bench database")?;
    let namespace = format!("bench:{}:", uuid::Uuid::new_v4().simple());
    let redis = Redis::connect(config.redis_url.expose(), namespace.clone()).await.context("cannot reach Redis (set REDIS_URL)")?;
    let engine = Engine::new(pool, redis, config.engine_settings()?);
    let result = measure(&engine, &bench_url, leads, Duration::from_millis(poll_ms)).await;

    // Clean up whatever happened: the cache keys would otherwise live 90 days.
    let removed = drop_namespace(&engine.redis, &namespace).await.unwrap_or(0);
    engine.owner_pool().close().await;
    if keep {
        eprintln!("kept database {bench_db} ({removed} cache keys removed)");
    } else {
        drop_database(&server_url, &bench_db).await?;
    }
    result
}

async fn measure(engine: &Engine, bench_url: &str, n: usize, poll: Duration) -> anyhow::Result<()> {
    let mut figures = Vec::new();
    let user = engine::flows::accounts::sign_up(
        engine,
        engine::flows::accounts::SignUp { name: "Bench Owner", email: "bench@example.com", password: "bench-password-2026" },
    )
    .await?;
    let ws = engine::flows::workspaces::create(engine, user, "Bench").await?;
    // Enough credits for every lead: the benchmark measures throughput, not the plan.
    engine::store::enrichment::set_plan_state(engine.owner_pool(), ws, "active", i32::try_from(n).unwrap_or(i32::MAX).saturating_mul(2)).await?;

    let dir = std::env::temp_dir().join(format!("agency-os-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("leads.csv");
    let t = Instant::now();
    let bytes = write_csv(&csv, n)?;
    eprintln!("generated {n} leads ({:.1} MB) in {:.1} s", bytes as f64 / 1e6, t.elapsed().as_secs_f64());
    figures.push(Figure { stage: "generate CSV", rows: n, seconds: t.elapsed().as_secs_f64(), peak_rss_mb: peak_rss_mb() });

    // a) raw database speed: psql \copy of the same file into a table of the same columns.
    sqlx::query(&format!("create table bench_copy ({})", COLUMNS.iter().map(|c| format!("{c} text")).collect::<Vec<_>>().join(", ")))
        .execute(engine.owner_pool())
        .await?;
    let t = Instant::now();
    let out = std::process::Command::new("psql")
        .arg(bench_url)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!("\\copy bench_copy from '{}' csv header", csv.display()))
        .output()
        .context("running psql (is it installed?)")?;
    let copy_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(out.status.success(), "psql \\copy failed: {}", String::from_utf8_lossy(&out.stderr));
    let copied: i64 = sqlx::query_scalar("select count(*) from bench_copy").fetch_one(engine.owner_pool()).await?;
    anyhow::ensure!(copied as usize == n, "psql copied {copied} rows, expected {n}");
    figures.push(Figure { stage: "psql \\copy", rows: n, seconds: copy_s, peak_rss_mb: peak_rss_mb() });
    eprintln!("psql \\copy: {n} rows in {copy_s:.2} s");

    // b) the import.
    let t = Instant::now();
    let f = std::fs::File::open(&csv)?;
    let outcome = engine::import::import_csv(engine.owner_pool(), ws, Some(user), "bench.csv", std::io::BufReader::with_capacity(256 * 1024, f), |s| {
        eprint!("\rimport: {} rows read, {} imported", s.total, s.imported);
    })
    .await?;
    eprintln!();
    let import_s = t.elapsed().as_secs_f64();
    let imported = outcome.summary.imported as usize;
    anyhow::ensure!(imported == n, "imported {imported} of {n} leads ({} duplicates, {} invalid)", outcome.summary.duplicates, outcome.summary.invalid);
    figures.push(Figure { stage: "import", rows: imported, seconds: import_s, peak_rss_mb: peak_rss_mb() });

    // c) enrichment (sandbox waterfall) and scoring, as `agency-os pipeline` runs them.
    // Fresh tables have no planner statistics until autovacuum gets round to them; without
    // them the pending-leads query picked a plan that took over a second per batch at 100,000
    // leads. A production database that has been up for a minute has them; measure that.
    let t = Instant::now();
    sqlx::query("analyze leads, enrichment_log").execute(engine.owner_pool()).await?;
    let mut enricher = engine::flows::enrich::Enricher::sandbox(2026);
    enricher.settings.async_poll_interval = poll;
    let mut last = Instant::now();
    let mut scoring_from: Option<Instant> = None;
    let done = engine::flows::pipeline::pipeline(engine, &enricher, ws, |p| {
        if p.stage == engine::flows::pipeline::Stage::Scoring {
            scoring_from.get_or_insert_with(Instant::now);
        }
        if last.elapsed() > Duration::from_secs(2) || p.stage != engine::flows::pipeline::Stage::Enriching {
            eprintln!("{p} ({:.0} s)", t.elapsed().as_secs_f64());
            last = Instant::now();
        }
    })
    .await?;
    let pipeline_s = t.elapsed().as_secs_f64();
    // The two halves of the pipeline, split where it reports the scoring stage.
    let enrich_s = scoring_from.map_or(pipeline_s, |s| s.duration_since(t).as_secs_f64());
    figures.push(Figure { stage: "  enrich", rows: imported, seconds: enrich_s, peak_rss_mb: peak_rss_mb() });
    figures.push(Figure { stage: "  score", rows: imported, seconds: pipeline_s - enrich_s, peak_rss_mb: peak_rss_mb() });
    figures.push(Figure { stage: "enrich + score", rows: imported, seconds: pipeline_s, peak_rss_mb: peak_rss_mb() });
    figures.push(Figure { stage: "end to end (import..score)", rows: imported, seconds: import_s + pipeline_s, peak_rss_mb: peak_rss_mb() });
    let _ = std::fs::remove_dir_all(&dir);

    // e) the leads table page at this size. Autovacuum keeps a live table's visibility map
    // current, which is what lets the page's index-only scans skip the rows; a table loaded a
    // second ago has none yet, so do what autovacuum would have done by the time anyone looks.
    sqlx::query("vacuum analyze leads").execute(engine.owner_pool()).await?;
    let pages = page_timings(engine, ws, n).await?;

    println!();
    println!("Benchmark: {n} leads, {} cores", std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1));
    println!("{:<28} {:>9} {:>9} {:>11} {:>13}", "stage", "rows", "seconds", "rows/s", "peak RSS MB");
    for f in &figures {
        println!("{:<28} {:>9} {:>9.2} {:>11.0} {:>13.1}", f.stage, f.rows, f.seconds, f.rows as f64 / f.seconds.max(1e-9), f.peak_rss_mb);
    }
    println!(
        "import / psql \\copy speed: {:.2} (import {:.0} rows/s, \\copy {:.0} rows/s); end to end / \\copy: {:.3}",
        copy_s / import_s,
        n as f64 / import_s,
        n as f64 / copy_s,
        copy_s / (import_s + pipeline_s)
    );
    let e = &done.enrichment;
    println!(
        "pipeline: batches of {}, {} leads of a batch at once, async providers polled every {} ms",
        enricher.settings.batch_size,
        enricher.settings.concurrency,
        poll.as_millis()
    );
    println!(
        "enrichment: {} enriched ({} from cache), {} skipped, {} waiting; {} scored; by provider {:?}",
        e.enriched, e.from_cache, e.skipped, e.deferred, done.scored, e.by_provider
    );
    println!("leads page ({} requests, engine::store::leads::list): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms", pages.len(), pct(&pages, 0.50), pct(&pages, 0.95), pct(&pages, 1.0));
    Ok(())
}

/// 200 page requests over a mix of what people do on the leads table: first page by score,
/// deep pages, other sorts, a tier filter and a search; returns each server time in ms.
async fn page_timings(engine: &Engine, ws: domain::ids::WorkspaceId, n: usize) -> anyhow::Result<Vec<f64>> {
    let per_page = 50u32;
    let last_page = u32::try_from(n.div_ceil(per_page as usize)).unwrap_or(u32::MAX).max(1);
    let sorts = [
        Sort { key: SortKey::Als, descending: true },
        Sort { key: SortKey::Name, descending: false },
        Sort { key: SortKey::CreatedAt, descending: true },
    ];
    let mut times = Vec::with_capacity(200);
    for i in 0..200u32 {
        let sort = sorts[(i % 3) as usize];
        let mut filter = LeadFilter::default();
        let page = match i % 5 {
            0 => 1,
            1 => last_page / 2,
            2 => last_page,
            3 => {
                filter.tier = Some([Tier::Hot, Tier::Warm, Tier::Cool][(i % 3) as usize]);
                1
            }
            _ => {
                filter.search = Some(["smith", "consult", "olivia", "acme"][(i % 4) as usize].into());
                1
            }
        };
        let t = Instant::now();
        let got = engine::store::leads::list(&mut *engine.tenant(ws).await?, ws, &filter, sort, PageRequest { page: page.max(1), per_page }).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(got);
    }
    Ok(times)
}

/// The `q` quantile (0..=1) of `times`, nearest rank; 0 for none.
pub(crate) fn pct(times: &[f64], q: f64) -> f64 {
    let mut v = times.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// The process's peak resident set (VmHWM), in MB; 0 where /proc is not available.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

const COLUMNS: [&str; 12] =
    ["email", "first_name", "last_name", "title", "company", "company_domain", "linkedin_url", "phone", "location", "country", "industry", "employees"];

const FIRST: &[&str] = &[
    "Olivia", "Jack", "Charlotte", "Noah", "Amelia", "William", "Isla", "Oliver", "Mia", "Thomas", "Grace", "Lucas", "Chloe", "Henry",
    "Zoe", "James", "Ruby", "Leo", "Sophie", "Ethan", "Priya", "Wei", "Aisha", "Mateo", "Hannah", "Liam", "Emily", "Arjun", "Sienna", "Max",
];
const LAST: &[&str] = &[
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson", "Martin", "White", "Anderson", "Walker", "Thompson",
    "Harris", "Lee", "Ryan", "Robinson", "Kelly", "King", "Singh", "Chen", "Patel", "Murphy", "Campbell", "Clarke", "Scott", "Young", "Mitchell",
];
const TITLES: &[&str] = &[
    "Chief Executive Officer", "Founder", "Managing Director", "Head of Marketing", "Marketing Manager", "Director of Sales",
    "VP Sales", "Operations Manager", "Chief Marketing Officer", "Growth Lead", "Business Development Manager", "Office Manager",
    "Marketing Coordinator", "General Manager", "Owner", "Digital Marketing Specialist", "Account Executive", "Sales Representative",
];
const COMPANY_A: &[&str] =
    &["Harbour", "Southern", "Blue", "Eucalypt", "Coastal", "Summit", "Redgum", "Northside", "Acme", "Bright", "Ironbark", "Golden", "Pacific", "Wattle"];
const COMPANY_B: &[&str] =
    &["Dental", "Plumbing", "Legal", "Physio", "Consulting", "Accounting", "Realty", "Builders", "Logistics", "Fitness", "Solar", "Vets", "Media", "Labs"];
const SUFFIX: &[&str] = &["Pty Ltd", "Group", "Co", "Partners", "Studio", "Services"];
const CITIES: &[(&str, &str)] = &[
    ("Sydney", "Australia"), ("Melbourne", "Australia"), ("Brisbane", "Australia"), ("Perth", "Australia"), ("Adelaide", "Australia"),
    ("Auckland", "New Zealand"), ("London", "United Kingdom"), ("Austin", "United States"), ("Toronto", "Canada"),
];
const INDUSTRIES: &[&str] =
    &["Health Care", "Construction", "Legal Services", "Real Estate", "Professional Services", "Retail", "Hospitality", "Software", "Manufacturing"];

/// Writes N plausible leads, streamed (nothing held in memory). A small mixing function picks
/// the parts so the data looks varied but is the same on every run; the index in the email
/// keeps every address unique.
fn write_csv(path: &std::path::Path, n: usize) -> anyhow::Result<u64> {
    let f = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::with_capacity(256 * 1024, f);
    writeln!(w, "{}", COLUMNS.join(","))?;
    for i in 0..n {
        let h = mix(i as u64);
        let pick = |list: &[&'static str], shift: u32| list[((h >> shift) as usize) % list.len()];
        let first = pick(FIRST, 0);
        let last = pick(LAST, 8);
        let (a, b) = (pick(COMPANY_A, 16), pick(COMPANY_B, 24));
        // ~2,000 distinct companies, so many leads share an employer as in a real list.
        let company_no = (h >> 32) % 10;
        let company = format!("{a} {b} {} {}", pick(SUFFIX, 40), company_no);
        let domain = format!("{}{}{}.com.au", a.to_lowercase(), b.to_lowercase(), company_no);
        let (city, country) = CITIES[((h >> 44) as usize) % CITIES.len()];
        // Some rows lack the optional columns, as exported lists do.
        let phone = if h % 3 == 0 { String::new() } else { format!("+61 4{:02} {:03} {:03}", (h >> 12) % 100, (h >> 20) % 1000, (h >> 30) % 1000) };
        let linkedin = if h % 4 == 0 { String::new() } else { format!("https://www.linkedin.com/in/{}-{}-{i}", first.to_lowercase(), last.to_lowercase()) };
        writeln!(
            w,
            "{}.{}.{i}@{domain},{first},{last},{},{company},{domain},{linkedin},{phone},{city},{country},{},{}",
            first.to_lowercase(),
            last.to_lowercase(),
            pick(TITLES, 36),
            pick(INDUSTRIES, 50),
            [5, 12, 25, 40, 80, 150, 300, 1200][((h >> 56) as usize) % 8],
        )?;
    }
    w.flush()?;
    Ok(w.get_ref().metadata()?.len())
}

/// SplitMix64: cheap, well-spread bits from a counter.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The database name of a URL (its path), `postgres` when it names none.
fn database_name(url: &str) -> anyhow::Result<String> {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    let scheme_end = base.find("://").context("DATABASE_URL has no scheme")? + 3;
    let name = base[scheme_end..].split_once('/').map_or("", |(_, n)| n);
    anyhow::ensure!(!name.contains('"'), "DATABASE_URL names an unusable database");
    Ok(if name.is_empty() { "postgres".to_string() } else { name.to_string() })
}

/// The same server URL with another database name (the path), keeping any query string.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").context("DATABASE_URL has no scheme")? + 3;
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    Ok(format!("{}/{name}{}", &base[..host_end], query.map(|q| format!("?{q}")).unwrap_or_default()))
}

async fn recreate_database(server_url: &str, bench_url: &str, bench_db: &str) -> anyhow::Result<()> {
    drop_database(server_url, bench_db).await?;
    db::create_database_if_missing(bench_url).await.context("creating the bench database")?;
    Ok(())
}

async fn drop_database(server_url: &str, bench_db: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&with_database(server_url, "postgres")?).await.context("cannot reach PostgreSQL (set DATABASE_URL)")?;
    sqlx::query(&format!("drop database if exists \"{bench_db}\" with (force)")).execute(&mut conn).await?;
    Ok(())
}

/// Deletes every key of the bench's Redis namespace; returns how many.
async fn drop_namespace(redis: &Redis, namespace: &str) -> anyhow::Result<usize> {
    let mut conn = redis.conn.clone();
    let mut cursor: u64 = 0;
    let mut removed = 0;
    loop {
        let (next, keys): (u64, Vec<String>) =
            redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(format!("{namespace}*")).arg("COUNT").arg(1000).query_async(&mut conn).await?;
        if !keys.is_empty() {
            removed += keys.len();
            redis::cmd("DEL").arg(&keys).query_async::<()>(&mut conn).await?;
        }
        if next == 0 {
            return Ok(removed);
        }
        cursor = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(with_database("postgres://u@h:5432/agency_os", "x").unwrap(), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h/agency_os?sslmode=disable", "x").unwrap(), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x").unwrap(), "postgres://u@h/x");
        assert_eq!(database_name("postgres://u@h:5432/agency_os?sslmode=disable").unwrap(), "agency_os");
        assert_eq!(database_name("postgres://u@h").unwrap(), "postgres");
    }
}
