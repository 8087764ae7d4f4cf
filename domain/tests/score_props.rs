//! Properties of the ALS scorer that must hold for any lead, weights and configuration.

use chrono::NaiveDate;
use domain::score::*;
use proptest::prelude::*;

fn date() -> impl Strategy<Value = NaiveDate> {
    (-200_000i32..200_000).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(700_000 + d).unwrap())
}

fn web() -> impl Strategy<Value = WebPresence> {
    (
        proptest::option::of(any::<u32>()),
        proptest::option::of(prop_oneof![any::<f64>(), 0.0..5000.0f64]),
        any::<u32>(),
        proptest::option::of(any::<u8>()),
    )
        .prop_map(
            |(domain_rank, organic_etv, top10_keywords, spam_score)| WebPresence {
                domain_rank,
                organic_etv,
                top10_keywords,
                spam_score,
            },
        )
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Co-Founder & CEO".to_string()),
        Just("VP, Marketing".to_string()),
        Just("Marketing Intern".to_string()),
        Just("Directeur Général".to_string()),
        Just("Sydney, Australia".to_string()),
        Just("Staffing".to_string()),
        ".{0,80}",
        "[A-Za-z ,&/-]{0,60}",
    ]
}

prop_compose! {
    fn profile()(
        flags in any::<[bool; 10]>(),
        title in text(),
        industry in text(),
        location in text(),
        employee_count in proptest::option::of(any::<u32>()),
        web in proptest::option::of(web()),
        role_started_on in proptest::option::of(date()),
        funded_on in proptest::option::of(date()),
        intent_signals in any::<u16>(),
        target in proptest::option::of(prop_oneof![Just(TargetAccountTier::Tier1), Just(TargetAccountTier::Tier2)]),
    ) -> LeadProfile {
        LeadProfile {
            email_verified: flags[0],
            has_phone: flags[1],
            has_linkedin_url: flags[2],
            has_personal_email: flags[3],
            title,
            industry,
            employee_count,
            location,
            web,
            role_started_on,
            company_hiring: flags[4],
            funded_on,
            intent_signals,
            previously_bounced: flags[5],
            unsubscribed_anywhere: flags[6],
            is_competitor: flags[7],
            target_account: target,
        }
    }
}

fn weights() -> impl Strategy<Value = Weights> {
    prop_oneof![
        Just(Weights::DEFAULT),
        Just(Weights::PLATFORM_PRIORS),
        proptest::array::uniform5(0.0..1000.0f64)
            .prop_filter("positive sum", |a| a.iter().sum::<f64>() > 1e-9)
            .prop_map(|a| Weights::normalised(RawWeights {
                data_quality: a[0],
                authority: a[1],
                company_fit: a[2],
                timing: a[3],
                risk: a[4],
            })
            .unwrap()),
    ]
}

