//! media/upload, media/uploadimg and media ids in message/send.

use std::time::Duration;

use serde_json::{Value, json};
use yizhan_emulator::{EmulatorConfig, MEDIA_LIFETIME, Stats, WecomApp};

use crate::support::{Env, UPLOAD, UPLOADIMG, assert_error, typed};

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn upload_then_send_every_media_type() {
    let env = Env::manual().await;
    let token = env.token().await;
    for (media_type, filename) in [("image", "a.JPG"), ("voice", "a.amr"), ("video", "a.mp4"), ("file", "报告.pdf")] {
        let v = env.upload(&token, media_type, filename, b"some media bytes".to_vec()).await;
        assert_eq!((v["errcode"].as_i64(), v["errmsg"].as_str()), (Some(0), Some("")), "{v}");
        assert_eq!(v["type"], media_type);
        assert_eq!(v["created_at"], json!((crate::support::START_MS / 1000).to_string()), "a string, as documented");
        let id = v["media_id"].as_str().unwrap();
        assert_eq!(id.len(), 44);
        assert_eq!(env.send(&token, &typed(media_type, json!({"media_id": id}))).await["errcode"], 0);
    }
    let media = env.emu.media();
    assert_eq!(media.len(), 4);
    assert_eq!(media[3].filename, "报告.pdf");
    assert_eq!((media[0].corp_id.as_str(), media[0].app.as_str(), media[0].size), ("wwyizhandemo", "1000002", 16));
    assert_eq!(media[0].sha256.len(), 64);
    assert_eq!(media[0].expires_at_ms - media[0].created_at_ms, 3 * 24 * 3_600_000);
    let stats = env.emu.stats();
    assert_eq!((stats.media_uploads, stats.send_calls, stats.delivered), (4, 4, 4));
    let inbox = env.emu.inbox();
    assert_eq!(inbox[0].msgtype, "image");
    assert_eq!(inbox[0].content["media_id"], json!(media[0].media_id));
}

#[tokio::test]
async fn upload_error_codes() {
    let env = Env::new().await;
    let token = env.token().await;
    let small = || b"12345".to_vec();
    let ok = || b"123456".to_vec();
    let cases: Vec<(String, &str, Vec<u8>, i64)> = vec![
        (format!("{UPLOAD}?type=image"), "a.png", ok(), 41001),
        (format!("{UPLOAD}?access_token=nope&type=image"), "a.png", ok(), 40014),
        (format!("{UPLOAD}?access_token={token}"), "a.png", ok(), 40005),
        (format!("{UPLOAD}?access_token={token}&type=thumb"), "a.png", ok(), 40005),
        (format!("{UPLOAD}?access_token={token}&type=image"), "a.png", vec![], 44001),
        (format!("{UPLOAD}?access_token={token}&type=image"), "a.gif", ok(), 40004),
        (format!("{UPLOAD}?access_token={token}&type=image"), "png", ok(), 40004),
        (format!("{UPLOAD}?access_token={token}&type=voice"), "a.mp3", ok(), 40004),
        (format!("{UPLOAD}?access_token={token}&type=video"), "a.mov", ok(), 40004),
        (format!("{UPLOAD}?access_token={token}&type=file"), "a.txt", small(), 40006),
        (format!("{UPLOAD}?access_token={token}&type=image"), "a.png", vec![0; 10 * MIB + 1], 40009),
        (format!("{UPLOAD}?access_token={token}&type=video"), "a.mp4", vec![0; 10 * MIB + 1], 40011),
        (format!("{UPLOAD}?access_token={token}&type=voice"), "a.amr", vec![0; 2 * MIB + 1], 45001),
        (format!("{UPLOAD}?access_token={token}&type=file"), "a.bin", vec![0; 20 * MIB + 1], 45001),
    ];
    let count = cases.len() as u64;
    for (path, filename, bytes, code) in cases {
        let v = env.upload_to(&path, filename, bytes).await;
        assert_error(&v, code);
    }
    // Exactly at the limits is fine.
    assert_eq!(env.upload(&token, "image", "a.png", vec![0; 10 * MIB]).await["errcode"], 0);
    assert_eq!(env.upload(&token, "file", "a", vec![0; 20 * MIB]).await["errcode"], 0);
    // No `media` part at all.
    let form = reqwest::multipart::Form::new().text("file", "x");
    let url = env.url(&format!("{UPLOAD}?access_token={token}&type=file"));
    let v: Value = env.http.post(url).multipart(form).send().await.unwrap().json().await.unwrap();
    assert_error(&v, 44001);
    let stats = env.emu.stats();
    assert_eq!((stats.media_uploads, stats.errors), (count + 3, count + 1));
    assert_eq!(env.emu.media().len(), 2);
}

