//! The size and count limits that [`Message::validate`](super::Message::validate) enforces
//! (WeCom docs: 发送应用消息, message types and template cards), in one place.
//!
//! Byte limits count UTF-8 bytes; character limits count Unicode scalar values. WeCom truncates
//! many of these fields instead of rejecting them; validation rejects them anyway, so nothing is
//! silently cut. Character counts that WeCom only *recommends* for template cards (e.g.
//! `main_title.title` ≤36 characters) are display hints and are deliberately not listed here.

/// `text.content` and `markdown.content`: bytes (WeCom truncates beyond this).
pub const CONTENT_BYTES: usize = 2048;
/// Titles of `video`, `textcard`, `news` and `mpnews` articles: bytes.
pub const TITLE_BYTES: usize = 128;
/// Descriptions of `video`, `textcard` and `news` articles: bytes.
pub const DESCRIPTION_BYTES: usize = 512;
/// `textcard.url`, news `url` and `picurl`: bytes.
pub const URL_BYTES: usize = 2048;
/// `textcard.btntxt`: characters.
pub const BTNTXT_CHARS: usize = 4;
/// Articles in a `news` or `mpnews` message (more → 45008).
pub const MAX_ARTICLES: usize = 8;
/// News article mini-program `pagepath`: bytes.
pub const PAGEPATH_BYTES: usize = 128;
/// `mpnews` article `author`: bytes (more → 45032).
pub const MPNEWS_AUTHOR_BYTES: usize = 64;
/// `mpnews` article `content`: bytes, 666 KiB (more → 45002).
pub const MPNEWS_CONTENT_BYTES: usize = 666 * 1024;
/// `mpnews` article `digest`: bytes.
pub const MPNEWS_DIGEST_BYTES: usize = 512;
/// `miniprogram_notice.content_item`: items (more → 90201).
pub const MAX_CONTENT_ITEMS: usize = 10;
/// `miniprogram_notice.content_item[].key`: characters (more → 90202).
pub const CONTENT_ITEM_KEY_CHARS: usize = 10;
/// `miniprogram_notice.content_item[].value`: characters (more → 90203).
pub const CONTENT_ITEM_VALUE_CHARS: usize = 30;
/// `template_card.task_id`: bytes of `[0-9A-Za-z_\-@]`.
pub const TASK_ID_BYTES: usize = 128;
/// Callback keys (`action_list[].key`, `button_list[].key`, `submit_button.key`) and `question_key`: bytes.
pub const KEY_BYTES: usize = 1024;
/// Option ids of `button_selection`, `checkbox` and `select_list`: bytes.
pub const OPTION_ID_BYTES: usize = 128;
/// `action_menu.action_list`: items (at least one).
pub const MAX_ACTIONS: usize = 3;
/// `horizontal_content_list`: items.
pub const MAX_HORIZONTAL_CONTENTS: usize = 6;
/// `jump_list`: items.
pub const MAX_JUMPS: usize = 3;
/// `vertical_content_list`: items.
pub const MAX_VERTICAL_CONTENTS: usize = 4;
/// `button_list`: buttons (at least one).
pub const MAX_BUTTONS: usize = 6;
/// `button_selection.option_list` and each `select_list[].option_list`: options (at least one).
pub const MAX_SELECT_OPTIONS: usize = 10;
/// `checkbox.option_list`: options (at least one).
pub const MAX_CHECKBOX_OPTIONS: usize = 20;
/// `select_list`: selectors (at least one).
pub const MAX_SELECTS: usize = 3;
/// `card_image.aspect_ratio`: lowest accepted value (also WeCom's default).
pub const MIN_ASPECT_RATIO: f64 = 1.3;
/// `card_image.aspect_ratio`: highest accepted value.
pub const MAX_ASPECT_RATIO: f64 = 2.25;
/// Highest `button_list[].style` (styles are 1 to this).
pub const MAX_BUTTON_STYLE: u8 = 4;
