//! Scoring throughput: the issue asks for at least 1,000,000 leads/s on one core.
//!
//! The batch mixes realistic titles, industries and locations so title reading and ICP
//! matching are exercised, not just the arithmetic.

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use domain::score::*;

const TITLES: &[&str] = &[
    "Co-Founder & CEO",
    "VP, Marketing",
    "Head of Growth",
    "Marketing Intern",
    "Directeur Général",
    "Geschäftsführer",
    "Gerente",
    "Sr. Manager, Partnerships",
    "Owner/Operator",
    "Software Engineer",
    "Chief Marketing Officer",
    "Executive Assistant to the CEO",
];
const INDUSTRIES: &[&str] = &[
    "Marketing & Advertising",
    "Staffing and Recruiting",
    "Banking",
    "E-commerce",
    "",
];
const LOCATIONS: &[&str] = &[
    "Sydney, NSW, Australia",
    "Melbourne VIC",
    "London, United Kingdom",
    "Brisbane, Australia",
    "",
];

fn leads(n: usize) -> Vec<LeadProfile> {
    (0..n)
        .map(|i| LeadProfile {
            email_verified: i % 2 == 0,
            has_phone: i % 3 == 0,
            has_linkedin_url: i % 4 != 0,
            has_personal_email: i % 5 == 0,
            title: TITLES[i % TITLES.len()].to_string(),
            industry: INDUSTRIES[i % INDUSTRIES.len()].to_string(),
            employee_count: Some((i * 7 % 120) as u32),
            location: LOCATIONS[i % LOCATIONS.len()].to_string(),
            web: (i % 3 != 0).then(|| WebPresence {
                domain_rank: Some((i * 37 % 900) as u32),
                organic_etv: Some((i * 53 % 3000) as f64),
                top10_keywords: (i % 4) as u32,
                spam_score: Some((i % 80) as u8),
            }),
            role_started_on: NaiveDate::from_ymd_opt(2025, 1 + (i % 12) as u32, 1),
            company_hiring: i % 6 == 0,
            funded_on: (i % 7 == 0).then(|| NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()),
            intent_signals: (i % 4) as u16,
            previously_bounced: i % 50 == 0,
            unsubscribed_anywhere: i % 97 == 0,
            is_competitor: i % 40 == 0,
            target_account: match i % 10 {
                0 => Some(TargetAccountTier::Tier1),
                1 => Some(TargetAccountTier::Tier2),
                _ => None,
            },
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let config = ScoringConfig {
        icp: Icp {
            industries: vec![
                "Marketing & Advertising".into(),
                "Staffing".into(),
                "E-commerce".into(),
            ],
            ..Icp::default()
        },
        ..ScoringConfig::default()
    };
    let scorer = Scorer::new(
        config,
        ResolvedWeights {
            weights: Weights::PLATFORM_PRIORS,
            source: WeightSource::PlatformPriors,
        },
    )
    .unwrap();
    let batch = leads(10_000);
    let facts: Vec<LeadFacts<'_>> = batch.iter().map(LeadProfile::facts).collect();
    let as_of = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();

    let mut g = c.benchmark_group("als");
    g.throughput(Throughput::Elements(facts.len() as u64));
    g.bench_function("score_10k_leads", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for f in &facts {
                sum += u64::from(scorer.score(black_box(f), as_of).als.hundredths());
            }
            black_box(sum)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
