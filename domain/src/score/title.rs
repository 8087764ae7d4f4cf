//! Job-title reading for the authority and risk components (SPEC §4).
//!
//! Titles arrive as people type them: "Co-Founder & CEO", "VP, Marketing", "Sr. Manager",
//! "Geschäftsführer", "Directeur Général". We fold case and accents, split into words and
//! segments (a segment is one role: "Founder" and "CEO" in "Founder & CEO"), then look for
//! rank words. Everything runs on a stack buffer: the scorer's hot path must not allocate.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The rank a title reads as. The four top ranks share the top points but keep their own
/// name so the reason can say "+25 CEO title" rather than a category.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleRank {
    Owner,
    Founder,
    Ceo,
    ManagingDirector,
    CSuite,
    Vp,
    Director,
    HeadOf,
    SeniorManager,
    Manager,
    Other,
}

impl TitleRank {
    /// Seniority level, 7 = owner/founder/CEO/MD … 0 = other.
    pub const fn level(self) -> u8 {
        match self {
            TitleRank::Owner
            | TitleRank::Founder
            | TitleRank::Ceo
            | TitleRank::ManagingDirector => 7,
            TitleRank::CSuite => 6,
            TitleRank::Vp => 5,
            TitleRank::Director => 4,
            TitleRank::HeadOf => 3,
            TitleRank::SeniorManager => 2,
            TitleRank::Manager => 1,
            TitleRank::Other => 0,
        }
    }

    /// One rank lower, for "Assistant Director", "Deputy CEO", "AVP". Never below manager:
    /// an assistant manager still manages.
    const fn downgraded(self) -> TitleRank {
        match self.level() {
            7 => TitleRank::CSuite,
            6 => TitleRank::Vp,
            5 => TitleRank::Director,
            4 => TitleRank::HeadOf,
            3 => TitleRank::SeniorManager,
            2 | 1 => TitleRank::Manager,
            _ => TitleRank::Other,
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            TitleRank::Owner => "owner",
            TitleRank::Founder => "founder",
            TitleRank::Ceo => "CEO",
            TitleRank::ManagingDirector => "managing director",
            TitleRank::CSuite => "C-suite",
            TitleRank::Vp => "VP",
            TitleRank::Director => "director",
            TitleRank::HeadOf => "head-of",
            TitleRank::SeniorManager => "senior manager",
            TitleRank::Manager => "manager",
            TitleRank::Other => "non-management",
        }
    }
}

impl fmt::Display for TitleRank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a title says about the person: how senior, and whether it names a role that does not
/// buy (intern, student, assistant, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleClass {
    pub rank: TitleRank,
    pub bad: bool,
}

const BUF: usize = 192;
const MAX_TOKENS: usize = 40;

#[derive(Clone, Copy)]
struct Tok {
    start: u8,
    end: u8,
    seg: u8,
}

struct Tokens {
    buf: [u8; BUF],
    len: usize,
    toks: [Tok; MAX_TOKENS],
    n: usize,
}

enum Fold {
    Byte(u8),
    Two(u8, u8),
    Char(char),
    Break,
    Segment,
}

