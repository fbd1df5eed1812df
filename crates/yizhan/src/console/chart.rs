//! The overview's chart: messages per time slot by status group, as stacked bars in inline SVG
//! (no chart library, no script; colours by attribute, as the page's CSP allows no inline style).

use maud::{Markup, html};

use super::i18n::{Lang, T};

/// Statuses grouped for the chart: reached, failed, waiting, stopped (cancelled, recalled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Reached,
    Failed,
    Waiting,
    Stopped,
}

impl Group {
    pub(crate) const ALL: [Group; 4] = [Group::Reached, Group::Failed, Group::Waiting, Group::Stopped];

    /// The group of a message status.
    pub(crate) fn of(status: &str) -> Group {
        match status {
            "delivered" | "partially_delivered" | "suppressed_duplicate" => Group::Reached,
            "dead" | "expired" => Group::Failed,
            "cancelled" | "recalled" => Group::Stopped,
            _ => Group::Waiting,
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Group::Reached => "#116329",
            Group::Failed => "#b3261e",
            Group::Waiting => "#8a4b00",
            Group::Stopped => "#57606a",
        }
    }

    fn label(self) -> T {
        match self {
            Group::Reached => T::GroupReached,
            Group::Failed => T::GroupFailed,
            Group::Waiting => T::GroupWaiting,
            Group::Stopped => T::GroupStopped,
        }
    }
}

/// Counts per slot and group: `slots[n][group]`.
pub(crate) type Slots = Vec<[i64; 4]>;

/// `slots` empty slots, filled from `(slot, status, count)` rows.
pub(crate) fn slots(n: usize, rows: impl IntoIterator<Item = (i64, String, i64)>) -> Slots {
    let mut slots = vec![[0i64; 4]; n];
    for (slot, status, count) in rows {
        let group = Group::ALL.iter().position(|g| *g == Group::of(&status)).unwrap_or(2);
        if let Some(s) = usize::try_from(slot).ok().and_then(|i| slots.get_mut(i)) {
            s[group] += count;
        }
    }
    slots
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;
const AXIS: f64 = 20.0;

/// One segment of a stacked bar.
struct Bar {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    group: Group,
}

/// The segments of every non-zero count, stacked from the axis up.
fn bars(slots: &Slots, slot_width: f64, scale: f64) -> Vec<Bar> {
    let mut bars = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let mut top = HEIGHT - AXIS;
        for (group, count) in Group::ALL.iter().zip(slot) {
            if *count > 0 {
                let height = *count as f64 * scale;
                top -= height;
                let (x, width) = (i as f64 * slot_width + 0.5, (slot_width - 1.0).max(0.5));
                bars.push(Bar { x, y: top, width, height, group: *group });
            }
        }
    }
    bars
}

/// The stacked bar chart of `slots`, titled `title`, with its legend and totals as text.
pub(crate) fn render(lang: Lang, title: &str, slots: &Slots) -> Markup {
    let peak = slots.iter().map(|s| s.iter().sum::<i64>()).max().unwrap_or(0).max(1);
    let slot_width = WIDTH / slots.len().max(1) as f64;
    let scale = (HEIGHT - AXIS) / peak as f64;
    let totals: Vec<i64> = (0..4).map(|g| slots.iter().map(|s| s[g]).sum()).collect();
    let summary = Group::ALL
        .iter()
        .zip(&totals)
        .map(|(g, n)| format!("{} {n}", lang.t(g.label())))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        figure.chart-box {
            svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby="chart-title chart-desc" {
                title #chart-title { (title) }
                desc #chart-desc { (summary) }
                line x1="0" y1=(HEIGHT - AXIS) x2=(WIDTH) y2=(HEIGHT - AXIS) stroke="#8c959f" {}
                text x="2" y="12" font-size="11" fill="#57606a" { (peak) }
                @for bar in bars(slots, slot_width, scale) {
                    rect x=(format!("{:.1}", bar.x)) y=(format!("{:.1}", bar.y)) width=(format!("{:.1}", bar.width))
                        height=(format!("{:.1}", bar.height)) fill=(bar.group.colour()) {}
                }
            }
            figcaption {
                strong { (title) } ": "
                @for (g, n) in Group::ALL.iter().zip(&totals) {
                    span.legend {
                        svg width="10" height="10" aria-hidden="true" { rect width="10" height="10" fill=(g.colour()) {} }
                        " " (lang.t(g.label())) " " span data-total=(format!("{g:?}").to_lowercase()) { (n) }
                    }
                    " "
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fill_their_slots_and_groups() {
        let rows = vec![
            (0, "delivered".to_owned(), 3),
            (0, "dead".to_owned(), 1),
            (2, "retrying".to_owned(), 2),
            (2, "cancelled".to_owned(), 1),
            (9, "delivered".to_owned(), 5), // outside the window: ignored
        ];
        let s = slots(3, rows);
        assert_eq!(s, vec![[3, 1, 0, 0], [0, 0, 0, 0], [0, 0, 2, 1]]);
        let svg = render(Lang::En, "per minute", &s).into_string();
        assert_eq!(svg.matches("<rect x=").count(), 4, "one bar segment per non-zero count");
        assert!(svg.contains(r#"data-total="reached">3<"#) && svg.contains(r#"data-total="failed">1<"#));
        assert!(!svg.contains("style="), "no inline style (CSP)");
    }
}
