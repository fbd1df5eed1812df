//! Alert intake: Alertmanager, Grafana and generic webhooks in; routed, templated messages out.
//!
//! * [`payload`]: the webhook bodies, parsed with errors that name the field.
//! * [`route`]: `[[routes]]`: matchers (Alertmanager's syntax, [`matcher`]), first match or
//!   `continue`, channels and recipients, and their checks at configuration load.
//! * [`template`]: MiniJinja templates, built-in ones in Chinese and English.
//! * [`deliver`]: a route's alerts as `MessageRequest`s, the same the HTTP API accepts.
//! * [`metrics`]: what `/metrics` counts; the receivers themselves (`POST
//!   /v1/intake/{alertmanager,grafana,webhook}/{route}`) are in `crate::server`.
//! * [`silences`]: a client of Alertmanager's API v2 (silences, alerts).
//! * [`group`]: the alert group a notification belongs to.
//! * [`cards`]: one WeCom template card per alert group, updated in place, with Acknowledge and
//!   Silence buttons.
//!
//! The user's guide is `docs/alerts.md`.

pub mod cards;
pub mod deliver;
pub mod group;
pub mod matcher;
pub mod metrics;
pub mod payload;
pub mod route;
pub mod samples;
pub mod silences;
pub mod template;

use payload::{Alert, Payload};
use route::Route;

pub use group::GroupKey;
pub use route::Routes;

/// The alerts one route took from a notification, and its messages for them.
#[derive(Debug)]
pub struct Routed<'a> {
    /// The route.
    pub route: &'a Route,
    /// How many of the notification's alerts it took.
    pub alerts: usize,
    /// The alert group at this route.
    pub group: GroupKey,
    /// Its messages, one per channel entry.
    pub messages: Vec<deliver::Message>,
    /// The labels every one of its alerts has (a silence's matchers).
    pub labels: std::collections::BTreeMap<String, String>,
    /// Whether any of its alerts fires.
    pub firing: bool,
}

/// Routes every alert of `payload` from the top-level route `entry` and renders each route that
/// took some, in the order they were first taken. Routes without channels deliver nothing and
/// are left out, so an empty result means the notification was not routed.
pub fn route_payload<'a>(
    entry: &'a Route,
    payload: &Payload,
    config: &crate::config::Config,
) -> Result<Vec<Routed<'a>>, deliver::RenderError> {
    let mut taken: Vec<(&Route, Vec<&Alert>)> = Vec::new();
    for alert in &payload.notification.alerts {
        for route in entry.select(alert).into_iter().filter(|r| !r.targets.is_empty()) {
            match taken.iter_mut().find(|(r, _)| std::ptr::eq(*r, route)) {
                Some((_, alerts)) => alerts.push(alert),
                None => taken.push((route, vec![alert])),
            }
        }
    }
    let templates = config.routes.templates();
    taken
        .into_iter()
        .map(|(route, alerts)| {
            let messages = deliver::render(route, payload, &alerts, templates, config, deliver::Mode::Send)?;
            Ok(Routed {
                route,
                alerts: alerts.len(),
                group: GroupKey::new(&route.name, payload),
                messages,
                labels: common_labels(&alerts),
                firing: alerts.iter().any(|a| a.status == payload::Status::Firing),
            })
        })
        .collect()
}

/// The labels (name and value) every one of `alerts` has.
fn common_labels(alerts: &[&Alert]) -> std::collections::BTreeMap<String, String> {
    let Some((first, rest)) = alerts.split_first() else { return std::collections::BTreeMap::new() };
    let mut common = first.labels.clone();
    common.retain(|name, value| rest.iter().all(|a| a.labels.get(name) == Some(value)));
    common
}
