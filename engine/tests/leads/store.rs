use crate::support::*;
use domain::lead_status::LeadStatus;
use domain::leads::{LeadFilter, LeadSource, NewLead, PageRequest, Sort, SortKey};
use domain::score::Tier;
use engine::store::leads;
use sqlx::PgPool;

const PEOPLE: &str = "email,first name,last name,title,company,country,employees,phone\n\
    ann@acme.com.au,Ann,Lee,CEO,Acme,Australia,20,+61 2 9000 0001\n\
    bob@beta.com,Bob,Stone,Intern,Beta,USA,5000,\n\
    cai@gamma.com.au,Cai,Ng,Head of Marketing,Gamma 100%,Australia,12,\n\
    dee@delta.co.nz,Dee,Park,Marketing Manager,Delta,New Zealand,40,+64 9 000 0000\n";

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_leads_page_filters_sorts_and_paginates_with_a_total(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    import_bytes(&pool, ws, PEOPLE).await;
    let manual = NewLead {
        email: None,
        email_verdict: None,
        email_reason: None,
        linkedin_url: Some("https://www.linkedin.com/in/eve".into()),
        first_name: Some("Eve".into()),
        last_name: None,
        title: None,
        company: None,
        company_domain: None,
        website: None,
        phone: None,
        location: None,
        country: None,
        industry: None,
        employee_count: None,
    };
    let mut conn = pool.acquire().await.unwrap();
    leads::insert_many(&mut conn, ws.0, LeadSource::Manual, None, &[manual]).await.unwrap();
    drop(conn);
    engine::flows::score::score_workspace(&pool, ws.0, engine::flows::score::Scope::Unscored, chrono::Utc::now()).await.unwrap();

    let page = |filter: LeadFilter, sort: Sort, page: u32, per_page: u32| {
        let pool = pool.clone();
        async move { leads::list(&mut *engine::db::tenant(&pool, ws.0).await.unwrap(), ws.0, &filter, sort, PageRequest { page, per_page }).await.unwrap() }
    };
    let by_score = page(LeadFilter::default(), Sort::default(), 1, 2).await;
    assert_eq!((by_score.total, by_score.rows.len(), by_score.page_count()), (5, 2, 3));
    assert_eq!(by_score.rows[0].name, "Ann Lee", "the CEO scores highest");
    let all = page(LeadFilter::default(), Sort::default(), 1, 200).await;
    assert!(all.rows.windows(2).all(|w| w[0].als >= w[1].als));
    let second = page(LeadFilter::default(), Sort::default(), 2, 2).await;
    assert_eq!(second.rows, all.rows[2..4].to_vec(), "pages do not overlap");

    let by_name = page(LeadFilter::default(), Sort { key: SortKey::Name, descending: false }, 1, 200).await;
    let names: Vec<&str> = by_name.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Ann Lee", "Bob Stone", "Cai Ng", "Dee Park", "Eve"]);
    let newest = page(LeadFilter::default(), Sort { key: SortKey::CreatedAt, descending: true }, 1, 1).await;
    assert_eq!(newest.rows[0].name, "Eve");

    let search = |s: &str| LeadFilter { search: Some(s.into()), ..Default::default() };
    assert_eq!(page(search("ACME"), Sort::default(), 1, 50).await.total, 1);
    assert_eq!(page(search("park"), Sort::default(), 1, 50).await.rows[0].name, "Dee Park");
    assert_eq!(page(search("100%"), Sort::default(), 1, 50).await.total, 1, "LIKE wildcards are literal");
    assert_eq!(page(search("_"), Sort::default(), 1, 50).await.total, 0);

    let source = LeadFilter { source: Some(LeadSource::Manual), ..Default::default() };
    assert_eq!(page(source, Sort::default(), 1, 50).await.rows[0].name, "Eve");
    let scored = LeadFilter { status: Some(LeadStatus::Scored), ..Default::default() };
    let dead = LeadFilter { status: Some(LeadStatus::Dead), ..Default::default() };
    let (n_scored, n_dead) = (page(scored, Sort::default(), 1, 50).await.total, page(dead, Sort::default(), 1, 50).await.total);
    assert_eq!(n_scored + n_dead, 5);
    let mut tiered = 0;
    for t in [Tier::Hot, Tier::Warm, Tier::Cool, Tier::Cold, Tier::Dead] {
        tiered += leads::count(&pool, ws.0, &LeadFilter { tier: Some(t), ..Default::default() }).await.unwrap();
    }
    assert_eq!(tiered, 5, "every scored lead has exactly one tier");
}
