//! The side-by-side table: every figure for every system and its ratio to ours,
//! printed as Markdown (so that `docs/benchmarks.md` can quote it as it is), and the targets.

/// One figure for every system.
#[derive(Debug, Clone)]
pub(super) struct Row {
    /// What is measured.
    pub(super) label: String,
    /// Its unit, printed after each value.
    pub(super) unit: &'static str,
    /// Decimals to print.
    pub(super) decimals: usize,
    /// One value per system, ours first; `None` where a system does not report it.
    pub(super) values: Vec<Option<f64>>,
    /// Whether less is better (time, memory, size) or more (requests per second).
    pub(super) lower_is_better: bool,
}

impl Row {
    /// How many times better ours is than system `i` (above 1: ours wins).
    pub(super) fn advantage(&self, i: usize) -> Option<f64> {
        let (ours, theirs) = (
            self.values.first().copied()??,
            self.values.get(i).copied()??,
        );
        let ratio = if self.lower_is_better {
            theirs / ours
        } else {
            ours / theirs
        };
        ratio.is_finite().then_some(ratio)
    }

    fn value(&self, i: usize) -> String {
        match self.values.get(i).copied().flatten() {
            Some(v) if v.is_finite() => {
                let text = format!("{v:.*}", self.decimals);
                format!("{} {}", thousands(&text), self.unit)
            }
            _ => "—".to_owned(),
        }
    }
}

/// `12345.6` as `12,345.6`.
fn thousands(text: &str) -> String {
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text, None), |(w, f)| (w, Some(f)));
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0
            && (digits.len() - i).is_multiple_of(3)
            && c.is_ascii_digit()
            && digits[i - 1].is_ascii_digit()
        {
            out.push(',');
        }
        out.push(*c);
    }
    match fraction {
        Some(f) => format!("{out}.{f}"),
        None => out,
    }
}

/// `×3.2` for a ratio.
pub(super) fn times(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".to_owned(), |r| format!("×{}", format_ratio(r)))
}

fn format_ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.2}")
    }
}

/// Prints the table: a column per system, and per peer how many times better ours is.
pub(super) fn print(systems: &[&str], rows: &[Row]) {
    let mut header = String::from("| figure |");
    let mut rule = String::from("| --- |");
    for name in systems {
        header.push_str(&format!(" {name} |"));
        rule.push_str(" ---: |");
    }
    for name in systems.iter().skip(1) {
        header.push_str(&format!(" ours vs {name} |"));
        rule.push_str(" ---: |");
    }
    println!("{header}\n{rule}");
    for row in rows {
        let mut line = format!("| {} |", row.label);
        for i in 0..systems.len() {
            line.push_str(&format!(" {} |", row.value(i)));
        }
        for i in 1..systems.len() {
            line.push_str(&format!(" {} |", times(row.advantage(i))));
        }
        println!("{line}");
    }
}

/// A target: ours at least `factor` times better than system `peer` on the row `row`.
pub(super) struct Target {
    pub(super) row: String,
    pub(super) peer: usize,
    pub(super) factor: f64,
}

/// Prints each target's verdict.
pub(super) fn verdicts(systems: &[&str], rows: &[Row], targets: &[Target]) {
    println!("  targets:");
    for target in targets {
        let ratio = rows
            .iter()
            .find(|r| r.label == target.row)
            .and_then(|r| r.advantage(target.peer));
        let verdict = match ratio {
            Some(r) if r >= target.factor => "met",
            Some(_) => "NOT met",
            None => "not measured",
        };
        println!(
            "    {} (at least ×{} vs {}): {} {verdict}",
            target.row,
            target.factor,
            systems.get(target.peer).copied().unwrap_or("?"),
            times(ratio)
        );
    }
}