fn fold(c: char) -> Fold {
    if c.is_ascii() {
        return match c {
            'a'..='z' | '0'..='9' => Fold::Byte(c as u8),
            'A'..='Z' => Fold::Byte(c.to_ascii_lowercase() as u8),
            ',' | '/' | '|' | '&' | '(' | ')' | ';' | ':' | '+' | '@' | '\\' | '[' | ']' => {
                Fold::Segment
            }
            _ => Fold::Break,
        };
    }
    let l = c.to_lowercase().next().unwrap_or(c);
    match l {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => Fold::Byte(b'a'),
        'ç' | 'č' | 'ć' => Fold::Byte(b'c'),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => Fold::Byte(b'e'),
        'ì' | 'í' | 'î' | 'ï' | 'ī' => Fold::Byte(b'i'),
        'ñ' | 'ń' | 'ň' => Fold::Byte(b'n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => Fold::Byte(b'o'),
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => Fold::Byte(b'u'),
        'ý' | 'ÿ' => Fold::Byte(b'y'),
        'š' | 'ś' => Fold::Byte(b's'),
        'ž' | 'ź' | 'ż' => Fold::Byte(b'z'),
        'ł' => Fold::Byte(b'l'),
        'ß' => Fold::Two(b's', b's'),
        'æ' => Fold::Two(b'a', b'e'),
        'œ' => Fold::Two(b'o', b'e'),
        '–' | '—' | '·' | '•' | '｜' | '、' | '，' => Fold::Segment,
        _ if l.is_alphanumeric() => Fold::Char(l),
        _ => Fold::Break,
    }
}

/// Words that join two roles ("Head of Sales and Marketing", "Growth Lead at Acme").
fn is_joiner(t: &[u8]) -> bool {
    matches!(t, b"and" | b"und" | b"et" | b"y" | b"at" | b"bei" | b"chez")
}

impl Tokens {
    fn new(s: &str) -> Tokens {
        let mut t = Tokens {
            buf: [0; BUF],
            len: 0,
            toks: [Tok {
                start: 0,
                end: 0,
                seg: 0,
            }; MAX_TOKENS],
            n: 0,
        };
        let mut seg: u8 = 0;
        let mut start: Option<usize> = None;
        for c in s.chars() {
            if t.n == MAX_TOKENS {
                break;
            }
            let room = BUF - t.len;
            match fold(c) {
                Fold::Byte(b) if room >= 1 => {
                    start.get_or_insert(t.len);
                    t.buf[t.len] = b;
                    t.len += 1;
                }
                Fold::Two(a, b) if room >= 2 => {
                    start.get_or_insert(t.len);
                    t.buf[t.len] = a;
                    t.buf[t.len + 1] = b;
                    t.len += 2;
                }
                Fold::Char(ch) if room >= ch.len_utf8() => {
                    start.get_or_insert(t.len);
                    ch.encode_utf8(&mut t.buf[t.len..]);
                    t.len += ch.len_utf8();
                }
                Fold::Break => t.finish(&mut start, &mut seg),
                Fold::Segment => {
                    t.finish(&mut start, &mut seg);
                    seg = seg.saturating_add(1);
                }
                // The buffer is full: read no further; long titles put the role first.
                _ => break,
            }
        }
        t.finish(&mut start, &mut seg);
        t
    }

    fn finish(&mut self, start: &mut Option<usize>, seg: &mut u8) {
        let Some(s) = start.take() else { return };
        if self.n == MAX_TOKENS {
            return;
        }
        if is_joiner(&self.buf[s..self.len]) {
            self.len = s;
            *seg = seg.saturating_add(1);
            return;
        }
        self.toks[self.n] = Tok {
            start: s as u8,
            end: self.len as u8,
            seg: *seg,
        };
        self.n += 1;
    }

    fn tok(&self, i: usize) -> &[u8] {
        let t = self.toks[i];
        &self.buf[t.start as usize..t.end as usize]
    }

    /// Token `i + k` if it lies in the same segment as token `i`.
    fn after(&self, i: usize, k: usize) -> Option<&[u8]> {
        let j = i + k;
        (j < self.n && self.toks[j].seg == self.toks[i].seg).then(|| self.tok(j))
    }

    fn before(&self, i: usize) -> Option<&[u8]> {
        (i > 0 && self.toks[i - 1].seg == self.toks[i].seg).then(|| self.tok(i - 1))
    }

    fn segment_end(&self, i: usize) -> bool {
        i + 1 >= self.n || self.toks[i + 1].seg != self.toks[i].seg
    }
}

fn is_director_word(t: &[u8]) -> bool {
    matches!(
        t,
        b"director"
            | b"directora"
            | b"directeur"
            | b"directrice"
            | b"direktor"
            | b"direktorin"
            | b"diretor"
            | b"diretora"
            | b"direttore"
            | b"direttrice"
    )
}

fn is_manager_word(t: &[u8]) -> bool {
    matches!(
        t,
        b"manager"
            | b"managerin"
            | b"mgr"
            | b"gerente"
            | b"gerant"
            | b"gerante"
            | b"responsable"
            | b"supervisor"
            | b"teamleiter"
            | b"teamleiterin"
    )
}

fn is_c_acronym(t: &[u8]) -> bool {
    matches!(
        t,
        b"cmo"
            | b"cto"
            | b"coo"
            | b"cfo"
            | b"cio"
            | b"cro"
            | b"cso"
            | b"cpo"
            | b"cdo"
            | b"cco"
            | b"chro"
            | b"ciso"
            | b"caio"
            | b"cxo"
            | b"clo"
            | b"cbo"
            | b"cgo"
            | b"cao"
    )
}

fn is_bad_word(t: &[u8]) -> bool {
    matches!(
        t,
        b"intern"
            | b"interns"
            | b"internship"
            | b"student"
            | b"studentin"
            | b"assistant"
            | b"asst"
            | b"assistent"
            | b"assistentin"
            | b"assistente"
            | b"asistente"
            | b"trainee"
            | b"apprentice"
            | b"volunteer"
            | b"receptionist"
            | b"praktikant"
            | b"praktikantin"
            | b"werkstudent"
            | b"werkstudentin"
            | b"azubi"
            | b"auszubildende"
            | b"auszubildender"
            | b"stagiaire"
            | b"alternant"
            | b"alternante"
            | b"becario"
            | b"becaria"
            | b"pasante"
            | b"estagiario"
            | b"estagiaria"
            | b"tirocinante"
    )
}

fn is_assistant(t: &[u8]) -> bool {
    matches!(
        t,
        b"assistant" | b"asst" | b"assistent" | b"assistentin" | b"assistente" | b"asistente"
    )
}

/// Words that make the following rank one step lower without marking the title as bad.
fn is_downgrading(t: &[u8]) -> bool {
    is_assistant(t)
        || matches!(
            t,
            b"associate" | b"deputy" | b"adjoint" | b"adjointe" | b"stellvertretender"
        )
}

/// The rank a pattern starting at token `i` names, and how many tokens it spans.
fn rank_at(t: &Tokens, i: usize) -> Option<(TitleRank, usize)> {
    use TitleRank::*;
    let w = t.tok(i);
    let next = t.after(i, 1);
    let r = match w {
        b"ceo" | b"pdg" | b"vorstandsvorsitzender" => (Ceo, 1),
        b"chief" => match next {
            Some(b"executive") => (Ceo, 2),
            Some(b"of") if matches!(t.after(i, 2), Some(b"staff")) => (Director, 3),
            _ => (CSuite, 1),
        },
        b"founder" | b"founders" | b"cofounder" | b"fondateur" | b"fondatrice" | b"fundador"
        | b"fundadora" | b"fondatore" | b"grunder" | b"grunderin" | b"gruender" | b"gruenderin"
        | b"oprichter" | b"oprichtster" => (Founder, 1),
        b"owner" | b"coowner" | b"proprietor" | b"proprietress" | b"inhaber" | b"inhaberin"
        | b"eigenaar" | b"propietario" | b"propietaria" | b"dueno" | b"duena" | b"titolare"
        | b"proprietaire" | b"zaakvoerder" => {
            // Scrum and process roles are not owners of anything that buys.
            if matches!(
                t.before(i),
                Some(
                    b"product"
                        | b"process"
                        | b"service"
                        | b"data"
                        | b"account"
                        | b"content"
                        | b"program"
                )
            ) {
                return None;
            }
            (Owner, 1)
        }
        b"md" => (ManagingDirector, 1),
        b"managing" => match next {
            Some(b"director" | b"partner" | b"directors") => (ManagingDirector, 2),
            _ => return None,
        },
        _ if w.starts_with(b"geschaftsfuhr") || w.starts_with(b"geschaeftsfuehr") => {
            (ManagingDirector, 1)
        }
        b"amministratore" if matches!(next, Some(b"delegato")) => (Ceo, 2),
        b"consejero" if matches!(next, Some(b"delegado")) => (Ceo, 2),
        _ if is_director_word(w) => match next {
            Some(
                b"general" | b"generale" | b"geral" | b"ejecutivo" | b"ejecutiva" | b"executivo"
                | b"executiva",
            ) => (Ceo, 2),
            _ => (Director, 1),
        },
        b"executive" if next.is_some_and(is_director_word) => (CSuite, 2),
        _ if is_c_acronym(w) => (CSuite, 1),
        b"vice" | b"vize" => match next {
            Some(b"president" | b"presidente" | b"prasident" | b"praesident") => (Vp, 2),
            _ => return None,
        },
        b"president" | b"presidente" | b"prasident" | b"praesident" | b"vorstand" => (CSuite, 1),
        b"partner" | b"partnerin" | b"socio" | b"associe" | b"associee" => {
            // "Partner Manager" is a manager of partners, not a partner.
            if !t.segment_end(i) {
                return None;
            }
            (CSuite, 1)
        }
        b"vp" | b"svp" | b"evp" | b"vicepresident" | b"vicepresidente" | b"vizeprasident"
        | b"vizepraesident" => (Vp, 1),
        b"avp" => (Director, 1),
        b"general" | b"gm" if w == b"gm" || matches!(next, Some(b"manager")) => {
            (Director, if w == b"gm" { 1 } else { 2 })
        }
        b"head" | b"hoofd" | b"jefe" | b"jefa" => (HeadOf, 1),
        b"teamleiter" | b"teamleiterin" => (Manager, 1),
        _ if w.ends_with(b"leiter") || w.ends_with(b"leiterin") => (HeadOf, 1),
        b"lead" | b"leader" if t.segment_end(i) => (Manager, 1),
        _ if is_manager_word(w) => {
            if matches!(next, Some(b"general" | b"geral")) {
                (Director, 2)
            } else if (0..i)
                .rev()
                .take_while(|&j| t.toks[j].seg == t.toks[i].seg)
                .any(|j| matches!(t.tok(j), b"senior" | b"sr" | b"snr" | b"sen"))
            {
                (SeniorManager, 1)
            } else {
                (Manager, 1)
            }
        }
        _ => return None,
    };
    Some(r)
}

/// Reads a job title. Empty or unreadable titles are `Other` and not bad.
pub fn classify_title(title: &str) -> TitleClass {
    let t = Tokens::new(title);
    let mut best = TitleRank::Other;
    let mut bad = false;
    let mut i = 0;
    while i < t.n {
        let seg = t.toks[i].seg;
        let mut seg_best = TitleRank::Other;
        let mut seg_bad = false;
        let mut j = i;
        while j < t.n && t.toks[j].seg == seg {
            if let Some((mut rank, span)) = rank_at(&t, j) {
                if t.before(j).is_some_and(is_downgrading) {
                    rank = rank.downgraded();
                }
                if rank.level() > seg_best.level() {
                    seg_best = rank;
                }
                j += span;
                continue;
            }
            let w = t.tok(j);
            if is_bad_word(w) && !neutralised(&t, j) {
                seg_bad = true;
            }
            j += 1;
        }
        if seg_bad {
            bad = true;
        } else if seg_best.level() > best.level() {
            best = seg_best;
        }
        i = j;
    }
    TitleClass { rank: best, bad }
}

/// A junior word followed by a rank in the same role is a modifier ("Assistant Director",
/// "Student Success Manager"), unless it is someone's assistant ("Assistant to the CEO",
/// "Executive Assistant").
fn neutralised(t: &Tokens, i: usize) -> bool {
    if matches!(
        t.after(i, 1),
        Some(b"to" | b"of" | b"for" | b"de" | b"del" | b"du" | b"des")
    ) {
        return false;
    }
    if matches!(
        t.before(i),
        Some(b"executive" | b"personal" | b"administrative" | b"admin" | b"virtual" | b"office")
    ) {
        return false;
    }
    let seg = t.toks[i].seg;
    let mut j = i + 1;
    while j < t.n && t.toks[j].seg == seg {
        if rank_at(t, j).is_some() {
            return true;
        }
        j += 1;
    }
    false
}

/// The folded words of a phrase, for matching ICP industries and locations. Called when a
/// configuration is built, so it may allocate.
pub(crate) fn phrase_words(s: &str) -> Vec<Box<[u8]>> {
    let t = Tokens::new(s);
    (0..t.n).map(|i| Box::from(t.tok(i))).collect()
}

/// Whether `haystack` contains the words of `needle` in a row, ignoring case, accents and
/// punctuation ("Sydney, NSW, Australia" contains "australia"). An empty needle matches
/// nothing.
pub(crate) fn contains_phrase(haystack: &str, needle: &[Box<[u8]>]) -> bool {
    if needle.is_empty() {
        return false;
    }
    let t = Tokens::new(haystack);
    if needle.len() > t.n {
        return false;
    }
    (0..=t.n - needle.len()).any(|i| {
        needle
            .iter()
            .enumerate()
            .all(|(k, w)| t.tok(i + k) == &w[..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use TitleRank::*;

    fn rank(s: &str) -> TitleRank {
        classify_title(s).rank
    }

    #[test]
    fn top_titles_read_as_owner_founder_ceo_or_md() {
        for (title, want) in [
            ("CEO", Ceo),
            ("ceo", Ceo),
            ("Co-Founder & CEO", Founder),
            ("Founder", Founder),
            ("Cofounder", Founder),
            ("Owner/Operator", Owner),
            ("Business Owner", Owner),
            ("Managing Director", ManagingDirector),
            ("MD", ManagingDirector),
            ("Chief Executive Officer", Ceo),
            ("Directeur Général", Ceo),
            ("DIRECTEUR GENERAL", Ceo),
            ("Geschäftsführer", ManagingDirector),
            ("Geschaeftsfuehrerin", ManagingDirector),
            ("Geschäftsführender Gesellschafter", ManagingDirector),
            ("Inhaber", Owner),
            ("Director General", Ceo),
            ("Fundador y CEO", Founder),
            ("PDG", Ceo),
            ("Managing Partner", ManagingDirector),
            ("Amministratore Delegato", Ceo),
        ] {
            assert_eq!(rank(title), want, "{title}");
            assert_eq!(rank(title).level(), 7, "{title}");
        }
    }

    #[test]
    fn other_c_suite_titles_read_as_c_suite() {
        for title in [
            "CMO",
            "CTO",
            "COO",
            "CFO",
            "Chief Marketing Officer",
            "Chief Revenue Officer",
            "President",
            "Partner",
            "Senior Partner at Deloitte",
            "Executive Director",
            "Deputy CEO",
        ] {
            assert_eq!(rank(title), CSuite, "{title}");
        }
    }

    #[test]
    fn vice_presidents_directors_and_heads_read_at_their_level() {
        for (title, want) in [
            ("VP, Marketing", Vp),
            ("Vice President of Sales", Vp),
            ("Vice-President", Vp),
            ("SVP Growth", Vp),
            ("Director of Marketing", Director),
            ("Marketing Director", Director),
            ("Senior Director, Demand Gen", Director),
            ("General Manager", Director),
            ("Gerente General", Director),
            ("AVP Operations", Director),
            ("Head of Growth", HeadOf),
            ("Head, Marketing", HeadOf),
            ("Marketingleiter", HeadOf),
            ("Jefe de Ventas", HeadOf),
            ("Associate Director", HeadOf),
        ] {
            assert_eq!(rank(title), want, "{title}");
        }
    }

    #[test]
    fn managers_read_as_manager_or_senior_manager() {
        for (title, want) in [
            ("Sr. Manager", SeniorManager),
            ("Senior Marketing Manager", SeniorManager),
            ("snr manager - partnerships", SeniorManager),
            ("Marketing Manager", Manager),
            ("Gerente", Manager),
            ("Partner Manager", Manager),
            ("Growth Lead", Manager),
            ("Assistant Manager", Manager),
            ("Student Success Manager", Manager),
            ("Teamleiter Vertrieb", Manager),
        ] {
            assert_eq!(rank(title), want, "{title}");
        }
    }

    #[test]
    fn junior_titles_are_bad_and_carry_no_authority() {
        for title in [
            "Marketing Intern",
            "Intern",
            "Student",
            "Executive Assistant to the CEO",
            "Assistant to the Managing Director",
            "CEO Assistant",
            "Werkstudent Marketing",
            "Stagiaire",
            "Trainee",
            "Receptionist",
        ] {
            let c = classify_title(title);
            assert!(c.bad, "{title} should be bad");
            assert_eq!(c.rank, Other, "{title}");
        }
    }

    #[test]
    fn ordinary_titles_are_neither_senior_nor_bad() {
        for title in [
            "",
            "   ",
            "Software Engineer",
            "Product Owner",
            "Internal Auditor",
            "Lead Generation Specialist",
            "Accountant",
            "🚀🚀🚀",
        ] {
            let c = classify_title(title);
            assert_eq!(
                c,
                TitleClass {
                    rank: Other,
                    bad: false
                },
                "{title:?}"
            );
        }
    }

    #[test]
    fn phrases_match_whole_words_regardless_of_case_and_accents() {
        let au = phrase_words("Australia");
        assert!(contains_phrase("Sydney, NSW, AUSTRALIA", &au));
        assert!(!contains_phrase("Austria", &au));
        assert!(!contains_phrase("", &au));
        assert!(!contains_phrase("anything", &[]));
        let ma = phrase_words("Marketing & Advertising");
        assert!(contains_phrase("marketing and advertising", &ma));
        assert!(contains_phrase("Médias", &phrase_words("medias")));
    }

    #[test]
    fn long_and_odd_titles_do_not_panic() {
        let long = "Chief ".repeat(500);
        assert_eq!(rank(&long), CSuite);
        let _ = classify_title(&"ß".repeat(1000));
        let _ = classify_title(&"a,".repeat(1000));
        let _ = classify_title("\u{0}\u{FFFF}\u{10FFFF}");
    }
}
