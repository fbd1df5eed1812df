//! Golden responses: hand-written, reference-shaped success and error bodies for every endpoint
//! decode through `api::Envelope<…>`, including the shapes naive clients trip on: string
//! numbers, unknown statuses, `deatil`, legacy `status`, missing `data`.

use std::path::Path;

use serde::de::DeserializeOwned;
use yizhan_getui::api::task_schedule_query::SendResult;
use yizhan_getui::api::user_status::OnlineStatus;
use yizhan_getui::api::{
    Envelope, NoData, auth, auth_delete, push_all, push_fast_custom_tag, push_list_alias, push_list_cid,
    push_list_message, push_single_alias, push_single_batch_alias, push_single_batch_cid, push_single_cid, push_tag,
    report_daily, report_task, task_detail, task_schedule_delete, task_schedule_query, task_stop, user_alias_bind,
    user_alias_of_cid, user_alias_unbind, user_alias_unbind_all, user_cids_of_alias, user_custom_tag_batch_bind,
    user_custom_tag_batch_unbind, user_custom_tag_bind, user_custom_tag_query, user_status,
};
use yizhan_getui::status::CidStatus;

const CID1: &str = "0e4c0b53f2c8a6b7d9e1f3a5c7b9d1e3";
const CID2: &str = "7f1a2b3c4d5e6f708192a3b4c5d6e7f8";
const CID3: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
const APP_TASK: &str = "RASA_123_12469008ac33dd02815014631c00000f";
const LIST_TASK: &str = "RASL-0601_a1f0c2d3e4b5a6978899aabbccddeeff";

fn decode<T: DeserializeOwned>(name: &str) -> Envelope<T> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/getui").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn data<T: DeserializeOwned>(name: &str) -> T {
    let envelope: Envelope<T> = decode(name);
    assert!(envelope.is_success(), "{name}: code {}", envelope.code);
    envelope.data.unwrap_or_else(|| panic!("{name}: no data"))
}

/// An envelope with code 0 and no `data`, as the endpoints without payload answer.
fn empty_success<T: DeserializeOwned + serde::Serialize + std::fmt::Debug>(name: &str, msg: &str) {
    let envelope: Envelope<T> = decode(name);
    assert_eq!((envelope.code, envelope.msg.as_str()), (0, msg), "{name}");
    assert!(envelope.data.is_none(), "{name}: {:?}", envelope.data);
    let back = serde_json::to_value(&envelope).expect("serializes");
    assert_eq!(back, serde_json::json!({"code": 0, "msg": msg}), "{name}: no data key when there is no data");
}

#[test]
fn auth_expire_time_as_string_and_as_number() {
    let token: auth::Response = data("auth.response.json");
    assert_eq!(token.expire_time, 1_635_994_647_342);
    assert!(token.token.starts_with("58bc6d51"));
    assert_eq!(serde_json::to_value(&token).expect("serializes")["expire_time"], "1635994647342");
    let token: auth::Response = data("auth.number.response.json");
    assert_eq!(token.expire_time, 1_700_086_400_000);
    empty_success::<auth_delete::Response>("auth_delete.response.json", "");
    assert_eq!(auth_delete::PATH, "/auth/{token}");
}

#[test]
fn single_push_results() {
    let results: push_single_cid::Response = data("push_single_cid.response.json");
    assert_eq!(results["RASS_0109_3ed7bcb9904a2d8208261d0c78a1e999"][CID1], CidStatus::SuccessedOnline);

    let results: push_single_alias::Response = data("push_single_alias.response.json");
    let (taskid, cids) = results.iter().next().expect("one task");
    assert_eq!(taskid, "RASS_0601_6a1d2c3b4e5f60718293a4b5c6d7e8f9");
    assert_eq!(cids[CID1], CidStatus::SuccessedOnline);
    assert_eq!(cids[CID2], CidStatus::SuccessedOffline);
    assert_eq!(cids[CID3], CidStatus::SuccessedIgnore);
    let unknown = &cids["d00dfeedd00dfeedd00dfeedd00dfeed"];
    assert_eq!(unknown, &CidStatus::Other("successed_quota_wait".to_owned()));
    assert_eq!(cids.values().filter(|s| s.is_delivered()).count(), 2);

    let results: push_single_batch_cid::Response = data("push_single_batch_cid.response.json");
    assert_eq!(results.len(), 2);
    assert_eq!(results["RASS_0601_5555eeee6666ffff77770000888899aa"][CID2], CidStatus::SuccessedOffline);

    let asynchronous: Envelope<push_single_batch_alias::Response> = decode("push_single_batch_alias.response.json");
    assert!(asynchronous.is_success() && asynchronous.data.is_none(), "async: no data, still a success");
}

#[test]
fn list_push_results() {
    let created: push_list_message::Response = data("push_list_message.response.json");
    assert_eq!(created.taskid, LIST_TASK);
    let results: push_list_cid::Response = data("push_list_cid.response.json");
    assert_eq!(results[LIST_TASK].len(), 3);
    assert_eq!(results[LIST_TASK][CID3], CidStatus::SuccessedIgnore);
    let results: push_list_alias::Response = data("push_list_alias.response.json");
    assert_eq!(results[LIST_TASK][CID2], CidStatus::SuccessedOffline);
    let detail: push_list_alias::AliasDetailResponse = data("push_list_alias.detail.response.json");
    assert_eq!(detail[LIST_TASK]["user_1001"][CID3], CidStatus::SuccessedIgnore);
    assert_eq!(detail[LIST_TASK]["user_1002"][CID2], CidStatus::SuccessedOffline);
}

