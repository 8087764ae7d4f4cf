//! Charts drawn as SVG by Leptos itself, on the server and in the browser alike: no chart
//! library, no fonts to load, no script needed to see them. Every chart has a title, a sentence
//! saying what it shows, and the same numbers in a table beside it, so nothing is known only to
//! someone who can see the picture.

use leptos::prelude::*;

/// One series of a bar chart: its name, its colour (an SVG fill) and one value per label.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub values: Vec<f64>,
}

/// Colours that stay apart for the common colour-vision deficiencies (Okabe–Ito).
pub const COLORS: [&str; 4] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"];

const W: f64 = 640.0;
const H: f64 = 220.0;
const PAD_LEFT: f64 = 44.0;
const PAD_BOTTOM: f64 = 28.0;
const PAD_TOP: f64 = 10.0;

/// A "nice" top for the value axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn axis_top(max: f64) -> f64 {
    if !(max > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|v| *v >= max).unwrap_or(10.0 * p)
}

/// Grouped vertical bars, one group per label, with the numbers in a table.
/// `format` turns a value into the text the table and the tooltips show.
#[component]
pub fn BarChart(
    /// a short id, unique on the page (for aria-labelledby)
    id: &'static str,
    title: String,
    description: String,
    labels: Vec<String>,
    series: Vec<Series>,
    #[prop(optional)] format: Option<fn(f64) -> String>,
) -> impl IntoView {
    let format = format.unwrap_or(|v| format!("{v:.0}"));
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max);
    // Counts get whole-number gridlines: with five steps, a top of at least 5 keeps them whole.
    let counts = series.iter().flat_map(|s| s.values.iter()).all(|v| v.fract() == 0.0);
    let top = if counts { axis_top(max).max(5.0) } else { axis_top(max) };
    let plot_w = W - PAD_LEFT - 8.0;
    let plot_h = H - PAD_TOP - PAD_BOTTOM;
    let groups = labels.len().max(1) as f64;
    let group_w = plot_w / groups;
    let bar_w = (group_w * 0.8 / series.len().max(1) as f64).max(1.0);
    // label every n-th group so a 90-day axis stays readable
    let every = ((labels.len() as f64) / 10.0).ceil().max(1.0) as usize;
    let y = move |v: f64| PAD_TOP + plot_h - (v / top) * plot_h;
    let mut bars = Vec::new();
    for (si, s) in series.iter().enumerate() {
        for (i, v) in s.values.iter().enumerate() {
            let x = PAD_LEFT + i as f64 * group_w + group_w * 0.1 + si as f64 * bar_w;
            let tip = format!("{} · {}: {}", labels.get(i).cloned().unwrap_or_default(), s.name, format(*v));
            bars.push(view! {
                <rect x=format!("{x:.1}") y=format!("{:.1}", y(*v)) width=format!("{bar_w:.1}") height=format!("{:.1}", (PAD_TOP + plot_h - y(*v)).max(0.0)) fill=s.color>
                    <title>{tip}</title>
                </rect>
            });
        }
    }
    // Five steps: 1, 2 and 5 times a power of ten divide into round numbers (0.2, 0.4, 1, 2, …).
    let ticks: Vec<_> = (0..=5)
        .map(|k| {
            let v = top * k as f64 / 5.0;
            view! {
                <line x1=PAD_LEFT x2=W - 8.0 y1=format!("{:.1}", y(v)) y2=format!("{:.1}", y(v)) stroke="#e2e8f0"/>
                <text x=PAD_LEFT - 6.0 y=format!("{:.1}", y(v) + 4.0) text-anchor="end" font-size="11" fill="#64748b">{format(v)}</text>
            }
        })
        .collect();
    let xlabels: Vec<_> = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, l)| {
            let x = PAD_LEFT + (i as f64 + 0.5) * group_w;
            view! { <text x=format!("{x:.1}") y=H - 8.0 text-anchor="middle" font-size="11" fill="#64748b">{l.clone()}</text> }
        })
        .collect();
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let legend = series.iter().map(|s| view! {
        <span class="inline-flex items-center gap-1"><span class="inline-block h-3 w-3 rounded-sm" style=format!("background:{}", s.color)></span>{s.name.clone()}</span>
    }).collect_view();
    let table_rows = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let cells = series.iter().map(|s| view! { <td class="px-2 py-1 text-right tabular-nums">{format(s.values.get(i).copied().unwrap_or(0.0))}</td> }).collect_view();
            view! { <tr><th scope="row" class="px-2 py-1 text-left font-normal">{l.clone()}</th>{cells}</tr> }
        })
        .collect_view();
    let heads = series.iter().map(|s| view! { <th scope="col" class="px-2 py-1 text-right">{s.name.clone()}</th> }).collect_view();
    view! {
        <figure class=format!("p-4 {}", super::card::SURFACE) data-testid=format!("chart-{id}")>
            <figcaption>
                <h3 id=title_id.clone() class="text-sm font-semibold text-slate-900">{title.clone()}</h3>
                <p id=desc_id.clone() class="mt-0.5 text-xs text-slate-600">{description.clone()}</p>
                <div class="mt-2 flex flex-wrap gap-3 text-xs text-slate-600">{legend}</div>
            </figcaption>
            <svg viewBox=format!("0 0 {W} {H}") class="mt-2 h-auto w-full" role="img" aria-labelledby=format!("{title_id} {desc_id}")>
                {ticks}
                {bars}
                {xlabels}
            </svg>
            <details class="mt-2 text-xs">
                <summary class="cursor-pointer text-slate-600">"The numbers"</summary>
                <div class="max-h-64 overflow-auto">
                    <table class="mt-1 min-w-full" data-testid=format!("chart-{id}-table")>
                        <caption class="sr-only">{title}</caption>
                        <thead><tr><th scope="col" class="px-2 py-1 text-left">"Label"</th>{heads}</tr></thead>
                        <tbody>{table_rows}</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_top_is_a_round_number_at_or_above_the_maximum() {
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(7.0), 10.0);
        assert_eq!(axis_top(10.0), 10.0);
        assert_eq!(axis_top(13.0), 20.0);
        assert_eq!(axis_top(0.37), 0.5);
        assert_eq!(axis_top(420.0), 500.0);
    }
}
