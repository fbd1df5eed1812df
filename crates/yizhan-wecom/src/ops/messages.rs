//! recall, update_template_card and get_statistics.

use crate::api::{message_recall, message_statistics, update_template_card};
use crate::client::WecomClient;
use crate::error::Error;

use super::body;

impl WecomClient {
    /// Recalls a message sent through message/send in the last 24 h. Safe to resend after an
    /// ambiguous failure: a second recall cannot recall anything twice.
    pub async fn recall(&self, msgid: &str) -> Result<(), Error> {
        let request = message_recall::Request { msgid: msgid.to_owned() };
        request.validate()?;
        self.post::<message_recall::Response>(message_recall::PATH, body(&request)?, true).await.map(drop)
    }

    /// Updates a sent template card with its single-use `response_code`. Safe to resend: the
    /// code is used up by the first success.
    pub async fn update_template_card(&self, request: &update_template_card::Request) -> Result<(), Error> {
        request.validate()?;
        self.post::<update_template_card::Response>(update_template_card::PATH, body(request)?, true).await.map(drop)
    }

    /// Greys out the button of every recipient's card with `replace_name` (mode A, atall).
    pub async fn replace_card_button(&self, response_code: &str, replace_name: &str) -> Result<(), Error> {
        let request =
            update_template_card::Request::replace_button_for_all(self.agent_id(), response_code, replace_name);
        self.update_template_card(&request).await
    }

    /// Delivered person-times per app: `yesterday = false` for today.
    pub async fn statistics(&self, yesterday: bool) -> Result<Vec<message_statistics::AppStatistics>, Error> {
        let request = message_statistics::Request { time_type: u8::from(yesterday) };
        let response: message_statistics::Response = self.post(message_statistics::PATH, body(&request)?, true).await?;
        Ok(response.statistics)
    }
}
