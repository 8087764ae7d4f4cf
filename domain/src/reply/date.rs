//! Return dates in out-of-office replies: "back on Monday 3 March", "returning 12/03/2026",
//! "until March 3rd", "back on the 5th", "2026-03-12", "back tomorrow". Resolved against the
//! date the reply was received; no clock.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// How to read an all-numeric date such as `12/03/2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// 12/03/2026 is 12 March (Australia, UK, most of the world).
    #[default]
    DayFirst,
    /// 12/03/2026 is 3 December (United States).
    MonthFirst,
}

/// Month names of the languages replies arrive in (English, German, French, Spanish, Dutch,
/// Portuguese, Italian, Swedish, Danish, Norwegian, Czech, Slovak, Polish, Finnish), lower case,
/// with their number; Czech and Slovak in the genitive a date uses ("do 15. května"), Polish in
/// both cases. Spellings without accents are matched too. English abbreviations are matched
/// separately ([`MONTH_EN`]).
const MONTHS: &[(&str, u32)] = &[
    ("januar", 1),
    ("jänner", 1),
    ("janvier", 1),
    ("enero", 1),
    ("januari", 1),
    ("janeiro", 1),
    ("gennaio", 1),
    ("februar", 2),
    ("février", 2),
    ("fevrier", 2),
    ("febrero", 2),
    ("februari", 2),
    ("fevereiro", 2),
    ("febbraio", 2),
    ("märz", 3),
    ("maerz", 3),
    ("mars", 3),
    ("marzo", 3),
    ("maart", 3),
    ("marts", 3),
    ("março", 3),
    ("marco", 3),
    ("avril", 4),
    ("abril", 4),
    ("aprile", 4),
    ("mai", 5),
    ("maj", 5),
    ("mayo", 5),
    ("mei", 5),
    ("maio", 5),
    ("maggio", 5),
    ("juni", 6),
    ("juin", 6),
    ("junio", 6),
    ("junho", 6),
    ("giugno", 6),
    ("juli", 7),
    ("juillet", 7),
    ("julio", 7),
    ("julho", 7),
    ("luglio", 7),
    ("août", 8),
    ("aout", 8),
    ("agosto", 8),
    ("augustus", 8),
    ("augusti", 8),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("setembro", 9),
    ("settembre", 9),
    ("oktober", 10),
    ("octobre", 10),
    ("octubre", 10),
    ("outubro", 10),
    ("ottobre", 10),
    ("novembre", 11),
    ("noviembre", 11),
    ("novembro", 11),
    ("dezember", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("diciembre", 12),
    ("dezembro", 12),
    ("dicembre", 12),
    ("desember", 12),
    // Czech (genitive).
    ("ledna", 1),
    ("února", 2),
    ("března", 3),
    ("dubna", 4),
    ("května", 5),
    ("června", 6),
    ("července", 7),
    ("srpna", 8),
    ("září", 9),
    ("října", 10),
    ("listopadu", 11),
    ("prosince", 12),
    // Slovak (genitive).
    ("januára", 1),
    ("februára", 2),
    ("apríla", 4),
    ("mája", 5),
    ("júna", 6),
    ("júla", 7),
    ("augusta", 8),
    ("septembra", 9),
    ("októbra", 10),
    ("novembra", 11),
    ("decembra", 12),
    // Polish (genitive and nominative).
    ("stycznia", 1),
    ("styczeń", 1),
    ("lutego", 2),
    ("luty", 2),
    ("marca", 3),
    ("marzec", 3),
    ("kwietnia", 4),
    ("kwiecień", 4),
    ("maja", 5),
    ("czerwca", 6),
    ("czerwiec", 6),
    ("lipca", 7),
    ("lipiec", 7),
    ("sierpnia", 8),
    ("sierpień", 8),
    ("września", 9),
    ("wrzesień", 9),
    ("października", 10),
    ("październik", 10),
    ("listopada", 11),
    ("grudnia", 12),
    ("grudzień", 12),
    // Finnish (partitive, as in "15. toukokuuta", and nominative).
    ("tammikuuta", 1),
    ("helmikuuta", 2),
    ("maaliskuuta", 3),
    ("huhtikuuta", 4),
    ("toukokuuta", 5),
    ("kesäkuuta", 6),
    ("heinäkuuta", 7),
    ("elokuuta", 8),
    ("syyskuuta", 9),
    ("lokakuuta", 10),
    ("marraskuuta", 11),
    ("joulukuuta", 12),
    ("tammikuu", 1),
    ("helmikuu", 2),
    ("maaliskuu", 3),
    ("huhtikuu", 4),
    ("toukokuu", 5),
    ("kesäkuu", 6),
    ("heinäkuu", 7),
    ("elokuu", 8),
    ("syyskuu", 9),
    ("lokakuu", 10),
    ("marraskuu", 11),
    ("joulukuu", 12),
];

/// Month names that are also common words ("Marco", "a marca", "Maja"): read only with a day.
const MONTH_ALONE_EXCLUDED: &[&str] = &["marco", "marca", "maja", "mai", "maj", "luty"];

const MONTH_EN: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

/// Weekday names for "back Monday", per language, with the day.
const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("montag", Weekday::Mon),
    ("lundi", Weekday::Mon),
    ("lunes", Weekday::Mon),
    ("maandag", Weekday::Mon),
    ("lunedì", Weekday::Mon),
    ("lunedi", Weekday::Mon),
    ("måndag", Weekday::Mon),
    ("mandag", Weekday::Mon),
    ("segunda-feira", Weekday::Mon),
    ("segunda", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("dienstag", Weekday::Tue),
    ("mardi", Weekday::Tue),
    ("martes", Weekday::Tue),
    ("dinsdag", Weekday::Tue),
    ("martedì", Weekday::Tue),
    ("martedi", Weekday::Tue),
    ("tisdag", Weekday::Tue),
    ("tirsdag", Weekday::Tue),
    ("terça-feira", Weekday::Tue),
    ("terça", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("mittwoch", Weekday::Wed),
    ("mercredi", Weekday::Wed),
    ("miércoles", Weekday::Wed),
    ("miercoles", Weekday::Wed),
    ("woensdag", Weekday::Wed),
    ("mercoledì", Weekday::Wed),
    ("mercoledi", Weekday::Wed),
    ("onsdag", Weekday::Wed),
    ("quarta-feira", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("donnerstag", Weekday::Thu),
    ("jeudi", Weekday::Thu),
    ("jueves", Weekday::Thu),
    ("donderdag", Weekday::Thu),
    ("giovedì", Weekday::Thu),
    ("giovedi", Weekday::Thu),
    ("torsdag", Weekday::Thu),
    ("quinta-feira", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("freitag", Weekday::Fri),
    ("vendredi", Weekday::Fri),
    ("viernes", Weekday::Fri),
    ("vrijdag", Weekday::Fri),
    ("venerdì", Weekday::Fri),
    ("venerdi", Weekday::Fri),
    ("fredag", Weekday::Fri),
    ("sexta-feira", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("samstag", Weekday::Sat),
    ("samedi", Weekday::Sat),
    ("sábado", Weekday::Sat),
    ("zaterdag", Weekday::Sat),
    ("sabato", Weekday::Sat),
    ("sunday", Weekday::Sun),
    ("sonntag", Weekday::Sun),
    ("dimanche", Weekday::Sun),
    ("domingo", Weekday::Sun),
    ("zondag", Weekday::Sun),
    ("domenica", Weekday::Sun),
    ("lördag", Weekday::Sat),
    ("lørdag", Weekday::Sat),
    ("söndag", Weekday::Sun),
    ("søndag", Weekday::Sun),
    // Czech and Polish, in the cases "do pátku" / "do piątku" (until Friday) use.
    ("pondělí", Weekday::Mon),
    ("úterý", Weekday::Tue),
    ("středa", Weekday::Wed),
    ("středy", Weekday::Wed),
    ("středu", Weekday::Wed),
    ("čtvrtek", Weekday::Thu),
    ("čtvrtka", Weekday::Thu),
    ("pátek", Weekday::Fri),
    ("pátku", Weekday::Fri),
    ("soboty", Weekday::Sat),
    ("neděle", Weekday::Sun),
    ("neděli", Weekday::Sun),
    ("poniedziałek", Weekday::Mon),
    ("poniedziałku", Weekday::Mon),
    ("wtorek", Weekday::Tue),
    ("wtorku", Weekday::Tue),
    ("środa", Weekday::Wed),
    ("środy", Weekday::Wed),
    ("czwartek", Weekday::Thu),
    ("czwartku", Weekday::Thu),
    ("piątek", Weekday::Fri),
    ("piątku", Weekday::Fri),
    ("niedzieli", Weekday::Sun),
    // Finnish: the day, "on" the day, and "until" the day ("perjantaihin asti").
    ("maanantai", Weekday::Mon),
    ("maanantaina", Weekday::Mon),
    ("maanantaihin", Weekday::Mon),
    ("tiistai", Weekday::Tue),
    ("tiistaina", Weekday::Tue),
    ("tiistaihin", Weekday::Tue),
    ("keskiviikko", Weekday::Wed),
    ("keskiviikkona", Weekday::Wed),
    ("keskiviikkoon", Weekday::Wed),
    ("torstai", Weekday::Thu),
    ("torstaina", Weekday::Thu),
    ("torstaihin", Weekday::Thu),
    ("perjantai", Weekday::Fri),
    ("perjantaina", Weekday::Fri),
    ("perjantaihin", Weekday::Fri),
];

/// "Next week" and "tomorrow" in the languages above: the Monday after, and the day after.
const NEXT_WEEK: &[&str] = &[
    "nächste woche",
    "nächster woche",
    "semaine prochaine",
    "próxima semana",
    "proxima semana",
    "volgende week",
    "prossima settimana",
    "nästa vecka",
    "neste uke",
    "næste uge",
    "příští týden",
    "příštím týdnu",
    "przyszłym tygodniu",
    "przyszły tydzień",
    "ensi viikolla",
    "ensi viikkoon",
];
const TOMORROW: &[&str] = &[
    "morgen", "demain", "mañana", "manana", "amanhã", "amanha", "domani", "imorgon", "zítra",
    "zitra", "jutro", "jutra", "huomenna", "huomiseen",
];

fn alternatives<T>(list: &[(&str, T)]) -> String {
    alternatives_of(list.iter().map(|(n, _)| *n))
}

/// The names and their spellings without accents, longest first, so "juillet" is not read as
/// "juil" + rest.
fn alternatives_of<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut names: Vec<String> = names
        .flat_map(|n| [n.to_string(), super::fold_accents(n)])
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.dedup();
    names.join("|")
}

/// Whether `word` is `name`, or `name` typed without its accents.
fn same_name(word: &str, name: &str) -> bool {
    word == name || word == super::fold_accents(name)
}

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let month = format!(r"((?:{})|(?:{MONTH_EN})\.?)", alternatives(MONTHS));
        let weekday = alternatives(WEEKDAYS);
        let next_week = alternatives_of(NEXT_WEEK.iter().copied()).replace(' ', r"\s+");
        let tomorrow = alternatives_of(TOMORROW.iter().copied());
        // A month alone ("until October", "do září"): full names only.
        let month_alone = alternatives_of(
            MONTHS
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| !MONTH_ALONE_EXCLUDED.contains(n))
                .chain([
                    "january", "february", "march", "april", "may", "june", "july", "august",
                    "september", "october", "november", "december",
                ]),
        );
        let src = format!(
            r"(?x)
            \b(?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})\b
          | \b(?:(?:the|den|dne|dnia)\s+)?(?P<dm_d>\d{{1,2}})(?:st|nd|rd|th|er|e|º|°|\.)?(?:\s+(?:of|de))?\s+(?P<dm_m>{month})(?:\s|\b|$)(?:,?\s*(?:de\s+)?(?P<dm_y>\d{{4}})\b)?
          | \b(?P<md_m>{month})\s+(?:the\s+)?(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*(?P<md_d2>\d{{1,2}})(?:st|nd|rd|th)?)?\b(?:,?\s+(?P<md_y>\d{{4}})\b)?
          | \b(?P<my_m>{month})\s+(?P<my_y>\d{{4}})\b
          | \b(?P<n_a>\d{{1,2}})/(?P<n_b>\d{{1,2}})(?:/(?P<n_y>\d{{4}}|\d{{2}}))?\b
          | \b(?P<p_a>\d{{1,2}})\.\s?(?P<p_b>\d{{1,2}})\.\s?(?P<p_y>\d{{4}}|\d{{2}})\b
          | \b(?P<q_a>\d{{1,2}})\.\s?(?P<q_b>\d{{1,2}})\.
          | \bthe\s+(?P<nth>\d{{1,2}})(?:st|nd|rd|th)\b
          | \b(?:dia|día|el\s+día|giorno|den|dne|dnia)\s+(?P<nth2>\d{{1,2}})(?:\s*[.,;!)]|\s*$|\s+(?:e|y|et|ed|en|und|and)\s)
          | \b(?:kw|kalenderwoche)\s*(?P<kw>\d{{1,2}})\b
          | \b(?P<rel>tomorrow|next\s+week|{next_week}|{tomorrow}|{weekday})\b
          | \b(?P<alone>{month_alone})\b
        "
        );
        Regex::new(&src).expect("return-date pattern is valid")
    })
}

