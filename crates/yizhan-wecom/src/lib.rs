//! Typed async client for WeCom (企业微信) application messages.

pub mod api;
pub mod message;
pub mod recipients;
pub mod validate;
