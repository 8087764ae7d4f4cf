use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn today() -> NaiveDate {
    d(2026, 3, 1)
}

fn scorer() -> Scorer {
    let config = ScoringConfig {
        icp: Icp {
            industries: vec!["Marketing & Advertising".into(), "Staffing".into()],
            ..Icp::default()
        },
        ..ScoringConfig::default()
    };
    Scorer::new(config, ResolvedWeights::default()).unwrap()
}

fn codes(s: &Score) -> Vec<ReasonCode> {
    s.reasons.iter().map(|r| r.code).collect()
}

fn reason(s: &Score, code: ReasonCode) -> Option<Reason> {
    s.reasons.iter().copied().find(|r| r.code == code)
}

/// A lead that fires no rule except the risk baseline.
fn bare() -> LeadFacts<'static> {
    LeadFacts::default()
}

#[test]
fn default_config_is_valid() {
    assert!(Scorer::new(ScoringConfig::default(), ResolvedWeights::default()).is_ok());
}

#[test]
fn a_lead_with_no_facts_scores_only_the_risk_baseline() {
    let s = scorer().score(&bare(), today());
    assert_eq!(codes(&s), vec![ReasonCode::RiskBaseline]);
    assert_eq!(s.als.hundredths(), 1500);
    assert_eq!(s.tier, Tier::Dead);
    assert_eq!(
        s.components,
        ComponentPoints {
            risk: 15,
            ..Default::default()
        }
    );
}

#[test]
fn data_quality_rules_give_8_6_4_and_2_points() {
    let lead = LeadFacts {
        email_verified: true,
        has_phone: true,
        has_linkedin_url: true,
        has_personal_email: true,
        ..bare()
    };
    let s = scorer().score(&lead, today());
    for (code, pts) in [
        (ReasonCode::VerifiedEmail, 8),
        (ReasonCode::Phone, 6),
        (ReasonCode::LinkedinUrl, 4),
        (ReasonCode::PersonalEmail, 2),
    ] {
        let r = reason(&s, code).unwrap();
        assert_eq!(
            (r.points, r.contribution),
            (pts, pts as i32 * 100),
            "{code:?}"
        );
    }
    assert_eq!(s.components.data_quality, 20);
}

#[test]
fn authority_follows_the_title_table() {
    for (title, pts) in [
        ("Founder & CEO", 25),
        ("Owner", 25),
        ("Managing Director", 25),
        ("CMO", 22),
        ("VP Sales", 18),
        ("Director of Operations", 15),
        ("Head of Growth", 12),
        ("Senior Manager, Partnerships", 10),
        ("Office Manager", 7),
        ("Software Engineer", 0),
    ] {
        let s = scorer().score(&LeadFacts { title, ..bare() }, today());
        assert_eq!(s.components.authority, pts, "{title}");
    }
}

#[test]
fn a_ceo_title_reads_plus_25_ceo_title() {
    let s = scorer().score(
        &LeadFacts {
            title: "CEO",
            ..bare()
        },
        today(),
    );
    let r = reason(
        &s,
        ReasonCode::Title {
            rank: TitleRank::Ceo,
        },
    )
    .unwrap();
    assert_eq!(r.to_string(), "+25 CEO title");
}

#[test]
fn company_fit_gives_10_for_industry_5_for_size_and_5_for_location() {
    let lead = LeadFacts {
        industry: "marketing and advertising",
        employee_count: Some(50),
        location: "Melbourne VIC, Australia",
        ..bare()
    };
    let s = scorer().score(&lead, today());
    assert_eq!(reason(&s, ReasonCode::IndustryInIcp).unwrap().points, 10);
    assert_eq!(reason(&s, ReasonCode::EmployeesInIcp).unwrap().points, 5);
    assert_eq!(reason(&s, ReasonCode::LocationInIcp).unwrap().points, 5);
    assert_eq!(s.components.company_fit, 20);
}

#[test]
fn employee_counts_outside_five_to_fifty_and_other_places_earn_nothing() {
    for n in [0, 4, 51, u32::MAX] {
        let s = scorer().score(
            &LeadFacts {
                employee_count: Some(n),
                location: "Austria",
                industry: "Banking",
                ..bare()
            },
            today(),
        );
        assert_eq!(s.components.company_fit, 0, "{n}");
    }
    let s = scorer().score(
        &LeadFacts {
            employee_count: Some(5),
            ..bare()
        },
        today(),
    );
    assert_eq!(s.components.company_fit, 5);
}