fn month_number(name: &str) -> Option<u32> {
    let name = name.trim_end_matches('.');
    if let Some((_, n)) = MONTHS.iter().find(|(m, _)| same_name(name, m)) {
        return Some(*n);
    }
    let m = match name.get(..3)? {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(m)
}

/// Languages that put the return after the date ("ab dem 14.9. wieder erreichbar", "vanaf
/// 3 maart weer terug"): a return word among the next few words.
fn trigger_after(after: &str) -> u8 {
    let clause = after.split(['.', ',', ';', '!', '?']).next().unwrap_or("");
    let first = after
        .split(['.', ',', ';', '!', '?'])
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    // The rest of the date ("den 14." read, "09." left) is no clause of its own.
    let words = if !clause.chars().any(char::is_alphabetic) {
        first.as_str()
    } else {
        clause
    };
    let mut words = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6);
    // Finnish puts "until" after the date ("5.1. asti").
    let until = |w: &str| matches!(w, "asti" | "saakka");
    let back = |w: &str| {
        matches!(
            w,
            "wieder" | "weer" | "zurück" | "zurueck" | "terug" | "tillbaka" | "tilbake" | "tilbage"
                | "zpět" | "zpátky" | "wracam" | "wrócę" | "takaisin" | "palaan"
        )
    };
    match words.find(|w| back(w) || until(w)) {
        Some(w) if back(w) => 3,
        Some(_) => 2,
        None => 1,
    }
}