fn config() -> impl Strategy<Value = ScoringConfig> {
    (
        any::<[u8; 5]>(),
        any::<[u8; 6]>(),
        0.01..10.0f64,
        0.01..10.0f64,
    )
        .prop_map(|(max, pts, m1, m2)| {
            let mut c = ScoringConfig::default();
            c.icp.industries = vec!["Staffing".into(), "Marketing & Advertising".into()];
            c.maxima = ComponentMaxima {
                data_quality: max[0].max(1),
                authority: max[1].max(1),
                company_fit: max[2].max(1),
                timing: max[3].max(1),
                risk: max[4].max(1),
            };
            c.data_quality.verified_email = pts[0];
            c.authority.owner_founder_ceo_md = pts[1];
            c.timing.per_intent_signal = pts[2];
            c.risk.competitor = pts[3];
            c.company_fit.industry = pts[4];
            c.web.high_points = pts[5];
            c.target_multipliers = TargetMultipliers {
                tier_1: m1,
                tier_2: m2,
            };
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_score_is_between_0_and_100_and_equals_the_sum_of_its_reasons(
        p in profile(), w in weights(), as_of in date(),
    ) {
        let scorer = Scorer::with_weights(ResolvedWeights { weights: w, source: WeightSource::ClientLearned });
        let s = scorer.score(&p.facts(), as_of);
        prop_assert!(s.als <= Als::MAX);
        prop_assert_eq!(s.reasons.total(), i64::from(s.als.hundredths()));
        prop_assert_eq!(s.tier, TierThresholds::default().tier_of(s.als.whole()));
        prop_assert_eq!(s.channels(), s.tier.channels());
    }

    #[test]
    fn any_valid_configuration_keeps_the_score_in_range_and_exact(
        p in profile(), w in weights(), c in config(), as_of in date(),
    ) {
        let maxima = c.maxima;
        let scorer = Scorer::new(c, ResolvedWeights { weights: w, source: WeightSource::Defaults }).unwrap();
        let s = scorer.score(&p.facts(), as_of);
        prop_assert!(s.als <= Als::MAX);
        prop_assert_eq!(s.reasons.total(), i64::from(s.als.hundredths()));
        for comp in Component::ALL {
            prop_assert!(s.components.get(comp) <= maxima.get(comp));
        }
    }

    #[test]
    fn component_reasons_add_up_to_the_component_points(p in profile(), as_of in date()) {
        let s = Scorer::with_weights(ResolvedWeights::default()).score(&p.facts(), as_of);
        for comp in Component::ALL {
            let sum: i32 = s.reasons.iter().filter(|r| r.code.component() == Some(comp)).map(|r| i32::from(r.points)).sum();
            prop_assert_eq!(sum, i32::from(s.components.get(comp)), "{:?}", comp);
        }
    }

    #[test]
    fn with_default_weights_each_reason_is_worth_its_points(p in profile(), as_of in date()) {
        let lead = LeadProfile { target_account: None, ..p };
        let s = Scorer::with_weights(ResolvedWeights::default()).score(&lead.facts(), as_of);
        for r in s.reasons.iter() {
            prop_assert_eq!(r.contribution, i32::from(r.points) * 100);
        }
    }

    #[test]
    fn a_target_account_never_lowers_a_score_with_a_multiplier_of_at_least_one(p in profile(), as_of in date()) {
        let scorer = Scorer::with_weights(ResolvedWeights::default());
        let plain = scorer.score(&LeadProfile { target_account: None, ..p.clone() }.facts(), as_of);
        let target = scorer.score(&LeadProfile { target_account: Some(TargetAccountTier::Tier2), ..p }.facts(), as_of);
        prop_assert!(target.als >= plain.als);
        prop_assert!(target.tier >= plain.tier);
    }

    #[test]
    fn normalised_weights_sum_to_one(a in proptest::array::uniform5(0.0..1e12f64)) {
        let raw = RawWeights { data_quality: a[0], authority: a[1], company_fit: a[2], timing: a[3], risk: a[4] };
        match Weights::normalised(raw) {
            Ok(w) => {
                prop_assert!((w.sum() - 1.0).abs() < 1e-12);
                prop_assert!(w.as_array().iter().all(|x| x.is_finite() && *x >= 0.0));
            }
            Err(e) => prop_assert_eq!(e, WeightsError::ZeroSum),
        }
    }

    #[test]
    fn arbitrary_weights_are_either_refused_or_sum_to_one(a in proptest::array::uniform5(any::<f64>())) {
        let raw = RawWeights { data_quality: a[0], authority: a[1], company_fit: a[2], timing: a[3], risk: a[4] };
        if let Ok(w) = Weights::normalised(raw) {
            prop_assert!((w.sum() - 1.0).abs() < 1e-12);
        }
        if let Ok(w) = Weights::new(raw) {
            prop_assert!((w.sum() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn any_title_classifies_without_panicking(s in ".*") {
        let c = classify_title(&s);
        if c.bad {
            prop_assert_eq!(c.rank, TitleRank::Other);
        }
    }

    #[test]
    fn title_reading_ignores_case(s in "[A-Za-z ,&/.-]{0,40}") {
        prop_assert_eq!(classify_title(&s), classify_title(&s.to_uppercase()));
    }
}