#[test]
fn domain_rank_bands_are_0_to_150_151_to_500_and_501_up() {
    for (rank, pts) in [
        (0, 0),
        (150, 0),
        (151, 1),
        (500, 1),
        (501, 2),
        (u32::MAX, 2),
    ] {
        let web = WebPresence {
            domain_rank: Some(rank),
            ..Default::default()
        };
        let s = scorer().score(
            &LeadFacts {
                web: Some(web),
                ..bare()
            },
            today(),
        );
        assert_eq!(
            reason(&s, ReasonCode::DomainRank).map_or(0, |r| r.points),
            pts,
            "rank {rank}"
        );
    }
}

#[test]
fn traffic_bands_are_0_to_200_201_to_1000_and_1001_up() {
    for (etv, pts) in [
        (0.0, 0),
        (200.0, 0),
        (201.0, 1),
        (1000.0, 1),
        (1001.0, 2),
        (1e300, 2),
    ] {
        let web = WebPresence {
            domain_rank: Some(1),
            organic_etv: Some(etv),
            ..Default::default()
        };
        let s = scorer().score(
            &LeadFacts {
                web: Some(web),
                ..bare()
            },
            today(),
        );
        assert_eq!(
            reason(&s, ReasonCode::OrganicTraffic).map_or(0, |r| r.points),
            pts,
            "etv {etv}"
        );
    }
}

#[test]
fn a_top_ten_keyword_adds_one_point_and_full_web_presence_is_five() {
    let web = WebPresence {
        domain_rank: Some(900),
        organic_etv: Some(5000.0),
        top10_keywords: 3,
        spam_score: Some(10),
    };
    let s = scorer().score(
        &LeadFacts {
            web: Some(web),
            ..bare()
        },
        today(),
    );
    assert_eq!(reason(&s, ReasonCode::TopTenKeyword).unwrap().points, 1);
    assert_eq!(s.components.company_fit, 5);
    assert_eq!(s.components.risk, 15);
}

#[test]
fn timing_gives_6_for_a_new_role_5_for_hiring_and_4_for_funding() {
    let lead = LeadFacts {
        role_started_on: Some(d(2025, 9, 2)),
        company_hiring: true,
        funded_on: Some(d(2025, 3, 2)),
        ..bare()
    };
    let s = scorer().score(&lead, today());
    assert_eq!(reason(&s, ReasonCode::NewRole).unwrap().points, 6);
    assert_eq!(reason(&s, ReasonCode::Hiring).unwrap().points, 5);
    assert_eq!(reason(&s, ReasonCode::RecentlyFunded).unwrap().points, 4);
    assert_eq!(s.components.timing, 15);
}

#[test]
fn a_role_of_six_months_or_funding_of_twelve_months_is_no_longer_recent() {
    let lead = LeadFacts {
        role_started_on: Some(d(2025, 9, 1)),
        funded_on: Some(d(2025, 3, 1)),
        ..bare()
    };
    let s = scorer().score(&lead, today());
    assert_eq!(s.components.timing, 0);
}

#[test]
fn dates_in_the_future_count_as_nothing() {
    let lead = LeadFacts {
        role_started_on: Some(d(2030, 1, 1)),
        funded_on: Some(NaiveDate::MAX),
        ..bare()
    };
    assert_eq!(scorer().score(&lead, today()).components.timing, 0);
}

#[test]
fn intent_signals_add_but_timing_is_capped_at_fifteen() {
    let lead = LeadFacts {
        role_started_on: Some(d(2026, 2, 1)),
        company_hiring: true,
        funded_on: Some(d(2026, 1, 1)),
        intent_signals: 3,
        ..bare()
    };
    let s = scorer().score(&lead, today());
    assert_eq!(
        reason(&s, ReasonCode::IntentSignals { count: 3 })
            .unwrap()
            .points,
        6
    );
    let cap = reason(
        &s,
        ReasonCode::ComponentCapped {
            component: Component::Timing,
        },
    )
    .unwrap();
    assert_eq!(cap.points, -6);
    assert_eq!(s.components.timing, 15);
    let s = scorer().score(
        &LeadFacts {
            intent_signals: u16::MAX,
            ..bare()
        },
        today(),
    );
    assert_eq!(s.components.timing, 15);
    assert_eq!(
        reason(&s, ReasonCode::IntentSignals { count: u16::MAX })
            .unwrap()
            .points,
        15
    );
    assert_eq!(s.reasons.total(), i64::from(s.als.hundredths()));
}

