//! Golden responses: real-shaped message/send, gettoken and media upload bodies (success and error) decode
//! through `api::Envelope`, and message/send bodies turn into a [`Receipt`] with the `|`-joined
//! lists split and lower-cased.

use std::path::Path;

use yizhan_wecom::api::message_send::{self, Receipt};
use yizhan_wecom::api::{Envelope, gettoken, media_upload, media_uploadimg};
use yizhan_wecom::errcode;

fn decode<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wecom").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn message_send_success_with_partial_rejections() {
    let envelope: Envelope<message_send::Response> = decode("message_send.response.json");
    assert_eq!((envelope.errcode, envelope.errmsg.as_str()), (0, "ok"));
    assert_eq!(envelope.body.invaliduser, "UserA|userb");
    let receipt = Receipt::from(envelope.body);
    assert_eq!(receipt.msgid, "vcT8gGc-7dFb4bxT35ONjBDz901sLlXPZw1DAMC_Gc26qRpK-AK5sTJkkb0128t");
    assert_eq!(receipt.response_code.as_deref(), Some("VpYm0-7ulLWAAl9yB2MjSWDtgpaIPJ2ocj8HPXIeGeM"));
    assert_eq!(receipt.invalid_users, strings(&["usera", "userb"]));
    assert_eq!(receipt.invalid_parties, strings(&["2", "3"]));
    assert_eq!(receipt.invalid_tags, strings(&["4"]));
    assert_eq!(receipt.unlicensed_users, strings(&["userc", "userd"]));
    assert!(receipt.has_rejections());
}

#[test]
fn message_send_81013_keeps_msgid_and_invaliduser() {
    let envelope: Envelope<message_send::Response> = decode("message_send.error-81013.json");
    assert_eq!(envelope.errcode, 81013);
    assert_eq!(envelope.errmsg, "user & party & tag all invalid");
    let receipt = Receipt::from(envelope.body);
    assert_eq!(receipt.msgid, "Kx3c9qLmW0pAbC-7dFb4bxT35ONjBDz901sLlXPZw1D");
    assert_eq!(receipt.invalid_users, strings(&["nosuchuser"]));
    assert!(receipt.invalid_parties.is_empty() && receipt.invalid_tags.is_empty());
    assert_eq!(receipt.response_code, None);
}

#[test]
fn message_send_40014_has_an_empty_body() {
    let envelope: Envelope<message_send::Response> = decode("message_send.error-40014.json");
    assert_eq!(envelope.errcode, 40014);
    assert!(envelope.errmsg.starts_with("invalid access_token"), "{}", envelope.errmsg);
    assert_eq!(envelope.body, message_send::Response::default());
    let receipt = Receipt::from(envelope.body);
    assert!(!receipt.has_rejections());
    assert_eq!(receipt, Receipt::default());
}

#[test]
fn gettoken_success() {
    let envelope: Envelope<gettoken::Response> = decode("gettoken.response.json");
    assert_eq!((envelope.errcode, envelope.errmsg.as_str()), (0, "ok"));
    assert_eq!(envelope.body.access_token, "accesstoken000001");
    assert_eq!(envelope.body.expires_in, 7200);
}

#[test]
fn gettoken_errors_decode_with_empty_bodies() {
    for (name, code, errmsg_start) in [
        ("gettoken.error-40013.json", 40013, "invalid corpid"),
        ("gettoken.error-60020.json", 60020, "not allow to access from your ip"),
    ] {
        let envelope: Envelope<gettoken::Response> = decode(name);
        assert_eq!(envelope.errcode, code, "{name}");
        assert!(envelope.errmsg.starts_with(errmsg_start), "{name}: {}", envelope.errmsg);
        assert_eq!(envelope.body, gettoken::Response::default(), "{name}");
    }
    let envelope: Envelope<gettoken::Response> = decode("gettoken.error-60020.json");
    assert_eq!(
        envelope.errmsg,
        "not allow to access from your ip, hint: [1700000000_1_abc], from ip: 203.0.113.9, more info at https://open.work.weixin.qq.com/devtool/query?e=60020"
    );
}

#[test]
fn media_upload_success_with_created_at_as_a_string() {
    let envelope: Envelope<media_upload::Response> = decode("media_upload.response.json");
    assert_eq!((envelope.errcode, envelope.errmsg.as_str()), (0, ""));
    assert_eq!(envelope.body.media_type, "image");
    assert_eq!(envelope.body.media_id, "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0");
    assert_eq!(envelope.body.created_at, 1_380_000_000);
}

#[test]
fn media_upload_error_has_an_empty_body() {
    let envelope: Envelope<media_upload::Response> = decode("media_upload.error-40004.json");
    assert_eq!(envelope.errcode, 40004);
    assert_eq!(envelope.body, media_upload::Response::default());
    assert_eq!(errcode::describe(40004), Some("invalid media file type"));
}

#[test]
fn media_uploadimg_success() {
    let envelope: Envelope<media_uploadimg::Response> = decode("media_uploadimg.response.json");
    assert_eq!(envelope.errcode, 0);
    assert!(envelope.body.url.starts_with("http://p.qpic.cn/pic_wework/"), "{}", envelope.body.url);
}

#[test]
fn message_send_40007_is_permanent() {
    let envelope: Envelope<message_send::Response> = decode("message_send.error-40007.json");
    assert_eq!(envelope.errcode, 40007);
    assert!(envelope.errmsg.starts_with("invalid media_id"), "{}", envelope.errmsg);
    assert_eq!(errcode::classify(40007), Some(yizhan_core::FailureKind::Permanent));
}
