//! One fetched page's HTML flattened into a [`PageDoc`] (with `scraper`, html5ever's parser:
//! the same tree a browser builds from broken markup), plus the links the reader may follow.
//!
//! Each block keeps the headings it sits under (scoped to its `section`/`article`), the class
//! and id words around it, and whether it is site chrome (nav, header links, footer), so the
//! extraction rules can tell a client-logo wall from a menu.

use domain::site::{Block, BlockKind, PageDoc, PageKind};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

/// Most blocks kept from one page, and characters kept of one block.
const MAX_BLOCKS: usize = 6_000;
const MAX_BLOCK_CHARS: usize = 2_000;
const MAX_HINT_CHARS: usize = 600;

/// A link on the page: its absolute URL (without fragment) and its text.
#[derive(Debug, Clone)]
pub struct PageLink {
    pub url: Url,
    pub text: String,
}

#[derive(Clone, Default)]
struct Ctx {
    hints: String,
    in_nav: bool,
    in_header: bool,
    in_footer: bool,
    menu: Option<String>,
    link: Option<String>,
    /// Inside an element whose whole text is already a block (p, li, h2, a, …).
    text_taken: bool,
}

struct Walker<'a> {
    base: &'a Url,
    blocks: Vec<Block>,
    headings: Vec<(u8, String)>,
    links: Vec<PageLink>,
}

fn collapse(s: &str) -> String {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > MAX_BLOCK_CHARS {
        t.chars().take(MAX_BLOCK_CHARS).collect()
    } else {
        t
    }
}

