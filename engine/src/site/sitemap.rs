//! Sitemaps (sitemaps.org XML, with `quick-xml`): the page addresses a site lists, following
//! one level of sitemap index (at most four files in all, the page-like ones first).

use super::fetch::{Fetcher, Want};
use quick_xml::events::Event;
use url::Url;

const MAX_FILES: usize = 4;
const MAX_URLS: usize = 500;
const MAX_BYTES: usize = 2 * 1024 * 1024;

/// The `<loc>`s of a sitemap, and whether it is an index of sitemaps.
fn locs(xml: &[u8]) -> (Vec<String>, bool) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut index = false;
    let mut in_loc = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                match name.as_ref() {
                    b"sitemapindex" => index = true,
                    b"loc" => in_loc = true,
                    _ => {}
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == b"loc" => in_loc = false,
            Ok(Event::Text(t)) if in_loc => {
                if let Ok(s) = t.decode() {
                    out.push(s.trim().to_string());
                }
            }
            Ok(Event::CData(t)) if in_loc => out.push(String::from_utf8_lossy(&t).trim().to_string()),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        if out.len() >= MAX_URLS {
            break;
        }
        buf.clear();
    }
    (out, index)
}

/// Sitemaps of pages first, of posts and products last.
fn rank(u: &str) -> u8 {
    let u = u.to_lowercase();
    if ["post", "blog", "product", "news", "tag", "category", "author", "image", "video"].iter().any(|w| u.contains(w)) {
        2
    } else if ["page", "work", "case", "project", "service", "portfolio"].iter().any(|w| u.contains(w)) {
        0
    } else {
        1
    }
}

pub async fn read(f: &mut Fetcher, start: Vec<Url>, same_site: &(dyn Fn(&Url) -> bool + Sync), notes: &mut Vec<String>) -> Vec<Url> {
    let mut todo: Vec<Url> = start.into_iter().filter(|u| same_site(u)).collect();
    let mut pages = Vec::new();
    let mut files = 0;
    while let Some(u) = (!todo.is_empty()).then(|| todo.remove(0)) {
        if files >= MAX_FILES || u.path().ends_with(".gz") {
            continue;
        }
        files += 1;
        let Ok(got) = f.get(u.clone(), Want::Text, MAX_BYTES, same_site).await else { continue };
        let (found, index) = locs(&got.body);
        if index {
            let mut children: Vec<Url> = found.iter().filter_map(|s| Url::parse(s).ok()).filter(|c| same_site(c)).collect();
            children.sort_by_key(|c| rank(c.as_str()));
            todo.extend(children);
        } else {
            pages.extend(found.iter().filter_map(|s| Url::parse(s).ok()).filter(|p| same_site(p)));
        }
    }
    if !pages.is_empty() {
        notes.push(format!("the sitemap lists {} page(s)", pages.len()));
    }
    pages.truncate(MAX_URLS);
    pages
}

#[cfg(test)]
mod tests {
    #[test]
    fn urlsets_and_indexes_are_told_apart() {
        let (l, idx) = super::locs(br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://a.example/work/x </loc></url><url><loc><![CDATA[https://a.example/about]]></loc></url></urlset>"#);
        assert_eq!(l, vec!["https://a.example/work/x", "https://a.example/about"]);
        assert!(!idx);
        let (l, idx) = super::locs(br#"<sitemapindex><sitemap><loc>https://a.example/page-sitemap.xml</loc></sitemap></sitemapindex>"#);
        assert!(idx && l.len() == 1);
    }
}