#[test]
fn risk_deductions_follow_the_table() {
    let cases: [(LeadFacts<'static>, ReasonCode, i16); 4] = [
        (
            LeadFacts {
                previously_bounced: true,
                ..bare()
            },
            ReasonCode::PreviouslyBounced,
            -15,
        ),
        (
            LeadFacts {
                unsubscribed_anywhere: true,
                ..bare()
            },
            ReasonCode::Unsubscribed,
            -15,
        ),
        (
            LeadFacts {
                is_competitor: true,
                ..bare()
            },
            ReasonCode::Competitor,
            -10,
        ),
        (
            LeadFacts {
                title: "Marketing Intern",
                ..bare()
            },
            ReasonCode::BadTitle,
            -5,
        ),
    ];
    for (lead, code, pts) in cases {
        let s = scorer().score(&lead, today());
        assert_eq!(reason(&s, code).unwrap().points, pts, "{code:?}");
        assert_eq!(i16::from(s.components.risk), 15 + pts, "{code:?}");
    }
}

#[test]
fn a_domain_without_rank_or_traffic_and_with_spam_loses_five_three_and_three() {
    let web = WebPresence {
        domain_rank: None,
        organic_etv: Some(f64::NAN),
        top10_keywords: 0,
        spam_score: Some(51),
    };
    let s = scorer().score(
        &LeadFacts {
            web: Some(web),
            ..bare()
        },
        today(),
    );
    let no_rank = reason(&s, ReasonCode::NoDomainRank).unwrap();
    assert_eq!(no_rank.to_string(), "\u{2212}5 no web presence");
    assert_eq!(reason(&s, ReasonCode::NoOrganicTraffic).unwrap().points, -3);
    assert_eq!(reason(&s, ReasonCode::HighSpamScore).unwrap().points, -3);
    assert_eq!(s.components.risk, 4);
}

#[test]
fn a_spam_score_of_exactly_fifty_is_not_penalised() {
    let web = WebPresence {
        domain_rank: Some(300),
        organic_etv: Some(300.0),
        top10_keywords: 0,
        spam_score: Some(50),
    };
    let s = scorer().score(
        &LeadFacts {
            web: Some(web),
            ..bare()
        },
        today(),
    );
    assert_eq!(s.components.risk, 15);
}

#[test]
fn unmeasured_web_presence_earns_and_costs_nothing() {
    let s = scorer().score(&bare(), today());
    assert!(reason(&s, ReasonCode::NoDomainRank).is_none());
    assert_eq!(s.components.company_fit, 0);
}

#[test]
fn risk_is_floored_at_zero_with_a_reason_that_gives_the_overshoot_back() {
    let lead = LeadFacts {
        previously_bounced: true,
        unsubscribed_anywhere: true,
        is_competitor: true,
        ..bare()
    };
    let s = scorer().score(&lead, today());
    let floor = reason(
        &s,
        ReasonCode::ComponentFloored {
            component: Component::Risk,
        },
    )
    .unwrap();
    assert_eq!(floor.points, 25);
    assert_eq!(s.components.risk, 0);
    assert_eq!(s.als.hundredths(), 0);
    assert_eq!(s.reasons.total(), 0);
}

fn ideal() -> LeadFacts<'static> {
    LeadFacts {
        email_verified: true,
        has_phone: true,
        has_linkedin_url: true,
        has_personal_email: true,
        title: "Co-Founder & CEO",
        industry: "Staffing",
        employee_count: Some(20),
        location: "Sydney, Australia",
        web: Some(WebPresence {
            domain_rank: Some(600),
            organic_etv: Some(2000.0),
            top10_keywords: 5,
            spam_score: Some(1),
        }),
        role_started_on: Some(d(2026, 1, 1)),
        company_hiring: true,
        funded_on: Some(d(2025, 6, 1)),
        ..bare()
    }
}

#[test]
fn an_ideal_lead_scores_one_hundred_and_is_hot_with_every_channel() {
    let s = scorer().score(&ideal(), today());
    assert_eq!(s.als, Als::MAX);
    assert_eq!(s.tier, Tier::Hot);
    assert_eq!(s.channels(), ChannelSet::ALL);
    assert_eq!(s.reasons.total(), 10_000);
}

#[test]
fn weights_scale_each_component_as_points_over_max_times_weight() {
    let priors = ResolvedWeights {
        weights: Weights::PLATFORM_PRIORS,
        source: WeightSource::PlatformPriors,
    };
    let s = Scorer::with_weights(priors).score(
        &LeadFacts {
            title: "VP Marketing",
            ..bare()
        },
        today(),
    );
    // authority 18/25 × 0.30 × 100 = 21.6; risk 15/15 × 0.10 × 100 = 10.
    assert_eq!(s.als.hundredths(), 3160);
    assert_eq!(s.weights.source, WeightSource::PlatformPriors);
    assert_eq!(s.tier, Tier::Cold);
}

#[test]
fn a_target_account_multiplies_before_tiering() {
    // 40 (cool) × 1.5 = 60 (warm).
    let lead = LeadFacts {
        title: "CEO",
        target_account: Some(TargetAccountTier::Tier1),
        ..bare()
    };
    let s = scorer().score(&lead, today());
    assert_eq!(s.als.hundredths(), 6000);
    assert_eq!(s.tier, Tier::Warm);
    let r = reason(
        &s,
        ReasonCode::TargetAccount {
            tier: TargetAccountTier::Tier1,
            multiplier_pct: 150,
        },
    )
    .unwrap();
    assert_eq!(r.contribution, 2000);
    assert_eq!(r.to_string(), "\u{d7}1.5 target account (tier 1)");
    let s = scorer().score(
        &LeadFacts {
            target_account: Some(TargetAccountTier::Tier2),
            ..lead
        },
        today(),
    );
    assert_eq!(s.als.hundredths(), 4800);
}

