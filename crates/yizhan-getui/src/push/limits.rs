//! The limits that [`PushRequest::validate`](super::PushRequest::validate) enforces
//! (Getui REST v2 docs: push body), in one place.
//!
//! Lengths count Unicode scalar values (chars), the conservative reading of Getui's unit-less
//! "长度 ≤ N" (docs/getui-client.md, mistake 15). Vendor channels may truncate earlier; the server
//! decides.

/// `request_id`: fewest characters.
pub const REQUEST_ID_MIN: usize = 10;
/// `request_id`: most characters.
pub const REQUEST_ID_MAX: usize = 32;
/// `group_name`: characters (digits, letters, `-`, `_`).
pub const GROUP_NAME_MAX: usize = 100;
/// Cids or aliases in one audience (list push; older plans: 200).
pub const AUDIENCE_MAX: usize = 1000;
/// Characters of a cid (Getui cids are 32 hex; this only stops garbage).
pub const CID_MAX: usize = 64;
/// Characters of an alias ("length < 40").
pub const ALIAS_MAX: usize = 39;
/// Characters of one custom tag ("tag too long (< 32)" is 30005; the user doc says ≤ 32).
pub const TAG_MAX: usize = 32;
/// `settings.ttl`: lowest value (ms); −1 means "do not keep offline".
pub const TTL_MIN: i64 = -1;
/// `settings.ttl`: highest value (ms), 3 days.
pub const TTL_MAX: i64 = 259_200_000;
/// `settings.schedule_time`: at most this far ahead of now (ms), 7 days.
pub const SCHEDULE_AHEAD_MAX: i64 = 7 * 24 * 3_600_000;
/// `settings.active_days`: range (vendor smart quota).
pub const ACTIVE_DAYS: (i64, i64) = (3, 15);
/// `push_message.duration`: the window must be longer than this (ms), 10 minutes.
pub const DURATION_MIN_MS: i64 = 600_000;
/// `notification.title`: characters.
pub const TITLE_MAX: usize = 50;
/// `notification.body`: characters.
pub const BODY_MAX: usize = 256;
/// `notification.big_text`: characters.
pub const BIG_TEXT_MAX: usize = 512;
/// `notification.big_image`: characters (a URL).
pub const BIG_IMAGE_MAX: usize = 1024;
/// `notification.logo`: characters (a file name with suffix).
pub const LOGO_MAX: usize = 64;
/// `notification.logo_url`: characters.
pub const LOGO_URL_MAX: usize = 256;
/// `notification.channel_id` and `channel_name`: characters.
pub const CHANNEL_MAX: usize = 64;
/// `notification.channel_level`: highest value (0–4).
pub const CHANNEL_LEVEL_MAX: i64 = 4;
/// `notify_id`: highest value (0–2147483647).
pub const NOTIFY_ID_MAX: i64 = 2_147_483_647;
/// `click_type=intent`: characters of `intent`.
pub const INTENT_MAX: usize = 4096;
/// `click_type=url`: characters of `url`.
pub const URL_MAX: usize = 1024;
/// `click_type=payload|payload_custom`: characters of `payload`.
pub const PAYLOAD_MAX: usize = 3072;
/// `transmission` (Getui, vendor and Harmony channels): characters.
pub const TRANSMISSION_MAX: usize = 3072;
/// `notification.redisplay_freq`: highest value.
pub const REDISPLAY_FREQ_MAX: i64 = 3;
/// `notification.redisplay_duration`: highest value (hours).
pub const REDISPLAY_DURATION_MAX: i64 = 24;
/// `push_channel.harmony.notification.category`: characters.
pub const HARMONY_CATEGORY_MAX: usize = 50;
/// `push_channel.ios.multimedia`: items.
pub const MULTIMEDIA_MAX: usize = 3;
/// `push_channel.ios.apns-collapse-id`: characters.
pub const APNS_COLLAPSE_ID_MAX: usize = 64;
/// Items in `msg_list` of a batch single push.
pub const MSG_LIST_MAX: usize = 200;
/// Characters of a taskid (Getui's are ~40; this only stops garbage).
pub const TASK_ID_MAX: usize = 128;
