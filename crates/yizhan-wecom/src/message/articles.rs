//! Article lists: `news` (links or mini-program pages) and `mpnews` (articles hosted by WeCom).

use serde::{Deserialize, Serialize};

use super::check::{at, is_set, item, opt_max_bytes, required_max_bytes};
use super::limits;
use crate::validate::{self, ValidationError};

/// `news`: 1–[`limits::MAX_ARTICLES`] link articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct News {
    /// 1–8 articles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<NewsArticle>,
}

/// One `news` article. It opens `url`, or the mini-program page when `appid` and `pagepath` are
/// both set (then `url` is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsArticle {
    /// Required, at most [`limits::TITLE_BYTES`] bytes.
    pub title: String,
    /// At most [`limits::DESCRIPTION_BYTES`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The link, at most [`limits::URL_BYTES`] bytes; required unless `appid` and `pagepath` are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Picture link (JPG/PNG, 1068×455 big, 150×150 small), at most [`limits::URL_BYTES`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picurl: Option<String>,
    /// Mini-program app id, linked to the application; only together with `pagepath`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Mini-program page, at most [`limits::PAGEPATH_BYTES`] bytes; only together with `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
}

impl NewsArticle {
    /// An article that opens `url`.
    pub fn url(title: impl Into<String>, url: impl Into<String>) -> Self {
        NewsArticle {
            title: title.into(),
            description: None,
            url: Some(url.into()),
            picurl: None,
            appid: None,
            pagepath: None,
        }
    }

    /// An article that opens page `pagepath` of mini-program `appid`.
    pub fn miniprogram(title: impl Into<String>, appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        NewsArticle {
            title: title.into(),
            description: None,
            url: None,
            picurl: None,
            appid: Some(appid.into()),
            pagepath: Some(pagepath.into()),
        }
    }

    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        required_max_bytes(&at(path, "title"), &self.title, limits::TITLE_BYTES)?;
        opt_max_bytes(&at(path, "description"), self.description.as_deref(), limits::DESCRIPTION_BYTES)?;
        opt_max_bytes(&at(path, "url"), self.url.as_deref(), limits::URL_BYTES)?;
        opt_max_bytes(&at(path, "picurl"), self.picurl.as_deref(), limits::URL_BYTES)?;
        opt_max_bytes(&at(path, "pagepath"), self.pagepath.as_deref(), limits::PAGEPATH_BYTES)?;
        match (is_set(self.appid.as_deref()), is_set(self.pagepath.as_deref())) {
            (true, true) => Ok(()),
            (true, false) => Err(ValidationError::new(at(path, "pagepath"), "is required when appid is set")),
            (false, true) => Err(ValidationError::new(at(path, "appid"), "is required when pagepath is set")),
            (false, false) if is_set(self.url.as_deref()) => Ok(()),
            (false, false) => {
                Err(ValidationError::new(at(path, "url"), "is required unless appid and pagepath are both set"))
            }
        }
    }
}

impl News {
    /// News with `articles`.
    pub fn new(articles: impl IntoIterator<Item = NewsArticle>) -> Self {
        News { articles: articles.into_iter().collect() }
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        validate::count("news.articles", self.articles.len(), 1, limits::MAX_ARTICLES)?;
        self.articles.iter().enumerate().try_for_each(|(i, a)| a.validate(&item("news", "articles", i)))
    }
}

/// `mpnews`: 1–[`limits::MAX_ARTICLES`] articles stored by WeCom (the only type allowing `safe` 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MpNews {
    /// 1–8 articles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<MpNewsArticle>,
}

/// One `mpnews` article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MpNewsArticle {
    /// Required, at most [`limits::TITLE_BYTES`] bytes.
    pub title: String,
    /// Required: the cover image's media id.
    pub thumb_media_id: String,
    /// At most [`limits::MPNEWS_AUTHOR_BYTES`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The "read the original" link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_source_url: Option<String>,
    /// Required HTML body, at most [`limits::MPNEWS_CONTENT_BYTES`] bytes.
    pub content: String,
    /// Summary, at most [`limits::MPNEWS_DIGEST_BYTES`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl MpNewsArticle {
    /// An article with the required fields only.
    pub fn new(title: impl Into<String>, thumb_media_id: impl Into<String>, content: impl Into<String>) -> Self {
        MpNewsArticle {
            title: title.into(),
            thumb_media_id: thumb_media_id.into(),
            author: None,
            content_source_url: None,
            content: content.into(),
            digest: None,
        }
    }

    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        required_max_bytes(&at(path, "title"), &self.title, limits::TITLE_BYTES)?;
        validate::required(&at(path, "thumb_media_id"), &self.thumb_media_id)?;
        opt_max_bytes(&at(path, "author"), self.author.as_deref(), limits::MPNEWS_AUTHOR_BYTES)?;
        required_max_bytes(&at(path, "content"), &self.content, limits::MPNEWS_CONTENT_BYTES)?;
        opt_max_bytes(&at(path, "digest"), self.digest.as_deref(), limits::MPNEWS_DIGEST_BYTES)
    }
}

impl MpNews {
    /// Mpnews with `articles`.
    pub fn new(articles: impl IntoIterator<Item = MpNewsArticle>) -> Self {
        MpNews { articles: articles.into_iter().collect() }
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        validate::count("mpnews.articles", self.articles.len(), 1, limits::MAX_ARTICLES)?;
        self.articles.iter().enumerate().try_for_each(|(i, a)| a.validate(&item("mpnews", "articles", i)))
    }
}
