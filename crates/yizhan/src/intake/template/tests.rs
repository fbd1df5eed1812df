//! The built-in templates rendered with the samples (snapshots, both languages, firing and
//! resolved, Alertmanager and Grafana), and the checks made when a template is added.

use super::*;
use crate::intake::payload::Payload;
use crate::intake::samples;
use crate::intake::template::builtin::Language;
use crate::intake::template::context::{Locale, TemplateData};

fn locale(language: Language) -> Locale {
    let zone_name = "Asia/Shanghai".to_owned();
    let zone = jiff::tz::TimeZone::get(&zone_name).unwrap();
    Locale { zone_name, zone, language }
}

fn render(templates: &Templates, name: &str, payload: &Payload, language: Language) -> String {
    let alerts: Vec<_> = payload.notification.alerts.iter().collect();
    let data = TemplateData::new(payload, &alerts, "ops", &locale(language)).to_value();
    templates.render(name, &data).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every sample through template `name` in `language`, one section per sample.
fn all_samples(name: &str, language: Language) -> String {
    let templates = Templates::new();
    let mut out = String::new();
    for (sample, _, _) in samples::ALL {
        let payload = samples::named(sample).unwrap();
        out.push_str(&format!("===== {sample} =====\n{}\n", render(&templates, name, &payload, language)));
    }
    out
}

#[test]
fn builtin_markdown() {
    insta::assert_snapshot!("markdown_zh", all_samples(builtin::MARKDOWN, Language::Zh));
    insta::assert_snapshot!("markdown_en", all_samples(builtin::MARKDOWN, Language::En));
}

#[test]
fn builtin_text() {
    insta::assert_snapshot!("text_zh", all_samples(builtin::TEXT, Language::Zh));
    insta::assert_snapshot!("text_en", all_samples(builtin::TEXT, Language::En));
}

#[test]
fn builtin_title() {
    insta::assert_snapshot!("title_zh", all_samples(builtin::TITLE, Language::Zh));
    insta::assert_snapshot!("title_en", all_samples(builtin::TITLE, Language::En));
}

#[test]
fn builtin_template_card() {
    insta::assert_snapshot!("template_card_zh", all_samples(builtin::TEMPLATE_CARD, Language::Zh));
    insta::assert_snapshot!("template_card_en", all_samples(builtin::TEMPLATE_CARD, Language::En));
}

#[test]
fn the_builtin_card_is_a_valid_wecom_card_for_every_sample() {
    let templates = Templates::new();
    for (sample, _, _) in samples::ALL {
        for language in [Language::Zh, Language::En] {
            let payload = samples::named(sample).unwrap();
            let json = render(&templates, builtin::TEMPLATE_CARD, &payload, language);
            let card: yizhan_wecom::message::template_card::TemplateCard =
                serde_json::from_str(&json).unwrap_or_else(|e| panic!("{sample}: {e}\n{json}"));
            card.validate().unwrap_or_else(|e| panic!("{sample}: {e}"));
            let robot = yizhan_wecom::RobotMessage::template_card(card);
            robot.validate().unwrap_or_else(|e| panic!("{sample} (robot): {e}"));
        }
    }
}

#[test]
fn syntax_errors_unknown_filters_and_tests_are_found_when_added() {
    let mut templates = Templates::new();
    let e = templates.add("a", "{% if status %}never closed").unwrap_err();
    assert!(e.contains("syntax error") && e.contains("line 1"), "{e}");
    // On a branch no sample reaches: found from the compiled template, not by rendering.
    let e = templates.add("b", "line one\n{% if labels.never %}{{ labels.x | upcase }}{% endif %}").unwrap_err();
    assert_eq!(e, "unknown filter `upcase` (line 2)");
    let e = templates.add("c", "{% if x is lowercase %}{% endif %}").unwrap_err();
    assert_eq!(e, "unknown test `lowercase` (line 1)");
    assert!(!templates.has("b"), "a refused template is not kept");
    templates.add("d", "{{ labels.x | upper | default('none') }}{% if x is defined %}{% endif %}").unwrap();
    assert!(templates.has("d"));
}

#[test]
fn missing_values_render_empty_and_datetime_uses_the_zone() {
    let mut templates = Templates::new();
    templates
        .add("t", "[{{ labels.owner }}|{{ labels.owner | default('oncall') }}] {{ at | datetime('%H:%M %Z') }}")
        .unwrap();
    let ctx = minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
        "labels": {}, "at": "2024-05-01T08:00:00Z", "time_zone": "Asia/Shanghai",
    })));
    assert_eq!(templates.render("t", &ctx).unwrap(), "[|oncall] 16:00 CST");
}
