//! Reply classification throughput (target: at least 50,000 replies/s on one core).

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use domain::reply::{classify, Reply};

const SAMPLES: &[(&str, &str, bool)] = &[
    ("Re: churn at Acme", "Sounds interesting, tell me more.\n\nKind regards,\nSam Lee\nHead of Growth\n\nOn Mon, 2 Mar 2026 at 09:12, Dani <dani@agency.example> wrote:\n> Hi Sam, saw your talk on churn.\n> Worth a quick call this week?\n> Reply STOP to unsubscribe.", false),
    ("Automatic reply: churn at Acme", "Thank you for your email. I am currently on annual leave, returning Monday 16 March 2026, with limited access to email. For urgent matters please contact reception@acme.example.\n\nKind regards,\nPriya", true),
    ("RE: churn", "Not interested, we handle this in-house.\n\n________________________________\nFrom: Dani Apgar <dani@agency.example>\nSent: Monday, 2 March 2026 9:02 AM\nTo: Sam\nSubject: churn\n\nHi Sam, worth a chat?", false),
    ("Re: idea", "Sure - does Thursday work? Send me an invite for 10am.\n\nGet Outlook for iOS", false),
    ("Re: idea", "Please remove me from your mailing list.", false),
    ("Re: idea", "What do you charge for something like this, and is it a fixed fee?\n\n-----Original Message-----\nFrom: Dani\nSent: Monday\n", false),
    ("[Ticket #48213] Re: idea", "This is an automated response to let you know we have received your request. Your ticket number is 48213. Please do not reply to this email.", true),
    ("Out of Office", "I am out of the office from Friday, May 22nd, 2026 to Friday, May 29th, 2026 with no access to email.", true),
];

fn bench(c: &mut Criterion) {
    let received = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let replies: Vec<Reply<'_>> = SAMPLES
        .iter()
        .map(|&(subject, body, auto)| Reply {
            subject,
            body,
            received_on: received,
            auto_submitted: auto,
        })
        .collect();
    // Build the automaton and date pattern outside the measurement.
    let _ = classify(&replies[1]);
    let mut group = c.benchmark_group("reply");
    group.throughput(Throughput::Elements(replies.len() as u64));
    group.bench_function("classify_mixed_batch", |b| {
        b.iter(|| {
            for r in &replies {
                black_box(classify(black_box(r)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
