//! Routing of `/v2/{appId}/…`: the appId, the path (404 / code 404), the method (405 / code 405),
//! the `token` header (401 / code 10001) and then the endpoint.
//!
//! Checks run in that order. An unknown appId answers `unknown_app_code` (default 10001, HTTP
//! 401; 301 answers a redirect to the emulator itself). Path segments are percent-decoded one by
//! one, so `%2C` inside a segment stays part of it while a literal `,` separates list values.

use axum::http::Method;

use super::envelope::{Answer, Res, default_msg};
use super::{Ctx, auth, push_app, push_list, push_single, reports, task_api, users};
use crate::query::decode_segment;
use crate::state::AppState;

/// A Getui request as the router sees it.
pub(super) struct Request<'a> {
    pub(super) method: &'a Method,
    /// The decoded appId segment.
    pub(super) app_id: &'a str,
    /// The raw path after the appId, starting with `/` (or empty).
    pub(super) suffix: &'a str,
    /// The `token` header.
    pub(super) token: Option<&'a str>,
    pub(super) body: &'a [u8],
}

/// Every endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Auth,
    AuthRevoke,
    SingleCid,
    SingleAlias,
    BatchCid,
    BatchAlias,
    ListMessage,
    ListCid,
    ListAlias,
    All,
    Tag,
    FastCustomTag,
    TaskStop,
    ScheduleGet,
    ScheduleDelete,
    TaskDetail,
    AliasBind,
    AliasUnbind,
    AliasUnbindAll,
    AliasOfCid,
    CidsOfAlias,
    TagsSet,
    TagsGet,
    TagBatchAdd,
    TagBatchRemove,
    UserStatus,
    ReportTask,
    ReportDate,
}

/// `(method, path pattern, endpoint)`; `*` matches one segment (a path parameter).
const ROUTES: &[(&str, &[&str], Endpoint)] = &[
    ("POST", &["auth"], Endpoint::Auth),
    ("DELETE", &["auth", "*"], Endpoint::AuthRevoke),
    ("POST", &["push", "single", "cid"], Endpoint::SingleCid),
    ("POST", &["push", "single", "alias"], Endpoint::SingleAlias),
    ("POST", &["push", "single", "batch", "cid"], Endpoint::BatchCid),
    ("POST", &["push", "single", "batch", "alias"], Endpoint::BatchAlias),
    ("POST", &["push", "list", "message"], Endpoint::ListMessage),
    ("POST", &["push", "list", "cid"], Endpoint::ListCid),
    ("POST", &["push", "list", "alias"], Endpoint::ListAlias),
    ("POST", &["push", "all"], Endpoint::All),
    ("POST", &["push", "tag"], Endpoint::Tag),
    ("POST", &["push", "fast_custom_tag"], Endpoint::FastCustomTag),
    ("DELETE", &["task", "*"], Endpoint::TaskStop),
    ("GET", &["task", "schedule", "*"], Endpoint::ScheduleGet),
    ("DELETE", &["task", "schedule", "*"], Endpoint::ScheduleDelete),
    ("GET", &["task", "detail", "*", "*"], Endpoint::TaskDetail),
    ("POST", &["user", "alias"], Endpoint::AliasBind),
    ("DELETE", &["user", "alias"], Endpoint::AliasUnbind),
    ("DELETE", &["user", "alias", "*"], Endpoint::AliasUnbindAll),
    ("GET", &["user", "alias", "cid", "*"], Endpoint::AliasOfCid),
    ("GET", &["user", "cid", "alias", "*"], Endpoint::CidsOfAlias),
    ("POST", &["user", "custom_tag", "cid", "*"], Endpoint::TagsSet),
    ("GET", &["user", "custom_tag", "cid", "*"], Endpoint::TagsGet),
    ("PUT", &["user", "custom_tag", "batch", "*"], Endpoint::TagBatchAdd),
    ("DELETE", &["user", "custom_tag", "batch", "*"], Endpoint::TagBatchRemove),
    ("GET", &["user", "status", "*"], Endpoint::UserStatus),
    ("GET", &["report", "push", "task", "*"], Endpoint::ReportTask),
    ("GET", &["report", "push", "date", "*"], Endpoint::ReportDate),
];

/// The decoded parameters when `segments` fit `pattern`.
fn fit(pattern: &[&str], segments: &[&str]) -> Option<Vec<String>> {
    if pattern.len() != segments.len() {
        return None;
    }
    let mut params = vec![];
    for (p, s) in pattern.iter().zip(segments) {
        match *p {
            "*" if !s.is_empty() => params.push(decode_segment(s).into_owned()),
            "*" => return None,
            literal if literal == *s => {}
            _ => return None,
        }
    }
    Some(params)
}