#[test]
fn a_multiplied_score_is_capped_at_one_hundred() {
    let lead = LeadFacts {
        target_account: Some(TargetAccountTier::Tier1),
        ..ideal()
    };
    let s = scorer().score(&lead, today());
    assert_eq!(s.als, Als::MAX);
    let cap = reason(&s, ReasonCode::ScoreCapped).unwrap();
    assert_eq!(cap.contribution, -5000);
    assert_eq!(s.reasons.total(), 10_000);
}

#[test]
fn tiers_use_the_whole_number_shown_to_the_user() {
    assert_eq!(Als(8450).whole(), 85);
    assert_eq!(Als(8449).whole(), 84);
    assert_eq!(Als(0).whole(), 0);
    assert_eq!(Als::MAX.whole(), 100);
}

#[test]
fn bad_configurations_are_typed_errors() {
    let w = ResolvedWeights::default();
    let mut c = ScoringConfig::default();
    c.maxima.timing = 0;
    assert_eq!(
        Scorer::new(c, w).unwrap_err(),
        ScoringConfigError::ZeroMaximum(Component::Timing)
    );
    for m in [f64::NAN, 0.0, -1.0, f64::INFINITY, 11.0] {
        let mut c = ScoringConfig::default();
        c.target_multipliers.tier_1 = m;
        assert_eq!(
            Scorer::new(c, w).unwrap_err(),
            ScoringConfigError::Multiplier
        );
    }
    let mut c = ScoringConfig::default();
    c.tiers.warm = 90;
    assert_eq!(
        Scorer::new(c, w).unwrap_err(),
        ScoringConfigError::TierThresholds
    );
    let mut c = ScoringConfig::default();
    c.icp.employees_min = 100;
    assert_eq!(
        Scorer::new(c, w).unwrap_err(),
        ScoringConfigError::EmployeeRange
    );
    let mut c = ScoringConfig::default();
    c.web.traffic_mid_above = f64::NAN;
    assert_eq!(Scorer::new(c, w).unwrap_err(), ScoringConfigError::WebBands);
}

#[test]
fn points_above_a_maximum_are_capped_with_a_reason() {
    let mut c = ScoringConfig::default();
    c.data_quality.verified_email = 200;
    let s = Scorer::new(c, ResolvedWeights::default()).unwrap().score(
        &LeadFacts {
            email_verified: true,
            ..bare()
        },
        today(),
    );
    assert_eq!(s.components.data_quality, 20);
    assert_eq!(s.reasons.total(), i64::from(s.als.hundredths()));
    assert!(s.als <= Als::MAX);
}

#[test]
fn a_score_round_trips_through_json() {
    let s = scorer().score(&ideal(), today());
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Score>(&json).unwrap(), s);
}

#[test]
fn a_lead_profile_deserialises_with_missing_fields_defaulted() {
    let p: LeadProfile =
        serde_json::from_str(r#"{"title":"Head of Growth","employee_count":12}"#).unwrap();
    let s = scorer().score(&p.facts(), today());
    assert_eq!(s.components.authority, 12);
}

#[test]
fn a_newer_timing_report_replaces_only_the_facts_it_reports() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let old = Timing { role_started_on: Some(d("2024-01-01")), company_hiring: Some(true), funded_on: Some(d("2023-08-01")), intent_signals: Some(3) };
    let newer = Timing { role_started_on: Some(d("2026-09-01")), company_hiring: Some(false), ..Timing::default() };
    let merged = old.updated_by(newer);
    assert_eq!(merged.role_started_on, Some(d("2026-09-01")));
    assert_eq!(merged.company_hiring, Some(false), "a report that the company stopped hiring is a fact too");
    assert_eq!(merged.funded_on, Some(d("2023-08-01")));
    assert_eq!(merged.intent_signals, Some(3));
    assert!(Timing::default().is_empty() && !merged.is_empty());
}

#[test]
fn timing_is_stored_as_json_without_the_unknown_facts() {
    let t = Timing { funded_on: NaiveDate::from_ymd_opt(2026, 5, 1), ..Timing::default() };
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, r#"{"funded_on":"2026-05-01"}"#);
    assert_eq!(serde_json::from_str::<Timing>(&json).unwrap(), t);
    assert_eq!(serde_json::from_str::<Timing>("{}").unwrap(), Timing::default());
}
