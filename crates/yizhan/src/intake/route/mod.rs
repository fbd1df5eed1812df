//! Routes: which alerts go where, in what form.
//!
//! A top-level route is addressed by name in the intake URL. Each alert of a notification is
//! routed on its own, as Alertmanager does: it must match the route's matchers; then its child
//! routes are tried in order and the first that matches takes it (a child with
//! `continue = true` lets later siblings take it too); when no child takes it, the route
//! itself does. A route without channels delivers nothing, so an alert that ends there is
//! unrouted. The alerts a route took are rendered together as one notification.

pub mod compile;
pub mod config;

use std::collections::BTreeMap;

use crate::gateway::{Overflow, To};
use crate::intake::matcher::Matcher;
use crate::intake::payload::Alert;
use crate::intake::template::Templates;
use crate::intake::template::context::Locale;

pub use config::{MessageKind, RouteConfig, TargetConfig};

/// One compiled route.
#[derive(Debug)]
pub struct Route {
    /// `ops`, or `ops/db` for a child.
    pub name: String,
    /// Its key path in the configuration (`routes[0].routes[1]`).
    pub at: String,
    matchers: Vec<Matcher>,
    continue_matching: bool,
    /// What it renders with (inheritance resolved).
    pub settings: Settings,
    /// Where it delivers (its own channels, else its parent's).
    pub targets: Vec<Target>,
    /// Child routes, in order.
    pub children: Vec<Route>,
}

/// A route's rendering settings, inheritance resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The message kind for WeCom channels.
    pub kind: MessageKind,
    /// The name of the message template.
    pub template: String,
    /// The name of the title template (Getui notifications).
    pub title: String,
    /// Where the message template was configured (for errors).
    pub template_at: String,
    /// Time zone and language.
    pub locale: Locale,
    /// The label that selects severity extras.
    pub severity_label: String,
    /// The WeCom duplicate-check window in seconds, when set.
    pub repeat_window_secs: Option<u32>,
    /// The Alertmanager API for silences.
    pub alertmanager_url: Option<String>,
    /// Over-long text handling.
    pub overflow: Overflow,
}

/// A channel of a route and its recipients (strings may be templates).
#[derive(Debug, Clone)]
pub struct Target {
    /// The channel name.
    pub channel: String,
    /// Its key path (`routes[0].channels[1]`); recipient templates are named after it.
    pub at: String,
    /// The recipients.
    pub to: To,
    /// Extra recipients by severity.
    pub severity: BTreeMap<String, To>,
}

impl Route {
    /// Whether `alert` matches this route's own matchers (`status` is the alert's status).
    pub fn matches(&self, alert: &Alert) -> bool {
        self.matchers.iter().all(|m| match m.name.as_str() {
            "status" => m.matches_value(alert.status.as_str()),
            _ => m.matches(&alert.labels),
        })
    }

    /// The routes that take `alert` when it enters at this route (empty when it does not match).
    pub fn select(&self, alert: &Alert) -> Vec<&Route> {
        if !self.matches(alert) {
            return Vec::new();
        }
        let mut taken = Vec::new();
        for child in &self.children {
            let found = child.select(alert);
            if !found.is_empty() {
                taken.extend(found);
                if !child.continue_matching {
                    break;
                }
            }
        }
        if taken.is_empty() {
            taken.push(self);
        }
        taken
    }

    /// This route and every descendant, depth first.
    pub fn walk(&self) -> Vec<&Route> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.walk());
        }
        all
    }
}

/// The routes of a configuration and their templates.
#[derive(Debug, Default)]
pub struct Routes {
    written: Vec<(String, RouteConfig)>,
    routes: Vec<Route>,
    templates: Templates,
}

impl Routes {
    /// Adds a route as written at key path `at`; [`Routes::compile`] checks it.
    pub fn push(&mut self, at: String, route: RouteConfig) {
        self.written.push((at, route));
    }

    /// The top-level route called `name`.
    pub fn get(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }

    /// The top-level routes' names.
    pub fn names(&self) -> Vec<&str> {
        self.routes.iter().map(|r| r.name.as_str()).collect()
    }

    /// Whether no route is configured.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The templates.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }
}

#[cfg(test)]
mod tests;
