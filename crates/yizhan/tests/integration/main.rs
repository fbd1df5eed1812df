//! The integration tests of the `yizhan` binary and library, in one test binary (one link instead
//! of one per file). Each module is one area; run one with a filter on its module path, e.g.
//! `cargo test -p yizhan --test integration api_lifecycle::`.
//!
//! `support` (an in-process gateway, an API client, temporary databases, a real Alertmanager),
//! `reliability` (a real `yizhan serve` process) and `shaping` (the manual-clock rig) are shared
//! by the test modules.

mod reliability;
mod shaping;
mod support;

mod api;
mod api_ambiguous;
mod api_ambiguous_dead;
mod api_callback_forwards;
mod api_callbacks;
mod api_getui_revoke;
mod api_lifecycle;
mod api_quota;
mod api_repeats;
mod api_request_fuzz;
mod api_statuses;
mod api_store_down;
mod api_strict;
mod backup;
mod cli_config;
mod cli_gateway;
mod cli_keys;
mod cli_send;
mod cli_template;
mod cli_usage;
mod console_browser;
mod console_http;
mod demo;
mod dingtalk_robot;
mod egress_proxy;
mod email;
mod events_stream;
mod feishu_bot;
mod gateway_plan;
mod getui_list;
mod intake;
mod intake_alertmanager;
mod intake_cards;
mod people;
mod quota_ledger;
mod reliability_crash;
mod reliability_disk_full;
mod reliability_faults;
mod reliability_fds;
mod reliability_secrets;
mod retention;
mod scale_out;
mod serve_logs;
mod serve_memory;
mod serve_restart;
mod serve_shared_tokens;
mod shaping_coalesce;
mod shaping_coalesce_getui;
mod shaping_overflow;
mod shaping_schedule;
mod webhooks_api;
mod webhooks_delivery;
mod webhooks_guard;
mod webhooks_retention;
mod worker_execute;
mod worker_lease;
mod worker_run;
