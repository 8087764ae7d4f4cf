//! Drafting (SPEC §8): turns a lead, a cadence step and the sender's details into a draft with
//! two distinct A/B subjects, a body, the personalisation evidence it used, and the compliance
//! footer. Deterministic and offline (MiniJinja templates from [`templates`]); the optional
//! language-model mode lives in the drafting flow and falls back to this on any error.
//!
//! No I/O here: the flow loads the lead and the rejection memory and stores the draft.

pub mod model;
pub mod templates;

use domain::cadence::StepAction;
use domain::guard::Evidence;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};
pub use templates::Template;

/// What a template may use of the lead. Empty strings are treated as absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeadVars {
    pub first_name: String,
    pub last_name: String,
    pub title: String,
    pub company: String,
    pub industry: String,
    pub city: String,
    pub employees: Option<i32>,
    pub domain: String,
}

/// The sender, for the signature and the compliance footer (Spam Act 2003: identify the
/// sender and how to contact them, and offer a functional unsubscribe).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sender {
    pub name: String,
    pub company: String,
    pub physical_address: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub template: &'static str,
    pub angle: &'static str,
    pub subject_a: String,
    pub subject_b: String,
    /// Without the footer: the guard judges what the drafter wrote.
    pub body: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DraftError {
    #[error("the lead has no first name to address")]
    NoFirstName,
    #[error("the lead has no company to write about")]
    NoCompany,
    #[error("template {0} failed: {1}")]
    Template(&'static str, String),
}

/// The personalisation evidence a lead offers (SPEC §8 GUARD-003): facts specific to this
/// person or company, as stored by enrichment.
pub fn evidence_of(lead: &LeadVars) -> Vec<Evidence> {
    let mut e = Vec::new();
    if !lead.title.trim().is_empty() {
        e.push(Evidence::new("title", lead.title.trim()));
    }
    if !lead.industry.trim().is_empty() {
        e.push(Evidence::new("industry", lead.industry.trim()));
    }
    if let Some(n) = lead.employees.filter(|n| *n > 0) {
        e.push(Evidence::new("team_size", n.to_string()));
    }
    if !lead.city.trim().is_empty() {
        e.push(Evidence::new("location", lead.city.trim()));
    }
    e
}

/// The strongest signal as an opening clause, or `None` when the lead offers nothing specific.
fn signal(lead: &LeadVars) -> Option<String> {
    let title = lead.title.trim();
    let company = lead.company.trim();
    let industry = lead.industry.trim().to_lowercase();
    if !title.is_empty() {
        return Some(format!("As {} of {company}, you see where new work comes from first-hand", with_article_free(title)));
    }
    if let Some(n) = lead.employees.filter(|n| *n > 0) {
        return Some(format!("{company} has grown to about {n} people"));
    }
    if !industry.is_empty() {
        return Some(format!("{company} works in {industry}"));
    }
    if !lead.city.trim().is_empty() {
        return Some(format!("{company} is based in {}", lead.city.trim()));
    }
    None
}

/// "Head of Growth" reads fine after "As"; a leading article would not ("As the Head…").
fn with_article_free(title: &str) -> &str {
    title.strip_prefix("the ").or_else(|| title.strip_prefix("The ")).unwrap_or(title)
}

/// The library, compiled once per process: parsing the templates for every lead was most of a
/// drafting pass's time (10,000 leads: ~5 s of ~8 s in a debug build).
fn environment() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A typo in a template must fail loudly in tests, not send "Hi ," to a prospect.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(false);
        for t in templates::LIBRARY {
            for (part, src) in [("subject_a", t.subject_a), ("subject_b", t.subject_b), ("body", t.body)] {
                // Names must live as long as the environment, which lives as long as the
                // process: leaked once, a few dozen short strings.
                let name: &'static str = Box::leak(format!("{}/{part}", t.id).into_boxed_str());
                // A template that does not compile is caught by the tests below, and still
                // fails loudly at render time (render_str reports the error).
                let _ = env.add_template(name, src);
            }
        }
        env
    })
}

