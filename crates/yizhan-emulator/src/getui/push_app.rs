//! `POST /push/all`, `/push/tag` and `/push/fast_custom_tag` (Getui REST v2 docs: push API and push
//! quotas).
//!
//! `/push/all` needs `"audience": "all"` (the bare string); `/push/tag` a non-empty
//! `audience.tag` array of conditions (key `phone_type` | `region` | `custom_tag` | `portrait`,
//! `opt_type` `and` | `or` | `not`; conditions are ANDed) matched against the registry;
//! `/push/fast_custom_tag` an `audience.fast_custom_tag` string matching cids carrying that tag.
//! All answer `{"taskid":"RASA_…"}` and record one inbox entry per matched cid (inactive ones as
//! `successed_ignore`, not delivered); a push matching nobody still succeeds.
//!
//! `/push/all` and `/push/tag` share `app_push_per_minute` (403/30014) and `app_push_per_day`
//! (403/30007 for all, 30010 for tag); a repeated `request_id` is answered before the quotas
//! and does not count. `/push/fast_custom_tag` has no quota (*choice*). `settings.schedule_time`
//! (all and tag only; within 7 days, else 22002) stores the task as scheduled: it is delivered
//! to the audience as matched when its time passes (see the module docs of `getui`).

use std::sync::Arc;

use serde_json::{Value, json};

use super::Ctx;
use super::envelope::{Answer, Res};
use super::ledger::AppQuota;
use super::push::{self, Targets};
use super::registry::{self, Registry};
use super::tasks::{AppAudience, Kind, Schedule, ScheduleState};
use super::validate::{self, Rules, get, req_str};

/// Which app-level push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    All,
    Tag,
    FastTag,
}

/// Every cid the audience matches now, in cid order.
pub(super) fn resolve(registry: &Registry, audience: &AppAudience) -> Targets {
    let cids = match audience {
        AppAudience::All => registry.select(|_| true),
        AppAudience::Tag(conditions) => registry.select(|c| c.matches(conditions)),
        AppAudience::FastTag(tag) => registry.select(|c| c.config.tags.iter().any(|t| t == tag)),
    };
    cids.into_iter().map(|c| (c.id.clone(), c.push_status())).collect()
}

/// `POST /push/all`, `/push/tag` or `/push/fast_custom_tag`.
pub(super) fn push(ctx: &Ctx<'_>, which: Which) -> Res {
    let map = validate::object(ctx.body)?;
    let rules = Rules { request_id_required: true, schedule_allowed: which != Which::FastTag, now_ms: ctx.now_ms };
    let body = validate::push_body(&map, rules)?;
    let audience = match which {
        Which::All => match get(&map, "audience") {
            Some(Value::String(all)) if all == "all" => AppAudience::All,
            None => return Err(Answer::empty("audience")),
            Some(_) => return Err(Answer::invalid("audience")),
        },
        Which::Tag => AppAudience::Tag(registry::conditions(validate::audience(&map)?)?),
        Which::FastTag => AppAudience::FastTag(req_str(validate::audience(&map)?, "fast_custom_tag")?.to_owned()),
    };
    let mut inner = ctx.getui().lock();
    if let Some(data) = push::repeat(ctx, &inner, &body.message) {
        return push::repeat_answer(ctx, data);
    }
    if which != Which::FastTag {
        let quota = AppQuota { per_minute: ctx.config().app_push_per_minute, per_day: ctx.config().app_push_per_day };
        inner.ledger.admit_app_push(ctx.app, ctx.now_ms, quota, which == Which::Tag)?;
    }
    let (taskid, reached): (Arc<str>, Targets) = match body.schedule_ms {
        Some(push_time_ms) => {
            let schedule = Schedule { push_time_ms, state: ScheduleState::Pending, audience };
            (inner.tasks.create(ctx.app, Kind::App, body.message.clone(), Some(schedule), ctx.now_ms), vec![])
        }
        None => {
            let targets = resolve(&inner.registry, &audience);
            (push::deliver_new(ctx, &mut inner, Kind::App, &body.message, &targets), targets)
        }
    };
    let data = json!({ "taskid": taskid.as_ref() });
    push::remember(ctx, &mut inner, &body.message, &data, &[(taskid, reached)]);
    Ok(Answer::data(data))
}
