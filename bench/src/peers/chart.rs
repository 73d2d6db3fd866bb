//! The chart `docs/benchmarks.md` shows: for each figure, how many times better ours is than
//! each peer, as horizontal bars on a logarithmic scale (1 = parity; left of it the
//! peer wins). Plain SVG, written by the bench.

use super::report::Row;

const WIDTH: f64 = 880.0;
const LABEL: f64 = 380.0;
const BAR: f64 = 11.0;
const GAP: f64 = 9.0;
const TOP: f64 = 48.0;
/// The scale: 1/10 to 1000 times.
const MIN_LOG: f64 = -1.0;
const MAX_LOG: f64 = 3.0;
const COLOURS: [&str; 4] = ["#2b6cb0", "#c05621", "#805ad5", "#2f855a"];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn x(ratio: f64) -> f64 {
    let log = ratio.log10().clamp(MIN_LOG, MAX_LOG);
    LABEL + (log - MIN_LOG) / (MAX_LOG - MIN_LOG) * (WIDTH - LABEL - 60.0)
}

/// The SVG for `rows`, with `systems[0]` as ours and a bar per peer.
pub(super) fn svg(title: &str, systems: &[&str], rows: &[Row]) -> String {
    let peers = systems.len().saturating_sub(1);
    let group = peers as f64 * BAR + GAP;
    let height = TOP + rows.len() as f64 * group + 40.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n\
         <text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{}</text>\n",
        escape(title)
    );
    // The legend in the systems' order (the headline peer first), each entry as wide
    // as its text.
    let mut lx = 10.0;
    for (p, name) in systems.iter().skip(1).enumerate() {
        out.push_str(&format!(
            "<rect x=\"{lx}\" y=\"27\" width=\"10\" height=\"10\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"36\">ours vs {}</text>\n",
            COLOURS[p % COLOURS.len()],
            lx + 14.0,
            escape(name)
        ));
        lx += 14.0 + 6.2 * (name.chars().count() + 8) as f64 + 16.0;
    }
    let bottom = height - 30.0;
    for tick in [0.1, 1.0, 10.0, 100.0, 1000.0] {
        let tx = x(tick);
        let (stroke, width) = if tick == 1.0 {
            ("#333", 1.5)
        } else {
            ("#ddd", 1.0)
        };
        out.push_str(&format!(
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{bottom:.0}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>\
             <text x=\"{tx:.1}\" y=\"{:.0}\" text-anchor=\"middle\">×{tick}</text>\n",
            bottom + 14.0
        ));
    }
    out.push_str(&format!(
        "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\" fill=\"#555\">← the peer is better · ours is better →</text>\n",
        x(1.0),
        bottom + 27.0
    ));
    for (r, row) in rows.iter().enumerate() {
        let y = TOP + r as f64 * group;
        out.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            LABEL - 8.0,
            y + peers as f64 * BAR / 2.0 + 4.0,
            escape(&row.label)
        ));
        for p in 0..peers {
            let Some(ratio) = row.advantage(p + 1) else {
                continue;
            };
            let (from, to) = (x(1.0), x(ratio));
            let by = y + p as f64 * BAR;
            out.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"{}\">{}</text>\n",
                from.min(to),
                (to - from).abs().max(1.0),
                BAR - 2.0,
                COLOURS[p % COLOURS.len()],
                // Right of the bar, or right of the parity line when the peer wins.
                from.max(to) + 3.0,
                by + BAR - 3.0,
                "start",
                super::report::times(Some(ratio))
            ));
        }
    }
    out.push_str("</svg>\n");
    out
}
