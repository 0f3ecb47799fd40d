//! The dashboard: forms received per day by channel as an SVG bar chart
//! (with the same figures as a table), the queue's size, how many are
//! overdue, and the median time from received to first contact.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use time::OffsetDateTime;

use super::super::letters::{LetterLine, LettersTexts, letters_texts};
use super::auth::Signed;
use super::view::{Chrome, local_date, render, span};
use crate::store::callbacks::DayCount;
use crate::web::{AppError, AppState};
use intake_core::calendar::finnish_date;

/// Days the chart covers, today included.
const DAYS: u32 = 14;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

struct Bar {
    x: String,
    width: String,
    web_y: String,
    web_height: String,
    paper_y: String,
    paper_height: String,
    label_x: String,
    label: String,
    title: String,
}

struct Gridline {
    y: String,
    label_y: String,
    label: u64,
}

struct Row {
    date: String,
    web: i64,
    paper: i64,
    total: i64,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    queue_size: i64,
    overdue: i64,
    send_letter: i64,
    awaiting_review: i64,
    median: Option<String>,
    contacted: usize,
    width: f64,
    height: f64,
    plot_left: f64,
    plot_right: f64,
    axis_y: String,
    grid_label_x: String,
    date_label_y: String,
    bars: Vec<Bar>,
    gridlines: Vec<Gridline>,
    rows: Vec<Row>,
    /// Letters the mailroom cannot print: the caseworker settles them.
    letters_t: &'static LettersTexts,
    letters_for_caseworker: Vec<LetterLine>,
}

pub async fn dashboard_page(
    State(state): State<AppState>,
    staff: Signed,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let overview = state.store.overview(finnish_date(now), DAYS).await?;
    let chrome = Chrome::signed(&staff, "/staff/dashboard");
    let t = chrome.t;
    let (bars, gridlines) = chart(&overview.days, t.channel_web, t.channel_paper);
    let letters_t = letters_texts(staff.lang);
    let letters = crate::letters::letters_for_caseworker(&state.store, &state.config, now).await?;
    let letters_for_caseworker = letters
        .iter()
        .map(|(due, problem)| LetterLine::new(&state, letters_t, staff.lang, due, Some(*problem)))
        .collect();
    let page = DashboardPage {
        queue_size: overview.queue_size,
        overdue: overview.overdue,
        send_letter: overview.send_letter,
        awaiting_review: overview.awaiting_review,
        median: overview.median_first_contact.map(|d| span(d, t)),
        contacted: overview.contacted,
        width: WIDTH,
        height: HEIGHT,
        plot_left: LEFT,
        plot_right: WIDTH - RIGHT,
        axis_y: fmt(HEIGHT - BOTTOM),
        grid_label_x: fmt(LEFT - 6.0),
        date_label_y: fmt(HEIGHT - BOTTOM + 18.0),
        bars,
        gridlines,
        letters_t,
        letters_for_caseworker,
        rows: overview
            .days
            .iter()
            .map(|d| Row {
                date: local_date(d.date),
                web: d.web,
                paper: d.paper,
                total: d.web + d.paper,
            })
            .collect(),
        chrome,
    };
    render(StatusCode::OK, &page)
}

fn fmt(value: f64) -> String {
    format!("{value:.1}")
}

/// The top of the scale and its step: round numbers, at most five lines.
fn scale(max: i64) -> (u64, u64) {
    let max = max.max(1) as u64;
    let step = [1u64, 2, 5]
        .iter()
        .flat_map(|base| (0..7).map(move |power| base * 10u64.pow(power)))
        .filter(|step| max.div_ceil(*step) <= 5)
        .min()
        .unwrap_or(max);
    (max.div_ceil(step) * step, step)
}

fn chart(days: &[DayCount], web: &str, paper: &str) -> (Vec<Bar>, Vec<Gridline>) {
    let highest = days.iter().map(|d| d.web + d.paper).max().unwrap_or(0);
    let (top, step) = scale(highest);
    let plot_height = HEIGHT - TOP - BOTTOM;
    let base = HEIGHT - BOTTOM;
    let y_of = |value: f64| base - value / top as f64 * plot_height;
    let slot = (WIDTH - LEFT - RIGHT) / days.len().max(1) as f64;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let x = LEFT + slot * i as f64 + slot * 0.2;
            let web_top = y_of(day.web as f64);
            let paper_top = y_of((day.web + day.paper) as f64);
            Bar {
                x: fmt(x),
                width: fmt(slot * 0.6),
                web_y: fmt(web_top),
                web_height: fmt(base - web_top),
                paper_y: fmt(paper_top),
                paper_height: fmt(web_top - paper_top),
                label_x: fmt(x + slot * 0.3),
                label: format!("{}.{}.", day.date.day(), u8::from(day.date.month())),
                title: format!(
                    "{}: {web} {}, {paper} {}",
                    local_date(day.date),
                    day.web,
                    day.paper
                ),
            }
        })
        .collect();
    let gridlines = (0..=top / step)
        .map(|n| {
            let value = n * step;
            let y = y_of(value as f64);
            Gridline {
                y: fmt(y),
                label_y: fmt(y + 4.0),
                label: value,
            }
        })
        .collect();
    (bars, gridlines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_scale_is_round() {
        assert_eq!(scale(0), (1, 1));
        assert_eq!(scale(4), (4, 1));
        assert_eq!(scale(7), (8, 2));
        assert_eq!(scale(23), (25, 5));
        assert_eq!(scale(480), (500, 100));
    }

    #[test]
    fn bars_stack_paper_on_web() {
        let days = [
            DayCount {
                date: date!(2026 - 11 - 09),
                web: 2,
                paper: 2,
            },
            DayCount {
                date: date!(2026 - 11 - 10),
                web: 0,
                paper: 0,
            },
        ];
        let (bars, gridlines) = chart(&days, "web", "paper");
        assert_eq!(bars.len(), 2);
        // 4 is the top: the web half reaches the middle, paper the top.
        assert_eq!(
            bars[0].web_y,
            fmt(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) / 2.0)
        );
        assert_eq!(bars[0].paper_y, fmt(TOP));
        assert_eq!(bars[1].web_height, "0.0");
        assert_eq!(gridlines.len(), 5);
        assert_eq!(bars[0].title, "9.11.2026: web 2, paper 2");
    }
}