#[tokio::test]
async fn the_boundary_is_sniffed_when_the_header_lacks_it() {
    let env = Env::new().await;
    let token = env.token().await;
    let body = "--b0undary\r\nContent-Disposition: form-data; name=\"media\"; filename=\"note.txt\"; filelength=11\r\n\
                Content-Type: text/plain\r\n\r\nhello world\r\n--b0undary--\r\n";
    let url = env.url(&format!("{UPLOAD}?access_token={token}&type=file"));
    let v: Value = env.http.post(url).body(body).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["errcode"], 0, "{v}");
    let media = env.emu.media();
    assert_eq!((media[0].filename.as_str(), media[0].content_type.as_deref()), ("note.txt", Some("text/plain")));
    assert_eq!(media[0].size, 11);
    let url = env.url(&format!("{UPLOAD}?access_token={token}&type=file"));
    let v: Value = env.http.post(url).body("raw bytes, no multipart").send().await.unwrap().json().await.unwrap();
    assert_error(&v, 44001);
}

#[tokio::test]
async fn unknown_expired_foreign_and_mismatched_media_ids_are_40007() {
    let mut config = EmulatorConfig::default();
    let other =
        WecomApp { corp_id: "wwother".into(), agent_id: 1000003, secret: "other-secret".into(), ..WecomApp::default() };
    config.wecom.apps.push(other);
    let (clock, time) = yizhan_core::Clock::manual(crate::support::START_MS);
    let env = Env::with(config, Some((clock, time))).await;
    let token = env.token().await;
    let image = env.media_id(&token, "image", "a.png").await;
    let send = |msgtype: &str, id: &str| typed(msgtype, json!({"media_id": id}));
    assert_error(&env.send(&token, &send("image", "no-such-media")).await, 40007);
    assert_error(&env.send(&token, &send("voice", &image)).await, 40007);
    assert_eq!(env.send(&token, &send("file", &image)).await["errcode"], 0, "file messages take any media");

    let other = env.gettoken("wwother", "other-secret").await["access_token"].as_str().unwrap().to_owned();
    let mut body = send("image", &image);
    body["agentid"] = json!(1000003);
    assert_error(&env.send(&other, &body).await, 40007);

    env.time().advance(MEDIA_LIFETIME - Duration::from_secs(1));
    let token = env.token().await;
    assert_eq!(env.send(&token, &send("image", &image)).await["errcode"], 0);
    env.time().advance(Duration::from_secs(1));
    assert_error(&env.send(&token, &send("image", &image)).await, 40007);
}

#[tokio::test]
async fn uploadimg_answers_a_permanent_url() {
    let env = Env::new().await;
    let token = env.token().await;
    let v = env.upload_to(&format!("{UPLOADIMG}?access_token={token}"), "a.png", vec![1; 5]).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert!(v["url"].as_str().unwrap().starts_with("https://p.qpic.cn/pic_wework/"), "{v}");
    assert_error(&env.upload_to(&format!("{UPLOADIMG}?access_token={token}"), "a.bmp", vec![1; 9]).await, 40004);
    assert_error(&env.upload_to(&format!("{UPLOADIMG}?access_token={token}"), "a.png", vec![1; 4]).await, 40006);
    let big = vec![1; 2 * MIB + 1];
    assert_error(&env.upload_to(&format!("{UPLOADIMG}?access_token={token}"), "a.png", big).await, 40009);
    assert_error(&env.upload_to(UPLOADIMG, "a.png", vec![1; 9]).await, 41001);
    assert_eq!(env.emu.stats().uploadimg_calls, 5);
    assert!(env.emu.media().is_empty(), "uploadimg stores no temporary media");
}

#[tokio::test]
async fn faults_apply_to_uploads_and_reset_forgets_media() {
    let env = Env::new().await;
    let token = env.token().await;
    env.emu.fail_next_on(UPLOAD, 1, -1);
    assert_error(&env.upload(&token, "image", "a.png", vec![1; 9]).await, -1);
    let id = env.media_id(&token, "image", "a.png").await;
    let media: Value = env.http.get(env.url("/__emulator/media")).send().await.unwrap().json().await.unwrap();
    assert_eq!(media[0]["media_id"], json!(id));
    env.emu.reset();
    assert!(env.emu.media().is_empty());
    assert_eq!(env.emu.stats(), Stats::default());
    let token = env.token().await;
    assert_error(&env.send(&token, &typed("image", json!({"media_id": id}))).await, 40007);
}
