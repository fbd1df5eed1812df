//! [`PushRequest::validate`] and the checks of the Getui-channel message (Getui REST v2 docs: push
//! body). Each check names the JSON path of the field and the limit (see [`super::limits`]).

use super::content::Content;
use super::limits::{
    BIG_IMAGE_MAX, BIG_TEXT_MAX, BODY_MAX, CHANNEL_LEVEL_MAX, CHANNEL_MAX, DURATION_MIN_MS, GROUP_NAME_MAX, LOGO_MAX,
    LOGO_URL_MAX, NOTIFY_ID_MAX, REDISPLAY_DURATION_MAX, REDISPLAY_FREQ_MAX, TASK_ID_MAX, TITLE_MAX, TRANSMISSION_MAX,
};
use super::{Notification, PushMessage, PushRequest, Revoke};
use crate::validate::{self as v, ValidationError};

impl PushRequest {
    /// Checks everything Getui documents a limit for: `request_id`, `group_name`, the audience's
    /// ids, `settings` (with `schedule_time` at most 7 days after `now_ms`, ms since the epoch),
    /// the one message content and its fields, and the channels.
    ///
    /// This does not check which audience an endpoint takes; the endpoint `Request` types do.
    pub fn validate(&self, now_ms: i64) -> Result<(), ValidationError> {
        self.request_id.validate("request_id")?;
        if let Some(group) = &self.group_name {
            group_name(group)?;
        }
        if let Some(audience) = &self.audience {
            audience.validate()?;
        }
        if let Some(settings) = &self.settings {
            settings.validate("settings", now_ms)?;
            if settings.strategy.is_some() && self.push_message.content.revoke().is_some() {
                return Err(ValidationError::new(
                    "settings.strategy",
                    "must not be set on a revoke message (Getui: don't set strategy on revoke)",
                ));
            }
        }
        self.push_message.validate()?;
        if let Some(channel) = &self.push_channel {
            channel.validate()?;
        }
        Ok(())
    }
}

/// `group_name`: 1–100 characters of ASCII digits, letters, `-` and `_`.
fn group_name(group: &str) -> Result<(), ValidationError> {
    v::required_max_chars("group_name", group, GROUP_NAME_MAX)?;
    if let Some(c) = group.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Err(ValidationError::new(
            "group_name",
            format_args!("contains {c:?}; only digits, letters, '-' and '_' are allowed"),
        ));
    }
    Ok(())
}

impl PushMessage {
    /// Checks `network_type`, `duration` and the content; errors name `push_message.…`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        v::opt_range("push_message.network_type", self.network_type, 0, 1)?;
        if let Some(duration) = &self.duration {
            check_duration(duration)?;
        }
        let path = v::at("push_message", self.content.key());
        match &self.content {
            Content::Notification(n) => n.validate(&path),
            Content::Transmission(t) => v::required_max_chars(&path, t, TRANSMISSION_MAX),
            Content::Revoke(r) => r.validate(&path),
        }
    }
}

/// `"<startMs>-<endMs>"` with `end - start` over 10 minutes.
fn check_duration(duration: &str) -> Result<(), ValidationError> {
    let field = "push_message.duration";
    let parsed = duration
        .split_once('-')
        .and_then(|(start, end)| Some((start.trim().parse::<i64>().ok()?, end.trim().parse::<i64>().ok()?)));
    let Some((start, end)) = parsed else {
        return Err(ValidationError::new(field, format_args!("is {duration:?}; it must be \"<startMs>-<endMs>\"")));
    };
    if end.saturating_sub(start) <= DURATION_MIN_MS {
        return Err(ValidationError::new(
            field,
            format_args!(
                "spans {} ms; the end must be more than {DURATION_MIN_MS} ms (10 min) after the start",
                end - start
            ),
        ));
    }
    Ok(())
}

impl Notification {
    /// Checks required fields, lengths and ranges; `path` is the notification's JSON path.
    pub fn validate(&self, path: &str) -> Result<(), ValidationError> {
        let f = |name: &str| v::at(path, name);
        v::required_max_chars(&f("title"), &self.title, TITLE_MAX)?;
        v::required_max_chars(&f("body"), &self.body, BODY_MAX)?;
        self.click_type.validate(path)?;
        v::opt_max_chars(&f("big_text"), self.big_text.as_deref(), BIG_TEXT_MAX)?;
        v::opt_max_chars(&f("big_image"), self.big_image.as_deref(), BIG_IMAGE_MAX)?;
        if self.big_text.is_some() && self.big_image.is_some() {
            return Err(ValidationError::new(f("big_image"), "cannot be set together with big_text"));
        }
        v::opt_max_chars(&f("logo"), self.logo.as_deref(), LOGO_MAX)?;
        v::opt_max_chars(&f("logo_url"), self.logo_url.as_deref(), LOGO_URL_MAX)?;
        v::opt_max_chars(&f("channel_id"), self.channel_id.as_deref(), CHANNEL_MAX)?;
        v::opt_max_chars(&f("channel_name"), self.channel_name.as_deref(), CHANNEL_MAX)?;
        v::opt_range(&f("channel_level"), self.channel_level, 0, CHANNEL_LEVEL_MAX)?;
        v::opt_range(&f("notify_id"), self.notify_id, 0, NOTIFY_ID_MAX)?;
        v::opt_range(&f("badge_add_num"), self.badge_add_num, 1, i64::MAX)?;
        if let Some(freq) = self.redisplay_freq.filter(|n| *n != 0 && !(2..=REDISPLAY_FREQ_MAX).contains(n)) {
            return Err(ValidationError::new(
                f("redisplay_freq"),
                format_args!("is {freq}; it must be 0 (off) or 2 to {REDISPLAY_FREQ_MAX}"),
            ));
        }
        v::opt_range(&f("redisplay_duration"), self.redisplay_duration, 0, REDISPLAY_DURATION_MAX)
    }
}

impl Revoke {
    /// Checks `old_task_id`; `path` is the revoke's JSON path.
    pub fn validate(&self, path: &str) -> Result<(), ValidationError> {
        v::identifier(&v::at(path, "old_task_id"), &self.old_task_id, TASK_ID_MAX)
    }
}