#[test]
fn app_push_task_ids() {
    let all: push_all::Response = data("push_all.response.json");
    assert_eq!(all.taskid, APP_TASK);
    let tag: push_tag::Response = data("push_tag.response.json");
    assert!(tag.taskid.starts_with("RASA_"));
    let fast: push_fast_custom_tag::Response = data("push_fast_custom_tag.response.json");
    assert!(fast.taskid.starts_with("RASA_"));
}

#[test]
fn error_bodies_decode_without_data() {
    for (name, code, msg) in [
        ("push_single_cid.error-20001.json", 20001, "target user is invalid"),
        ("push_single_cid.error-10001.json", 10001, "token expired"),
        ("push_all.error-30014.json", 30014, "app push per-minute limit exceeded"),
        ("task_schedule_delete.error-22001.json", 22001, "定时任务已经执行，无法删除"),
    ] {
        let envelope: Envelope<push_single_cid::Response> = decode(name);
        assert_eq!((envelope.code, envelope.msg.as_str()), (code, msg), "{name}");
        assert!(envelope.data.is_none() && !envelope.is_success(), "{name}");
    }
}

#[test]
fn task_management() {
    empty_success::<task_stop::Response>("task_stop.response.json", "success");
    empty_success::<task_schedule_delete::Response>("task_schedule_delete.response.json", "success");
    let unexpected: Envelope<task_stop::Response> =
        serde_json::from_str(r#"{"code":0,"msg":"success","data":{}}"#).expect("NoData ignores any data");
    assert_eq!(unexpected.data, Some(NoData));
    assert_eq!((task_stop::PATH, task_schedule_delete::PATH), ("/task/{taskid}", "/task/schedule/{taskid}"));

    let tasks: task_schedule_query::Response = data("task_schedule_query.response.json");
    let task = &tasks[APP_TASK];
    assert_eq!(task.result(), Some(&SendResult::DoNotSend));
    assert_eq!((task.create_time, task.push_time), (Some(1_700_000_000_000), Some(1_700_003_600_000)));
    let tasks: task_schedule_query::Response = data("task_schedule_query.legacy.response.json");
    let task = &tasks[APP_TASK];
    assert_eq!((task.send_result.as_ref(), task.result()), (None, Some(&SendResult::Success)));
    assert_eq!(task.push_time, Some(1_700_003_600_000));

    let detail: task_detail::Response = data("task_detail.response.json");
    assert_eq!(detail.events().len(), 3);
    assert_eq!(detail.events()[0].event, "消息请求成功");
    let detail: task_detail::Response = data("task_detail.detail.response.json");
    assert_eq!(detail.events()[0].time, "2023-11-15 06:13:20");
}

#[test]
fn user_lookups_and_tags() {
    empty_success::<user_alias_bind::Response>("user_alias_bind.response.json", "success");
    empty_success::<user_alias_unbind::Response>("user_alias_unbind.response.json", "success");
    empty_success::<user_alias_unbind_all::Response>("user_alias_unbind_all.response.json", "success");
    empty_success::<user_custom_tag_bind::Response>("user_custom_tag_bind.response.json", "success");
    let alias: user_alias_of_cid::Response = data("user_alias_of_cid.response.json");
    assert_eq!(alias.alias, "user_1001");
    let cids: user_cids_of_alias::Response = data("user_cids_of_alias.response.json");
    assert_eq!(cids.cid, [CID1, CID2]);
    let tags: user_custom_tag_query::Response = data("user_custom_tag_query.response.json");
    assert_eq!(tags.tags(CID1), ["vip", "北京", "beta_tester"]);
    let bound: user_custom_tag_batch_bind::Response = data("user_custom_tag_batch_bind.response.json");
    assert!(bound.succeeded(CID1) && !bound.succeeded(CID2));
    assert_eq!(bound.failed(), [CID2]);
    let unbound: user_custom_tag_batch_unbind::Response = data("user_custom_tag_batch_unbind.response.json");
    assert!(unbound.failed().is_empty());
}

#[test]
fn user_status_with_string_and_number_times() {
    let statuses: user_status::Response = data("user_status.response.json");
    assert_eq!(statuses[CID1].last_login_time, Some(1_586_860_806_389));
    assert_eq!(statuses[CID1].status, Some(OnlineStatus::Online));
    assert_eq!(statuses[CID2].last_login_time, Some(1_586_860_000_000));
    assert_eq!(statuses[CID2].status, Some(OnlineStatus::Offline));
    assert_eq!(statuses[CID3].status, Some(OnlineStatus::Other("sleeping".to_owned())));
}

#[test]
fn reports_with_mixed_string_and_number_counts() {
    let reports: report_task::Response = data("report_task.response.json");
    let report = &reports[APP_TASK];
    let total = report.total.as_ref().expect("total");
    assert_eq!((total.msg_num, total.target_num, total.click_num), (Some(10_000), Some(20_000), Some(300)));
    assert_eq!(report.gt.as_ref().and_then(|c| c.receive_num), Some(11_000));
    assert_eq!(report.channels["hw"].receive_num, Some(4_800));
    assert_eq!(report.channels["apn"].click_num, Some(0));
    assert_eq!(report.channels.keys().collect::<Vec<_>>(), ["apn", "hw", "xm"]);
    let actions = report.action_cnt_map.as_ref().expect("actionCntMap");
    assert_eq!((actions["open_order"], actions["share"]), (12, 3));

    let days: report_daily::Response = data("report_daily.response.json");
    let day = &days["2023-11-14"];
    assert_eq!(day.gt.as_ref().and_then(|c| c.target_num), Some(60));
    assert_eq!(day.channels["hw"].display_num, Some(30));
    assert!(day.action_cnt_map.is_none());
}