/// An element's text without nested lists, menus and scripts (a menu item's own label).
fn own_text(el: ElementRef) -> String {
    fn go(el: ElementRef, out: &mut String) {
        for child in el.children() {
            match child.value() {
                Node::Text(t) => {
                    out.push_str(t);
                    out.push(' ');
                }
                Node::Element(e) => {
                    if matches!(e.name(), "ul" | "ol" | "nav" | "script" | "style" | "noscript" | "template" | "svg" | "select" | "button") {
                        continue;
                    }
                    if e.name() == "br" {
                        out.push(' ');
                    }
                    if let Some(c) = ElementRef::wrap(child) {
                        go(c, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut s = String::new();
    go(el, &mut s);
    collapse(&s)
}

/// Utility classes (Tailwind, Bootstrap grid, page-builder ids) say nothing about what a part
/// of the page is, and would crowd the words that do out of the hints.
fn is_utility_class(w: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "flex", "grid", "p-", "m-", "px-", "py-", "pt-", "pb-", "pl-", "pr-", "mx-", "my-", "mt-", "mb-", "ml-", "mr-", "text-",
        "bg-", "w-", "h-", "max-", "min-", "gap-", "items-", "justify-", "rounded", "border", "shadow", "font-", "leading-",
        "tracking-", "space-", "col-", "row-", "hidden", "block", "inline", "relative", "absolute", "fixed", "sticky", "z-",
        "overflow", "opacity", "transition", "duration-", "ease-", "uppercase", "lowercase", "capitalize", "container",
        "d-", "order-", "align-", "self-", "place-", "inset-", "top-", "left-", "right-", "bottom-", "translate", "scale-",
        "elementor-element-", "elementor-widget-", "wp-block-group", "has-", "is-layout", "animate", "aos-", "js-", "w-dyn",
    ];
    w.contains([':', '[', '/']) || w.len() > 60 || PREFIXES.iter().any(|p| w.starts_with(p))
}

fn is_hidden(el: &scraper::node::Element) -> bool {
    el.attr("hidden").is_some()
        || el.attr("aria-hidden") == Some("true")
        || el.attr("style").is_some_and(|s| {
            let s = s.replace(' ', "").to_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        })
}

impl Walker<'_> {
    fn heading_path(&self) -> Option<String> {
        let parts: Vec<&str> = self.headings.iter().filter(|(l, _)| *l >= 2).map(|(_, t)| t.as_str()).collect();
        (!parts.is_empty()).then(|| parts.join(" › "))
    }

    fn push(&mut self, kind: BlockKind, level: u8, text: String, ctx: &Ctx, href: Option<String>, src: Option<String>) {
        if self.blocks.len() >= MAX_BLOCKS || (text.is_empty() && kind != BlockKind::Image) {
            return;
        }
        let chrome_kind = matches!(kind, BlockKind::Link | BlockKind::Image);
        self.blocks.push(Block {
            kind,
            level,
            text,
            href: href.or_else(|| ctx.link.clone()),
            src,
            heading: self.heading_path(),
            hints: ctx.hints.clone(),
            in_nav: ctx.in_nav || (ctx.in_header && chrome_kind),
            in_footer: ctx.in_footer,
            menu: ctx.menu.clone(),
        });
    }

    fn resolve(&self, href: &str) -> Option<Url> {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') || href.starts_with("javascript:") || href.starts_with("mailto:") || href.starts_with("tel:") {
            return None;
        }
        let mut u = self.base.join(href).ok()?;
        if !matches!(u.scheme(), "http" | "https") {
            return None;
        }
        u.set_fragment(None);
        Some(u)
    }

    fn walk(&mut self, el: ElementRef, ctx: &Ctx) {
        let e = el.value();
        let name = e.name();
        if matches!(name, "script" | "style" | "noscript" | "template" | "svg" | "iframe" | "canvas" | "select" | "form" | "button" | "input" | "textarea" | "head")
            || is_hidden(e)
        {
            return;
        }
        let mut ctx = ctx.clone();
        let words: Vec<String> = e.classes().chain(e.id()).filter(|w| !is_utility_class(w)).map(|w| w.to_lowercase()).collect();
        if !words.is_empty() && ctx.hints.len() < MAX_HINT_CHARS {
            ctx.hints.push(' ');
            ctx.hints.push_str(&words.join(" "));
        }
        let role = e.attr("role").unwrap_or("");
        let menuish = words.iter().any(|w| matches!(w.as_str(), "menu" | "nav" | "navbar" | "navigation" | "main-menu" | "main-nav" | "site-nav" | "primary-menu" | "mega-menu" | "dropdown-menu" | "sub-menu" | "submenu"));
        ctx.in_nav |= name == "nav" || role == "navigation" || role == "menubar" || menuish;
        ctx.in_header |= name == "header" || role == "banner";
        ctx.in_footer |= name == "footer" || role == "contentinfo";

        let scoped = matches!(name, "section" | "article" | "aside" | "main");
        let saved = scoped.then(|| self.headings.clone());

        let text_block = |k: BlockKind| Some(k);
        let kind = match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => text_block(BlockKind::Heading),
            "p" => text_block(BlockKind::Paragraph),
            "li" => text_block(BlockKind::ListItem),
            "blockquote" | "q" => text_block(BlockKind::Quote),
            "cite" | "figcaption" => text_block(BlockKind::Cite),
            "address" => text_block(BlockKind::Address),
            "dt" | "dd" | "th" | "label" | "summary" => text_block(BlockKind::Term),
            "td" => text_block(BlockKind::Text),
            "a" => text_block(BlockKind::Link),
            _ => None,
        };
        match name {
            "img" => {
                let alt = collapse(e.attr("alt").or_else(|| e.attr("title")).unwrap_or(""));
                let src = e.attr("src").or_else(|| e.attr("data-src")).or_else(|| e.attr("data-lazy-src")).and_then(|s| self.base.join(s.trim()).ok()).map(|u| u.to_string());
                self.push(BlockKind::Image, 0, alt, &ctx, None, src);
                return;
            }
            "a" => {
                if let Some(u) = e.attr("href").and_then(|h| self.resolve(h)) {
                    let mut text = own_text(el);
                    if text.is_empty() {
                        text = collapse(e.attr("aria-label").or_else(|| e.attr("title")).unwrap_or(""));
                    }
                    self.links.push(PageLink { url: u.clone(), text: text.clone() });
                    self.push(BlockKind::Link, 0, text, &ctx, Some(u.to_string()), None);
                    ctx.link = Some(u.to_string());
                    ctx.text_taken = true;
                }
            }
            "li" => {
                let nested = el.children().filter_map(ElementRef::wrap).any(|c| matches!(c.value().name(), "ul" | "ol" | "div"));
                let label = own_text(el);
                if !ctx.text_taken {
                    self.push(BlockKind::ListItem, 0, label.clone(), &ctx, None, None);
                }
                if nested && !label.is_empty() && ctx.in_nav {
                    // The items below this one belong to its menu ("What we do" → SEO, PPC).
                    let label = el.children().filter_map(ElementRef::wrap).find(|c| !matches!(c.value().name(), "ul" | "ol" | "div")).map(own_text).unwrap_or(label);
                    for child in el.children() {
                        match ElementRef::wrap(child) {
                            Some(c) if matches!(c.value().name(), "ul" | "ol" | "div") => {
                                let sub = Ctx { menu: Some(label.clone()), text_taken: false, ..ctx.clone() };
                                self.walk(c, &sub);
                            }
                            Some(c) => self.walk(c, &Ctx { text_taken: true, ..ctx.clone() }),
                            None => {}
                        }
                    }
                    return;
                }
                ctx.text_taken = true;
            }
            _ => {
                if let Some(kind) = kind {
                    let text = own_text(el);
                    let level = name.strip_prefix('h').and_then(|l| l.parse::<u8>().ok()).unwrap_or(0);
                    if kind == BlockKind::Heading {
                        while self.headings.last().is_some_and(|(l, _)| *l >= level) {
                            self.headings.pop();
                        }
                        self.push(kind, level, text.clone(), &ctx, None, None);
                        if !text.is_empty() {
                            self.headings.push((level, text));
                        }
                    } else if !ctx.text_taken || matches!(kind, BlockKind::Quote | BlockKind::Cite) {
                        self.push(kind, level, text, &ctx, None, None);
                    }
                    ctx.text_taken = true;
                }
            }
        }
        for child in el.children() {
            match child.value() {
                Node::Text(t) if !ctx.text_taken => {
                    let t = collapse(t);
                    if !t.is_empty() {
                        self.push(BlockKind::Text, 0, t, &ctx, None, None);
                    }
                }
                Node::Element(_) => {
                    if let Some(c) = ElementRef::wrap(child) {
                        self.walk(c, &ctx);
                    }
                }
                _ => {}
            }
        }
        if let Some(h) = saved {
            self.headings = h;
        }
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("a valid selector")
}

/// schema.org objects, with arrays and `@graph` flattened.
fn json_ld(doc: &Html) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    fn flatten(v: serde_json::Value, out: &mut Vec<serde_json::Value>) {
        if out.len() >= 50 {
            return;
        }
        match v {
            serde_json::Value::Array(a) => a.into_iter().for_each(|x| flatten(x, out)),
            serde_json::Value::Object(mut o) => {
                if let Some(g) = o.remove("@graph") {
                    flatten(g, out);
                }
                out.push(serde_json::Value::Object(o));
            }
            _ => {}
        }
    }
    for s in doc.select(&sel(r#"script[type="application/ld+json"]"#)) {
        let text: String = s.text().collect();
        if text.len() <= 200_000 {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                flatten(v, &mut out);
            }
        }
    }
    out
}

fn meta(doc: &Html, selector: &str) -> Option<String> {
    doc.select(&sel(selector)).find_map(|m| m.value().attr("content").map(collapse)).filter(|s| !s.is_empty())
}

/// Flattens `html` fetched from `url` (its final address, after redirects).
pub fn parse_page(html: &str, url: &Url, kind: PageKind) -> (PageDoc, Vec<PageLink>) {
    let doc = Html::parse_document(html);
    // `<base href>` changes what relative links mean.
    let base = doc.select(&sel("base[href]")).find_map(|b| b.value().attr("href").and_then(|h| url.join(h).ok())).unwrap_or_else(|| url.clone());
    let mut w = Walker { base: &base, blocks: Vec::new(), headings: Vec::new(), links: Vec::new() };
    if let Some(body) = doc.select(&sel("body")).next() {
        w.walk(body, &Ctx::default());
    }
    let title = doc.select(&sel("title")).next().map(|t| collapse(&t.text().collect::<String>())).unwrap_or_default();
    let page = PageDoc {
        url: url.to_string(),
        kind,
        title,
        meta_description: meta(&doc, r#"meta[name="description" i]"#).or_else(|| meta(&doc, r#"meta[property="og:description"]"#)),
        og_site_name: meta(&doc, r#"meta[property="og:site_name"]"#),
        og_title: meta(&doc, r#"meta[property="og:title"]"#),
        json_ld: json_ld(&doc),
        blocks: w.blocks,
    };
    (page, w.links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menus_sections_and_testimonials_keep_their_context() {
        let html = r#"<html><head><title>Northwind | Digital agency</title>
          <script type="application/ld+json">{"@graph":[{"@type":"Organization","name":"Northwind Digital"}]}</script></head>
          <body><header><nav><ul><li><a href="/what-we-do/">What we do</a><ul><li><a href="/what-we-do/seo/">SEO</a></li></ul></li></ul></nav>
          <h1>Growth for clinics</h1></header>
          <section><h2>Trusted by</h2><a href="https://harbourbank.example"><img alt="Harbour Bank logo" src="/img/hb.svg"></a></section>
          <section class="testimonials"><blockquote>Great work.<cite>Jane Roe, CMO at Kestrel</cite></blockquote></section>
          <div hidden>secret</div><footer><p>Based in Brisbane</p></footer></body></html>"#;
        let url = Url::parse("https://northwind.example/").unwrap();
        let (doc, links) = parse_page(html, &url, PageKind::Home);
        let seo = doc.blocks.iter().find(|b| b.text == "SEO" && b.kind == BlockKind::Link).unwrap();
        assert_eq!(seo.menu.as_deref(), Some("What we do"));
        assert!(seo.in_nav);
        let h1 = doc.blocks.iter().find(|b| b.kind == BlockKind::Heading && b.level == 1).unwrap();
        assert!(!h1.in_nav, "a hero inside <header> is content");
        let logo = doc.blocks.iter().find(|b| b.kind == BlockKind::Image).unwrap();
        assert_eq!(logo.heading.as_deref(), Some("Trusted by"));
        assert_eq!(logo.href.as_deref(), Some("https://harbourbank.example/"));
        let cite = doc.blocks.iter().find(|b| b.kind == BlockKind::Cite).unwrap();
        assert!(cite.hints.contains("testimonials") && cite.heading.is_none(), "{cite:?}");
        assert!(!doc.blocks.iter().any(|b| b.text.contains("secret")));
        assert!(doc.blocks.iter().any(|b| b.text == "Based in Brisbane" && b.in_footer));
        assert_eq!(doc.json_ld[0]["name"], "Northwind Digital");
        assert!(links.iter().any(|l| l.url.path() == "/what-we-do/seo/"));
    }
}
