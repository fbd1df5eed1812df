//! The small integer enums of template cards (`type`, `desc_color`, `mode`), serialized as the
//! plain integers WeCom expects. Deserializing an unknown integer fails and names the allowed values.

use serde::de::{self, Deserialize, Deserializer, Unexpected};
use serde::{Serialize, Serializer};

/// Declares a fieldless enum that travels as an integer.
macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        $name:ident expecting $expected:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// The integer sent on the wire.
            pub fn code(self) -> u8 {
                match self {
                    $( $name::$variant => $code, )+
                }
            }

            /// The variant for a wire integer, if there is one.
            pub fn from_code(code: u64) -> Option<Self> {
                match code {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u8(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = u64::deserialize(deserializer)?;
                $name::from_code(code)
                    .ok_or_else(|| de::Error::invalid_value(Unexpected::Unsigned(code), &$expected))
            }
        }
    };
}

int_enum! {
    /// `source.desc_color`: the colour of the source text.
    DescColor expecting "0 (grey), 1 (black), 2 (red) or 3 (green)" {
        /// 0, WeCom's default.
        Grey = 0,
        /// 1
        Black = 1,
        /// 2
        Red = 2,
        /// 3
        Green = 3,
    }
}

int_enum! {
    /// The `type` of `card_action`, `quote_area`, `jump_list[]` and `image_text_area`: what a click opens.
    /// `Url` needs `url`; `Miniprogram` needs `appid` (and usually `pagepath`).
    LinkType expecting "0 (no link), 1 (url) or 2 (mini-program)" {
        /// 0: not a link (same as omitting `type`).
        NoLink = 0,
        /// 1: open `url`.
        Url = 1,
        /// 2: open page `pagepath` of mini-program `appid`.
        Miniprogram = 2,
    }
}

int_enum! {
    /// `horizontal_content_list[].type`: what the value of a key/value line is.
    HorizontalType expecting "0 (text), 1 (url), 2 (attachment) or 3 (member)" {
        /// 0: plain text (same as omitting `type`).
        Text = 0,
        /// 1: a link to `url`.
        Url = 1,
        /// 2: an attachment `media_id`; `value` is the file name.
        Attachment = 2,
        /// 3: a member's profile, `userid`.
        Member = 3,
    }
}

int_enum! {
    /// `button_list[].type`: what a button does.
    ButtonType expecting "0 (callback) or 1 (url)" {
        /// 0: send a `template_card_event` with the button's `key` (WeCom's default).
        Callback = 0,
        /// 1: open `url`.
        Url = 1,
    }
}

int_enum! {
    /// `checkbox.mode`: single or multiple choice.
    CheckboxMode expecting "0 (single) or 1 (multiple)" {
        /// 0: single choice (WeCom's default).
        Single = 0,
        /// 1: multiple choice.
        Multiple = 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_and_unknown_values_are_named() {
        assert_eq!(serde_json::to_string(&LinkType::Miniprogram).ok().as_deref(), Some("2"));
        assert_eq!(serde_json::from_str::<HorizontalType>("3").ok(), Some(HorizontalType::Member));
        let err = serde_json::from_str::<DescColor>("4").expect_err("4 is not a colour");
        assert!(err.to_string().contains("3 (green)"), "{err}");
        assert!(serde_json::from_str::<ButtonType>("\"1\"").is_err());
        assert_eq!(CheckboxMode::from_code(1), Some(CheckboxMode::Multiple));
    }
}