/// Words that make a "from" date the day its author is reachable again.
const AVAILABLE_AGAIN: &[&str] = &[
    "available", "reachable", "back", "erreichbar", "wieder", "disponible", "disponível",
    "disponibile", "bereikbaar", "dispozici", "dostupný", "dostupná", "dostępny", "dostępna",
    "zpět", "tilgængelig", "tilgjengelig", "anträffbar", "tavoitettavissa",
];

/// Negations that make "available from" the start of an absence ("No estaré disponible desde",
/// "nebudu k dispozici od").
const NOT_AVAILABLE: &[&str] = &[
    "not", "no", "won't", "nicht", "ne", "pas", "non", "não", "niet", "nie", "ikke", "inte", "ei",
    "nebudu", "nejsem", "nebude", "unavailable",
];

/// "Available again from 5 January", "k dispozici od 5. 1.": a "from" date that is the return,
/// when one of the three words before `from` says so and none of the four negates it.
fn available_from(before: &str, from: &str) -> bool {
    let words: Vec<&str> = before
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .rev()
        .filter(|w| !w.is_empty())
        .skip_while(|w| *w != from)
        .skip(1)
        .take(4)
        .collect();
    words.iter().take(3).any(|w| AVAILABLE_AGAIN.contains(w))
        && !words.iter().any(|w| NOT_AVAILABLE.contains(w))
}