/// Finds the endpoint: `Err` is the 404 or 405 answer.
fn route(method: &Method, suffix: &str) -> Result<(Endpoint, Vec<String>), Answer> {
    let segments: Vec<&str> = suffix.strip_prefix('/').map(|s| s.split('/').collect()).unwrap_or_default();
    let mut path_known = false;
    for (m, pattern, endpoint) in ROUTES {
        if let Some(params) = fit(pattern, &segments) {
            if *m == method.as_str() {
                return Ok((*endpoint, params));
            }
            path_known = true;
        }
    }
    Err(if path_known { Answer::code(405) } else { Answer::code(404) })
}

/// Answers one Getui request.
pub(super) fn dispatch(state: &AppState, request: &Request<'_>, host: Option<&str>) -> Answer {
    let getui = &state.getui;
    let Some(app) = getui.config.apps.iter().position(|a| a.app_id == request.app_id) else {
        return unknown_app(getui.config.unknown_app_code, host);
    };
    let (endpoint, params) = match route(request.method, request.suffix) {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let ctx = Ctx { state, app, now_ms: state.clock.now_ms(), params, body: request.body };
    if endpoint != Endpoint::Auth {
        let token = request.token.filter(|t| !t.is_empty());
        if !token.is_some_and(|t| getui.tokens.is_valid(t, app, ctx.now_ms)) {
            return Answer::bad_token();
        }
    }
    run(endpoint, &ctx).unwrap_or_else(|error| error)
}

fn unknown_app(code: i64, host: Option<&str>) -> Answer {
    match code {
        301 => super::envelope::redirect(&[format!("http://{}", host.unwrap_or("127.0.0.1"))]),
        10001 => Answer::error(10001, "appId is invalid"),
        other => Answer::error(other, default_msg(other)),
    }
}

fn run(endpoint: Endpoint, ctx: &Ctx<'_>) -> Res {
    match endpoint {
        Endpoint::Auth => auth::create(ctx),
        Endpoint::AuthRevoke => auth::revoke(ctx),
        Endpoint::SingleCid => push_single::single(ctx, false),
        Endpoint::SingleAlias => push_single::single(ctx, true),
        Endpoint::BatchCid => push_single::batch(ctx, false),
        Endpoint::BatchAlias => push_single::batch(ctx, true),
        Endpoint::ListMessage => push_list::message(ctx),
        Endpoint::ListCid => push_list::push(ctx, false),
        Endpoint::ListAlias => push_list::push(ctx, true),
        Endpoint::All => push_app::push(ctx, push_app::Which::All),
        Endpoint::Tag => push_app::push(ctx, push_app::Which::Tag),
        Endpoint::FastCustomTag => push_app::push(ctx, push_app::Which::FastTag),
        Endpoint::TaskStop => task_api::stop(ctx),
        Endpoint::ScheduleGet => task_api::schedule(ctx),
        Endpoint::ScheduleDelete => task_api::delete_schedule(ctx),
        Endpoint::TaskDetail => task_api::detail(ctx),
        Endpoint::AliasBind => users::bind(ctx),
        Endpoint::AliasUnbind => users::unbind(ctx),
        Endpoint::AliasUnbindAll => users::unbind_alias(ctx),
        Endpoint::AliasOfCid => users::alias_of_cid(ctx),
        Endpoint::CidsOfAlias => users::cids_of_alias(ctx),
        Endpoint::TagsSet => users::set_tags(ctx),
        Endpoint::TagsGet => users::get_tags(ctx),
        Endpoint::TagBatchAdd => users::batch_tag(ctx, true),
        Endpoint::TagBatchRemove => users::batch_tag(ctx, false),
        Endpoint::UserStatus => users::status(ctx),
        Endpoint::ReportTask => reports::task(ctx),
        Endpoint::ReportDate => reports::date(ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_404_405_and_params() {
        let (e, p) = route(&Method::GET, "/user/cid/alias/%E5%BC%A0%E4%B8%89").unwrap_or((Endpoint::Auth, vec![]));
        assert_eq!((e, p), (Endpoint::CidsOfAlias, vec!["张三".to_owned()]));
        assert_eq!(route(&Method::GET, "/push/single/cid").err().map(|a| a.code), Some(405));
        assert_eq!(route(&Method::POST, "/push/single/cids").err().map(|a| a.code), Some(404));
        assert_eq!(route(&Method::POST, "").err().map(|a| a.code), Some(404));
        assert_eq!(route(&Method::DELETE, "/task//").err().map(|a| a.code), Some(404));
        let (e, p) = route(&Method::DELETE, "/task/schedule/RASA_1").unwrap_or((Endpoint::Auth, vec![]));
        assert_eq!((e, p), (Endpoint::ScheduleDelete, vec!["RASA_1".to_owned()]));
    }
}
