//! Application group chats: create, update, get and send.

use crate::api::{Empty, appchat};
use crate::client::{Call, Payload, WecomClient};
use crate::error::Error;

use super::body;

impl WecomClient {
    /// Creates a chat and returns its chatid. Resent after an ambiguous failure only when the
    /// chatid is given (WeCom then refuses a duplicate with 86215).
    pub async fn create_chat(&self, request: &appchat::CreateRequest) -> Result<String, Error> {
        request.validate()?;
        let resend_is_safe = request.chatid.is_some();
        let response: appchat::CreateResponse = self.post(appchat::CREATE_PATH, body(request)?, resend_is_safe).await?;
        Ok(response.chatid)
    }

    /// Renames a chat, changes its owner, adds or removes members.
    pub async fn update_chat(&self, request: &appchat::UpdateRequest) -> Result<(), Error> {
        request.validate()?;
        self.post::<Empty>(appchat::UPDATE_PATH, body(request)?, true).await.map(drop)
    }

    /// The chat's name, owner and members (only chats this app created).
    pub async fn get_chat(&self, chatid: &str) -> Result<appchat::ChatInfo, Error> {
        let query = [("chatid", chatid)];
        let call = Call { path: appchat::GET_PATH, query: &query, payload: Payload::None, resend_is_safe: true };
        let response: appchat::GetResponse = self.call_ok(call).await?;
        Ok(response.chat_info)
    }

    /// Sends a message to a chat. Not resent after an ambiguous failure: appchat/send has no
    /// duplicate check.
    pub async fn send_to_chat(&self, request: &appchat::SendRequest) -> Result<(), Error> {
        request.validate()?;
        self.post::<Empty>(appchat::SEND_PATH, body(request)?, false).await.map(drop)
    }
}