/// A month named alone ("until October", "back in March", "do září") is a return only right
/// after "until" or "back" (or those and "in"); "the end of July", "early November" stay vague.
fn month_alone_is_return(before: &str) -> bool {
    let mut words = before
        .split(|c: char| !c.is_alphanumeric())
        .rev()
        .filter(|w| !w.is_empty());
    let Some(last) = words.next() else {
        return false;
    };
    if trigger_rank(last) >= 2 {
        return true;
    }
    ["in", "en", "em", "im", "w", "v", "i", "på"].contains(&last)
        && words.next().is_some_and(|w| trigger_rank(w) >= 2)
}

/// How strongly the words before a date say "this is when I am back".
fn trigger_rank(before: &str) -> u8 {
    // Dutch "t/m" (tot en met) and Norwegian "t.o.m." before the date.
    let tail = before.trim_end();
    if tail.ends_with("t/m") || tail.ends_with("t.o.m.") || tail.ends_with("t.o.m") {
        return 2;
    }
    // Words passed on the way back from the date that are not the date's own ("Thursday",
    // "the", "voraussichtlich"): an "until" only governs a date no other word separates from it
    // (Danish "Jeg er til afdelingsdag torsdag d. 26. juni" is "at", not "until").
    let mut separated = false;
    for word in before
        .split(|c: char| !c.is_alphanumeric())
        .rev()
        .filter(|w| !w.is_empty())
        .take(8)
    {
        let until_word = UNTIL.contains(&word);
        if until_word && separated {
            continue;
        }
        if !until_word && !separated && !date_filler(word) {
            separated = true;
        }
        match word {
            "back" | "return" | "returning" | "returns" | "resume" | "resuming" | "reopen"
            | "reopens" | "reopening" | "reachable" | "available" | "zurück" | "wieder"
            | "erreichbar" | "retour" | "vuelta" | "volveré" | "volvere" | "regreso"
            | "regresaré" | "terug" | "retorno" | "retornarei" | "volta" | "rientro"
            | "rientrerò" | "rientrero" | "ritorno" | "ritornerò" | "ritornero" | "reincorporo"
            | "tilbake" | "tillbaka" | "tilbage" | "åter" | "zpět" | "zpátky" | "vrátím"
            | "vracím" | "wrócę" | "wracam" | "powrotem" | "palaan" | "takaisin" => return 3,
            // "Send it by October 5": a deadline, unless "back by".
            "by" => {
                let back = before
                    .rsplit_once("by")
                    .is_some_and(|(head, _)| head.trim_end().ends_with("back"));
                return if back { 3 } else { 0 };
            }
            "until" | "till" | "til" | "through" | "thru" | "to" | "before" | "including"
            | "bis" | "jusqu" | "hasta" | "tot" | "até" | "ate" | "fino" | "au" | "al" | "a"
            | "inclusive" | "do" => return 2,
            // A start date of the absence, not its end.
            "from" | "since" | "leaving" | "starting" | "beginning" | "commencing" | "vanaf"
            | "between" | "left" | "vom" | "du" | "desde" | "van" | "dal" | "fra" | "från"
            | "fram" | "deadline" | "due" | "od" => {
                return if available_from(before, word) { 3 } else { 0 };
            }
            _ => {}
        }
    }
    1
}