/// Renders a template for a lead. Refuses leads it cannot address properly rather than
/// producing a generic email.
pub fn render(t: &'static Template, lead: &LeadVars, sender: &Sender) -> Result<Rendered, DraftError> {
    if lead.first_name.trim().is_empty() {
        return Err(DraftError::NoFirstName);
    }
    if lead.company.trim().is_empty() {
        return Err(DraftError::NoCompany);
    }
    let signal = signal(lead).unwrap_or_else(|| format!("{} caught my eye", lead.company.trim()));
    let ctx = minijinja::context! {
        first_name => lead.first_name.trim(),
        last_name => lead.last_name.trim(),
        title => lead.title.trim(),
        company => lead.company.trim(),
        industry => lead.industry.trim().to_lowercase(),
        city => lead.city.trim(),
        employees => lead.employees.filter(|n| *n > 0),
        domain => lead.domain.trim(),
        sender_name => sender.name.trim(),
        sender_company => sender.company.trim(),
        signal => signal,
    };
    let env = environment();
    let r = |part: &str, src: &str| {
        let compiled = env.get_template(&format!("{}/{part}", t.id)).ok().filter(|c| c.source() == src);
        match compiled {
            Some(c) => c.render(&ctx),
            // Not from the library (or not compiling): parse it here, errors included.
            None => env.render_str(src, &ctx),
        }
        .map_err(|e| DraftError::Template(t.id, e.to_string()))
    };
    let subject_a = tidy(&r("subject_a", t.subject_a)?);
    let mut subject_b = tidy(&r("subject_b", t.subject_b)?);
    // Two *distinct* subjects or the A/B test measures nothing.
    if !subject_a.is_empty() && subject_a.eq_ignore_ascii_case(&subject_b) {
        subject_b = format!("{subject_a}?");
    }
    Ok(Rendered {
        template: t.id,
        angle: t.angle,
        subject_a,
        subject_b,
        body: r("body", t.body)?.trim().to_string(),
        evidence: evidence_of(lead),
    })
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The compliance footer appended to every email (SPEC §8).
pub fn footer(sender: &Sender, unsubscribe_url: &str) -> String {
    let mut lines = Vec::new();
    let who = [sender.name.trim(), sender.company.trim()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ");
    if !who.is_empty() {
        lines.push(who);
    }
    if !sender.physical_address.trim().is_empty() {
        lines.push(sender.physical_address.trim().to_string());
    }
    lines.push(format!("Not interested? Unsubscribe with one click: {unsubscribe_url}"));
    format!("\n\n--\n{}", lines.join("\n"))
}

/// What an approval is valid for: SHA-256 over the subjects and body, length-prefixed so no
/// two different drafts can collide by moving text between fields.
pub fn content_hash(subject_a: &str, subject_b: &str, body: &str) -> String {
    let mut h = Sha256::new();
    for part in [subject_a, subject_b, body] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The templates a step may use.
pub fn candidates(action: StepAction) -> Vec<&'static Template> {
    templates::for_action(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::guard::{check, GuardConfig, RejectionMemory};

    /// A lead with every variable set (shared with the model tests).
    pub(super) fn lead() -> LeadVars {
        LeadVars {
            first_name: "Olivia".into(),
            last_name: "Nguyen".into(),
            title: "Managing Director".into(),
            company: "Harbour Freight".into(),
            industry: "Logistics".into(),
            city: "Adelaide".into(),
            employees: Some(42),
            domain: "harbourfreight.com.au".into(),
        }
    }

    pub(super) fn sender() -> Sender {
        Sender { name: "Sam Carter".into(), company: "Northwind Growth".into(), physical_address: "1 George St, Sydney NSW 2000".into() }
    }

    #[test]
    fn every_template_renders_for_a_full_lead_and_passes_the_quality_guard() {
        for t in templates::LIBRARY {
            let r = render(t, &lead(), &sender()).unwrap_or_else(|e| panic!("{}: {e}", t.id));
            assert!(r.body.contains("Olivia"), "{}: {}", t.id, r.body);
            assert!(!r.body.contains("{{") && !r.subject_a.contains("{{"), "{}", t.id);
            let v = check(&GuardConfig::default(), &domain::guard::Draft { body: &r.body, template_id: Some(t.id), evidence: &r.evidence }, &RejectionMemory::default(), chrono::Utc::now());
            assert!(v.allows(), "{}: {}", t.id, v.message());
        }
    }

    #[test]
    fn every_email_template_has_two_distinct_subjects() {
        for t in templates::LIBRARY.iter().filter(|t| !t.subject_a.is_empty()) {
            let r = render(t, &lead(), &sender()).unwrap();
            assert!(!r.subject_a.is_empty() && !r.subject_b.is_empty(), "{}", t.id);
            assert_ne!(r.subject_a.to_lowercase(), r.subject_b.to_lowercase(), "{}", t.id);
        }
    }

    #[test]
    fn a_sparse_lead_still_reads_naturally() {
        let sparse = LeadVars { first_name: "Jack".into(), company: "Acme".into(), ..Default::default() };
        let r = render(templates::by_id("intro-growth").unwrap(), &sparse, &sender()).unwrap();
        assert!(r.body.starts_with("Hi Jack,\n\nAcme caught my eye"), "{}", r.body);
        assert!(!r.body.contains(" ,") && !r.body.contains("  "), "{}", r.body);
        assert!(r.evidence.is_empty(), "no evidence: the guard will hold this draft back");
    }

    #[test]
    fn leads_without_a_name_or_company_are_refused() {
        let mut l = lead();
        l.first_name = " ".into();
        assert_eq!(render(&templates::LIBRARY[0], &l, &sender()), Err(DraftError::NoFirstName));
        let mut l = lead();
        l.company.clear();
        assert_eq!(render(&templates::LIBRARY[0], &l, &sender()), Err(DraftError::NoCompany));
    }

    #[test]
    fn the_footer_names_the_sender_the_address_and_the_unsubscribe_link() {
        let f = footer(&sender(), "https://app.example/u/abc");
        assert!(f.contains("Sam Carter, Northwind Growth") && f.contains("1 George St") && f.contains("https://app.example/u/abc"));
    }

    #[test]
    fn the_content_hash_changes_with_any_field_and_cannot_be_shifted_between_fields() {
        let h = content_hash("a", "b", "body");
        assert_ne!(h, content_hash("a", "b", "body!"));
        assert_ne!(h, content_hash("ab", "", "body"));
        assert_eq!(h, content_hash("a", "b", "body"));
    }

    #[test]
    fn every_cadence_action_has_a_template() {
        use StepAction::*;
        for a in [PersonalisedIntro, ConnectionRequest, ValueCaseStudy, DirectMessage, SocialProof, FollowUpMessage, BreakUp, GracefulClose, PhoneCall, Sms, DirectMail, Custom] {
            assert!(!candidates(a).is_empty(), "{a:?}");
        }
    }
}
