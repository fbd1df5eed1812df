//! End-to-end tests of the emulator over real HTTP with reqwest.

#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod bot_support;
mod cards;
mod clicks;
mod control;
mod dingtalk;
mod dingtalk_security;
mod faults;
mod feishu;
mod feishu_security;
mod gettoken;
mod getui_app;
mod getui_auth;
mod getui_dedupe;
mod getui_faults;
mod getui_list;
mod getui_push;
mod getui_reports;
mod getui_support;
mod getui_users;
mod limits;
mod media;
mod recipients;
mod robot;
mod send;
mod signature_vectors;
mod support;
mod validation;