/// The words [`trigger_rank`] reads as "until".
const UNTIL: &[&str] = &[
    "until", "till", "til", "through", "thru", "to", "before", "including", "bis", "jusqu",
    "hasta", "tot", "até", "ate", "fino", "au", "al", "a", "inclusive", "do",
];

/// Words that may stand between "until" and its date: articles, "day", "and including",
/// "probably", "next", weekday abbreviations (full weekdays and numbers are checked apart).
const DATE_FILLERS: &[&str] = &[
    "the", "a", "à", "an", "le", "la", "les", "el", "il", "lo", "o", "de", "del", "des", "du",
    "dem", "den", "der", "d", "dia", "día", "giorno", "day", "of", "on", "am", "en", "et", "and",
    "und", "og", "och", "met", "med", "e", "y", "ed", "i", "in", "at", "incl", "einschließlich",
    "einschliesslich", "inklusive", "inklusiv", "voraussichtlich", "approximately", "about",
    "around", "roughly", "probably", "least", "próximo", "proximo", "prossimo", "next", "this",
    "coming", "nächsten", "kommenden", "zum", "dne", "dnia", "ca", "circa", "mon", "tue", "tues",
    "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "mo", "di", "mi", "do", "fr", "lun",
    "mar", "mer", "jeu", "ven", "man", "tir", "ons", "tor", "fre", "ma", "wo", "vr", "st", "nd",
    "rd", "th", "er", "º",
];

fn date_filler(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit())
        || DATE_FILLERS.contains(&word)
        || WEEKDAYS.iter().any(|(name, _)| same_name(word, name))
}

/// A date read without a year is the next such date, unless it is only just past (an
/// auto-reply still running a few days after its author came back).
fn resolve_without_year(received: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    for year in [received.year(), received.year() + 1] {
        if let Some(d) = NaiveDate::from_ymd_opt(year, month, day) {
            if d >= received - Days::new(7) {
                return Some(d);
            }
        }
    }
    None
}

fn full_year(y: &str) -> Option<i32> {
    let n: i32 = y.parse().ok()?;
    Some(if y.len() == 2 { 2000 + n } else { n })
}

fn resolve_numeric(
    a: u32,
    b: u32,
    year: Option<i32>,
    order: DateOrder,
    received: NaiveDate,
) -> Option<NaiveDate> {
    let (first, second) = match order {
        DateOrder::DayFirst => ((b, a), (a, b)),
        DateOrder::MonthFirst => ((a, b), (b, a)),
    };
    // The configured order wins; the other is a fallback for dates only it can read (25/12 in
    // a month-first setting), and, when no year is written, for a return months away while the
    // other reading is within weeks ("OOO until 10/03" sent on 28 September is 3 October, not
    // 10 March).
    let read = |(month, day): (u32, u32)| match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day),
        None => resolve_without_year(received, month, day),
    };
    match (read(first), read(second)) {
        (Some(a), Some(b)) if a != b && year.is_none() => {
            let soon = |d: NaiveDate| d >= received - Days::new(7) && d <= received + Days::new(45);
            Some(if !soon(a) && soon(b) { b } else { a })
        }
        (Some(a), _) => Some(a),
        (None, b) => b,
    }
}

fn next_weekday(received: NaiveDate, wd: Weekday) -> NaiveDate {
    let ahead = (7 + wd.num_days_from_monday() - received.weekday().num_days_from_monday()) % 7;
    received + Days::new(if ahead == 0 { 7 } else { ahead as u64 })
}

fn next_day_of_month(received: NaiveDate, day: u32) -> Option<NaiveDate> {
    let first = received.with_day(1)?;
    (0..13).find_map(|i| {
        let month = first.checked_add_months(Months::new(i))?;
        let d = NaiveDate::from_ymd_opt(month.year(), month.month(), day)?;
        (d >= received).then_some(d)
    })
}

/// The return date stated in `text` (already lower-cased), if any. Among several dates the
/// one with a full month wins over "the 5th" and weekdays; then the one introduced by "back" /
/// "returning" over "until", over a bare date, over "from"; then the later one.
pub fn return_date(text: &str, received: NaiveDate, order: DateOrder) -> Option<NaiveDate> {
    stated_return(text, received, order).map(|(d, _)| d)
}

