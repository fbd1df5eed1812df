//! Decrypted callback XML (fixtures from WeCom docs: 接收消息与事件) parsed into
//! [`CallbackMessage`], and encrypted passive replies.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use yizhan_wecom::callback::{CallbackCrypto, CallbackMessage, CryptoError, Envelope, PassiveReply, SelectedItem};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wecom").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn demo() -> CallbackCrypto {
    CallbackCrypto::new("yizhandemotoken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wwyizhandemo").unwrap()
}

#[test]
fn template_card_event_fixture() {
    let message = CallbackMessage::parse(&fixture("callback.template_card_event.xml")).unwrap();
    assert_eq!((message.msg_type(), message.event()), ("event", Some("template_card_event")));
    assert_eq!(message.dedupe_key().as_deref(), Some("FromUser:123456789"));
    let CallbackMessage::TemplateCardEvent {
        to_user,
        from_user,
        create_time,
        agent_id,
        event_key,
        task_id,
        card_type,
        response_code,
        selected_items,
    } = message
    else {
        panic!("not a card event")
    };
    assert_eq!(
        (to_user.as_str(), from_user.as_str(), create_time, agent_id),
        ("toUser", "FromUser", 123456789, Some(1))
    );
    assert_eq!((event_key.as_str(), task_id.as_str(), card_type.as_str()), ("key111", "taskid111", "text_notice"));
    assert_eq!(response_code, "ResponseCode");
    assert_eq!(
        selected_items,
        [SelectedItem {
            question_key: "QuestionKey1".into(),
            option_ids: vec!["OptionId1".into(), "OptionId2".into()]
        }]
    );
}

#[test]
fn template_card_menu_event_fixture() {
    let message = CallbackMessage::parse(&fixture("callback.template_card_menu_event.xml")).unwrap();
    assert_eq!(
        message,
        CallbackMessage::TemplateCardMenuEvent {
            to_user: "toUser".into(),
            from_user: "FromUser".into(),
            create_time: 123456789,
            agent_id: Some(1),
            event_key: "key111".into(),
            task_id: "taskid111".into(),
            card_type: "text_notice".into(),
            response_code: "ResponseCode".into(),
        }
    );
}

#[test]
fn unknown_kinds_are_kept_whole() {
    let raw = fixture("callback.image.xml");
    let message = CallbackMessage::parse(&raw).unwrap();
    assert_eq!(message, CallbackMessage::Other { msg_type: "image".into(), event: None, raw: raw.clone() });
    assert_eq!(message.dedupe_key(), None);
    let subscribe = "<xml><MsgType>event</MsgType><Event>enter_agent</Event></xml>";
    let message = CallbackMessage::parse(subscribe).unwrap();
    assert_eq!((message.msg_type(), message.event()), ("event", Some("enter_agent")));
}

#[test]
fn malformed_known_kinds_are_errors() {
    let event = fixture("callback.template_card_event.xml");
    for (from, to) in [
        ("<TaskId><![CDATA[taskid111]]></TaskId>", ""),
        ("<CreateTime>123456789</CreateTime>", "<CreateTime>soon</CreateTime>"),
        ("<AgentID>1</AgentID>", "<AgentID>one</AgentID>"),
        ("<QuestionKey><![CDATA[QuestionKey1]]></QuestionKey>", ""),
        ("<xml>", "<root>"),
    ] {
        let broken = event.replace(from, to).replace("</xml>", if to == "<root>" { "</root>" } else { "</xml>" });
        let err = CallbackMessage::parse(&broken).unwrap_err();
        assert_eq!(err.code(), -40002, "{from}: {err}");
    }
    assert!(CallbackMessage::parse("<xml><MsgType>text</MsgType></xml>").is_err());
    assert!(CallbackMessage::parse("<xml><Content>no type</Content></xml>").is_err());
    let no_agent = event.replace("<AgentID>1</AgentID>", "");
    assert!(matches!(
        CallbackMessage::parse(&no_agent).unwrap(),
        CallbackMessage::TemplateCardEvent { agent_id: None, .. }
    ));
}

#[test]
fn passive_replies_build_and_round_trip() {
    let crypto = demo();
    let text = PassiveReply::text("收到 ]]> ok").to_xml("alice", "wwyizhandemo", 1_700_000_000);
    assert!(text.starts_with("<xml><ToUserName><![CDATA[alice]]></ToUserName><FromUserName><![CDATA[wwyizhandemo]]>"));
    let button = PassiveReply::update_button("已处理").to_xml("alice", "wwyizhandemo", 1_700_000_000);
    assert_eq!(
        button,
        "<xml><ToUserName><![CDATA[alice]]></ToUserName><FromUserName><![CDATA[wwyizhandemo]]></FromUserName>\
         <CreateTime>1700000000</CreateTime><MsgType><![CDATA[update_button]]></MsgType>\
         <Button><ReplaceName><![CDATA[已处理]]></ReplaceName></Button></xml>"
    );
    for reply in [text, button] {
        let sealed = crypto.encrypt_reply_with_random(&reply, 1_700_000_000, "n1", b"AAAAAAAAAAAAAAAA").unwrap();
        let body = sealed.to_xml();
        assert!(body.starts_with("<xml><Encrypt><![CDATA["), "{body}");
        assert!(body.ends_with("</MsgSignature><TimeStamp>1700000000</TimeStamp><Nonce><![CDATA[n1]]></Nonce></xml>"));
        assert_eq!(sealed.msg_signature, crypto.signature("1700000000", "n1", &sealed.encrypt));
        let plain = crypto.decrypt_message(&sealed.msg_signature, "1700000000", "n1", body.as_bytes()).unwrap();
        assert_eq!(plain, reply);
        let json: serde_json::Value = serde_json::from_str(&sealed.to_json()).unwrap();
        assert_eq!(json["msgsignature"], sealed.msg_signature.as_str());
        assert_eq!(Envelope::parse(sealed.to_json().as_bytes()).unwrap().encrypt, sealed.encrypt);
    }
}

#[test]
fn update_template_card_takes_raw_xml() {
    let inner =
        "<CardType><![CDATA[button_interaction]]></CardType><MainTitle><Title><![CDATA[done]]></Title></MainTitle>";
    let wrapped = PassiveReply::update_template_card(inner).unwrap();
    let whole = PassiveReply::update_template_card(format!("<TemplateCard>{inner}</TemplateCard>")).unwrap();
    assert_eq!(wrapped, whole);
    let xml = whole.to_xml("alice", "wwyizhandemo", 1);
    assert!(xml.contains("<MsgType><![CDATA[update_template_card]]></MsgType><TemplateCard><CardType>"), "{xml}");
    for bad in ["<CardType>", "</xml><xml>", "<!DOCTYPE a><a/>"] {
        let err = PassiveReply::update_template_card(bad).unwrap_err();
        assert!(matches!(err, CryptoError::GenerateXml(_)), "{bad}");
        assert_eq!(err.code(), -40011);
    }
}