/// The return date and how strongly the words before it say so (3 "back", 2 "until", 1 bare).
pub(crate) fn stated_return(
    text: &str,
    received: NaiveDate,
    order: DateOrder,
) -> Option<(NaiveDate, u8)> {
    let mut best: Option<((u8, u8, usize), NaiveDate)> = None;
    for caps in pattern().captures_iter(text) {
        let whole = caps.get(0)?;
        let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let (tier, date) =
            if let (Some(y), Some(m), Some(d)) = (num("iso_y"), num("iso_m"), num("iso_d")) {
                (3, NaiveDate::from_ymd_opt(y as i32, m, d))
            } else if let (Some(d), Some(m)) = (num("dm_d"), caps.name("dm_m")) {
                let month = month_number(m.as_str());
                let year = caps.name("dm_y").and_then(|y| full_year(y.as_str()));
                (
                    3,
                    month.and_then(|m| match year {
                        Some(y) => NaiveDate::from_ymd_opt(y, m, d),
                        None => resolve_without_year(received, m, d),
                    }),
                )
            } else if let (Some(m), Some(d)) = (caps.name("md_m"), num("md_d")) {
                // "July 10-31": the absence ends on the second day.
                let d = num("md_d2").unwrap_or(d);
                let month = month_number(m.as_str());
                let year = caps.name("md_y").and_then(|y| full_year(y.as_str()));
                (
                    3,
                    month.and_then(|m| match year {
                        Some(y) => NaiveDate::from_ymd_opt(y, m, d),
                        None => resolve_without_year(received, m, d),
                    }),
                )
            } else if let (Some(m), Some(y)) = (caps.name("my_m"), num("my_y")) {
                // "until June 2026": the first of the month.
                (
                    3,
                    month_number(m.as_str()).and_then(|m| NaiveDate::from_ymd_opt(y as i32, m, 1)),
                )
            } else if let (Some(a), Some(b)) = (num("q_a"), num("q_b")) {
                // "3.7.": day first wherever dots are written, so never the other reading.
                (3, resolve_without_year(received, b, a))
            } else if let (Some(a), Some(b)) = (num("n_a"), num("n_b")) {
                let year = caps.name("n_y").and_then(|y| full_year(y.as_str()));
                (3, resolve_numeric(a, b, year, order, received))
            } else if let (Some(a), Some(b)) = (num("p_a"), num("p_b")) {
                let year = caps.name("p_y").and_then(|y| full_year(y.as_str()));
                (3, resolve_numeric(a, b, year, order, received))
            } else if let Some(week) = num("kw") {
                // "ab KW 38": that week's Monday; "bis KW 37": the Monday after it.
                let after = trigger_rank(&text[..whole.start()]) == 2;
                (
                    2,
                    [received.year(), received.year() + 1]
                        .into_iter()
                        .filter_map(|y| NaiveDate::from_isoywd_opt(y, week, Weekday::Mon))
                        .map(|d| if after { d + Days::new(7) } else { d })
                        .find(|d| *d + Days::new(6) >= received),
                )
            } else if let Some(day) = num("nth").or_else(|| num("nth2")) {
                // "the 12th of Never": "of" and no month after it is no day of this month.
                if num("nth").is_some() && text[whole.end()..].starts_with(" of ") {
                    continue;
                }
                (2, next_day_of_month(received, day))
            } else if let Some(m) = caps.name("alone") {
                // "until October": the first of the month; only right after "until" or "back".
                if !month_alone_is_return(&text[..whole.start()]) {
                    continue;
                }
                (
                    2,
                    month_number(m.as_str()).and_then(|m| resolve_without_year(received, m, 1)),
                )
            } else if let Some(rel) = caps.name("rel") {
                let word = rel.as_str();
                let d = match word {
                    w if w == "tomorrow" || TOMORROW.iter().any(|t| same_name(w, t)) => {
                        received.succ_opt()
                    }
                    w if w.starts_with("next") || w.contains(char::is_whitespace) => {
                        Some(next_weekday(received, Weekday::Mon))
                    }
                    w => WEEKDAYS
                        .iter()
                        .find(|(name, _)| same_name(w, name))
                        .map(|(_, wd)| next_weekday(received, *wd)),
                };
                (1, d)
            } else {
                continue;
            };
        let Some(date) = date else { continue };
        // A "return date" years away is a misread number, not a plan.
        if date < received - Days::new(31) || date > received + Days::new(400) {
            continue;
        }
        // "From November 3-10": the end of a range is an "until" whatever comes before it.
        let range_end = caps.name("md_d2").is_some();
        let before = match trigger_rank(&text[..whole.start()]) {
            0 if range_end => 2,
            rank => rank,
        };
        // A date after "from" or "by" is the start of the absence or a deadline, unless a
        // return word follows it ("vanaf 3 maart weer terug").
        let after = trigger_after(&text[whole.end()..]);
        let trigger = if before == 0 && after < 2 {
            0
        } else {
            before.max(after)
        };
        // A bare weekday ("out of the office Friday") is the day away, not the day back; so is
        // a bare date no later than the day the reply came ("at a training on Thursday 26
        // June", received that day).
        if (tier == 1 && trigger < 2) || trigger == 0 || (trigger == 1 && date <= received) {
            continue;
        }
        let rank = (tier, trigger, whole.start());
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, date));
        }
    }
    best.map(|((_, trigger, _), d)| (d, trigger))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    // Friday 27 February 2026.
    fn rx() -> NaiveDate {
        d(2026, 2, 27)
    }

    fn ret(text: &str) -> Option<NaiveDate> {
        return_date(text, rx(), DateOrder::DayFirst)
    }

    #[test]
    fn day_month_with_a_weekday_is_read() {
        assert_eq!(ret("i will be back on monday 3 march"), Some(d(2026, 3, 3)));
        assert_eq!(ret("back on mon, 3rd of march."), Some(d(2026, 3, 3)));
    }

    #[test]
    fn month_day_with_ordinals_and_years_is_read() {
        assert_eq!(
            ret("out of the office until march 3rd"),
            Some(d(2026, 3, 3))
        );
        assert_eq!(ret("away until tue, mar 10, 2026"), Some(d(2026, 3, 10)));
        assert_eq!(
            ret("returning tuesday september 03, 2026"),
            Some(d(2026, 9, 3))
        );
    }

    #[test]
    fn numeric_dates_are_day_first_by_default_and_configurable() {
        assert_eq!(ret("returning 12/03/2026"), Some(d(2026, 3, 12)));
        assert_eq!(
            return_date("returning 12/03/2026", rx(), DateOrder::MonthFirst),
            Some(d(2026, 12, 3))
        );
        assert_eq!(
            return_date("back 03/25/26", rx(), DateOrder::DayFirst),
            Some(d(2026, 3, 25))
        );
        assert_eq!(ret("back 9.3.2026"), Some(d(2026, 3, 9)));
        assert_eq!(ret("back on 2/3"), Some(d(2026, 3, 2)));
    }

    #[test]
    fn a_yearless_numeric_date_takes_the_reading_within_weeks() {
        // Sent 28 September: 3 October, not 10 March.
        assert_eq!(
            return_date("ooo until 10/03.", d(2026, 9, 28), DateOrder::DayFirst),
            Some(d(2026, 10, 3))
        );
        assert_eq!(ret("back on 2/3"), Some(d(2026, 3, 2)));
    }

    #[test]
    fn start_dates_days_away_and_jokes_are_not_return_dates() {
        // The first day of the absence, with nothing saying when it ends.
        assert_eq!(ret("out of the office beginning monday, march 2."), None);
        assert_eq!(ret("fraværende fra d. 2. marts 2026. vi ses."), None);
        assert_eq!(ret("ik ben afwezig vanaf 2 maart, groet"), None);
        // ... unless a return word follows it.
        assert_eq!(ret("vanaf 9 maart weer bereikbaar"), Some(d(2026, 3, 9)));
        // A range's end is its "until", even after "from".
        assert_eq!(ret("out of office from march 3-10"), Some(d(2026, 3, 10)));
        // "til" followed by a noun is "at", not "until"; a bare date no later than the day
        // received is the day away.
        assert_eq!(ret("jeg er til kursus fredag d. 27. februar"), None);
        assert_eq!(
            ret("jeg er væk til fredag d. 6. marts"),
            Some(d(2026, 3, 6))
        );
        assert_eq!(ret("je suis absent jusqu'à lundi."), Some(d(2026, 3, 2)));
        // "the 12th of never" names no day.
        assert_eq!(ret("returning on the 12th of never"), None);
        assert_eq!(ret("returning on the 12th"), Some(d(2026, 3, 12)));
    }

    #[test]
    fn deadlines_and_start_dates_are_not_return_dates() {
        assert_eq!(
            ret("send the invoice by 5 march please. back on 9 march"),
            Some(d(2026, 3, 9))
        );
        assert_eq!(ret("back by 4 march"), Some(d(2026, 3, 4)));
    }

    #[test]
    fn a_return_word_after_the_date_counts_and_calendar_weeks_are_read() {
        assert_eq!(
            ret("ab dem 4.3. wieder erreichbar, bis zum 20.3. nur eingeschränkt"),
            Some(d(2026, 3, 4))
        );
        assert_eq!(ret("ich bin ab kw 11 wieder im büro"), Some(d(2026, 3, 9)));
        assert_eq!(ret("ich bin bis kw 10 im urlaub"), Some(d(2026, 3, 9)));
    }

    #[test]
    fn more_languages_are_read() {
        assert_eq!(
            ret("jag är på semester till och med 10 juni"),
            Some(d(2026, 6, 10))
        );
        assert_eq!(
            ret("jeg er ikke tilgjengelig fra 15. til 22. mars"),
            Some(d(2026, 3, 22))
        );
        assert_eq!(ret("retour prévu le 1er mars"), Some(d(2026, 3, 1)));
        assert_eq!(ret("estou de férias até dia 20."), Some(d(2026, 3, 20)));
        // The day followed by "and …" rather than by punctuation.
        assert_eq!(ret("Resposta automática: estou de férias até o dia 20 e retorno depois."), Some(d(2026, 3, 20)));
        assert_eq!(ret("estaré fuera hasta el día 20 y después respondo"), Some(d(2026, 3, 20)));
        // A number of things is not a day.
        assert_eq!(ret("o dia 20 pessoas"), None);
        assert_eq!(ret("estaré de vuelta mañana."), Some(d(2026, 2, 28)));
        assert_eq!(
            ret("je serai de retour la semaine prochaine"),
            Some(d(2026, 3, 2))
        );
        assert_eq!(ret("estou fora até segunda-feira"), Some(d(2026, 3, 2)));
        assert_eq!(
            ret("sarò assente dal 3 marzo al 21 marzo"),
            Some(d(2026, 3, 21))
        );
    }

    #[test]
    fn czech_polish_nordic_and_finnish_dates_are_read() {
        assert_eq!(ret("jsem na dovolené do 15. 4."), Some(d(2026, 4, 15)));
        assert_eq!(ret("jsem na dovolené do 15. 4. 2026"), Some(d(2026, 4, 15)));
        assert_eq!(ret("mimo kancelář do 30. dubna"), Some(d(2026, 4, 30)));
        assert_eq!(ret("jestem na urlopie do 15 stycznia. wrócę 16 stycznia."), Some(d(2027, 1, 16)));
        assert_eq!(ret("jsem mimo do pátku"), Some(d(2026, 3, 6)));
        assert_eq!(ret("jestem poza biurem do piątku"), Some(d(2026, 3, 6)));
        assert_eq!(ret("jeg er ude af kontoret og vender tilbage den 5."), Some(d(2026, 3, 5)));
        assert_eq!(ret("jag är tillbaka på jobbet den 8 augusti 2026."), Some(d(2026, 8, 8)));
        assert_eq!(ret("olen lomalla, palaan 3.7."), Some(d(2026, 7, 3)));
        assert_eq!(ret("olen lomalla 10.3. asti"), Some(d(2026, 3, 10)));
        assert_eq!(ret("olen lomalla 14.–28.7.2026."), Some(d(2026, 7, 28)));
        // "From" is the start of an absence, unless it says when its author is available again.
        assert_eq!(ret("od 2. 3. do 9. 3. jsem na dovolené"), Some(d(2026, 3, 9)));
        assert_eq!(ret("budu opět k dispozici od 9. 3."), Some(d(2026, 3, 9)));
        assert_eq!(
            ret("no estaré disponible desde el 2 de marzo hasta el 9 de marzo"),
            Some(d(2026, 3, 9))
        );
    }

    #[test]
    fn a_month_alone_is_read_only_right_after_until_or_back() {
        assert_eq!(ret("i'm on parental leave until october."), Some(d(2026, 10, 1)));
        assert_eq!(ret("absent until march"), Some(d(2026, 3, 1)));
        assert_eq!(ret("jsem na mateřské dovolené do září"), Some(d(2026, 9, 1)));
        assert_eq!(ret("ich bin bis oktober in elternzeit"), Some(d(2026, 10, 1)));
        // Vague spans and other words stay unread.
        assert_eq!(ret("on leave, back in early november"), None);
        assert_eq!(ret("tot eind juli ga ik niet mailen"), None);
        assert_eq!(ret("back next week. responses may be delayed"), Some(d(2026, 3, 2)));
    }

    #[test]
    fn iso_dates_are_read() {
        assert_eq!(ret("on leave, returning 2026-03-12."), Some(d(2026, 3, 12)));
    }

    #[test]
    fn the_nth_is_the_next_such_day_of_a_month() {
        assert_eq!(ret("back on the 5th"), Some(d(2026, 3, 5)));
        assert_eq!(ret("back on the 28th"), Some(d(2026, 2, 28)));
    }

    #[test]
    fn weekdays_and_tomorrow_resolve_forward_from_the_received_date() {
        assert_eq!(ret("back monday"), Some(d(2026, 3, 2)));
        assert_eq!(ret("back on friday"), Some(d(2026, 3, 6)));
        assert_eq!(ret("back tomorrow"), Some(d(2026, 2, 28)));
        assert_eq!(ret("away until next week"), Some(d(2026, 3, 2)));
    }

    #[test]
    fn a_date_without_a_year_in_the_past_rolls_to_next_year() {
        assert_eq!(ret("back on 3 january"), Some(d(2027, 1, 3)));
        // A few days stale: the author is already back.
        assert_eq!(ret("back on 24 february"), Some(d(2026, 2, 24)));
    }

    #[test]
    fn the_return_date_beats_the_start_date_of_the_absence() {
        assert_eq!(
            ret("away from 2 march until 9 march, back on 10 march"),
            Some(d(2026, 3, 10))
        );
        assert_eq!(
            ret("out of office from friday, may 24th, 2026 to wednesday, may 29th, 2026"),
            Some(d(2026, 5, 29))
        );
        assert_eq!(
            ret("on leave from 2 march until monday 16 march"),
            Some(d(2026, 3, 16))
        );
    }

    #[test]
    fn text_without_a_date_has_no_return_date() {
        assert_eq!(
            ret("i am out of the office with limited access to email"),
            None
        );
        assert_eq!(ret("back in 2 weeks"), None);
        assert_eq!(ret("back on 31/02/2026"), None);
    }
}
