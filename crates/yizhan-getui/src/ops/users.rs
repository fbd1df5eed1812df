//! Users: aliases, custom tags and online status.

use std::collections::BTreeMap;

use crate::api::{
    CidAlias, CidList, Method, NoData, TagBatchResult, user_alias_bind, user_alias_of_cid, user_alias_unbind,
    user_cids_of_alias, user_custom_tag_bind, user_custom_tag_query, user_status,
};
use crate::client::{GetuiClient, Resend};
use crate::error::Error;
use crate::path::{list_segment, segment};

use super::missing_data;

impl GetuiClient {
    /// `POST /user/alias`: binds each cid to an alias (a new binding replaces the cid's old one).
    pub async fn bind_aliases(&self, pairs: Vec<CidAlias>) -> Result<(), Error> {
        let request = user_alias_bind::Request::new(pairs);
        request.validate()?;
        self.send_json::<_, NoData>(Method::Post, user_alias_bind::PATH, &request, Resend::Safe).await.map(drop)
    }

    /// `DELETE /user/alias` (with a body): unbinds the given pairs.
    pub async fn unbind_aliases(&self, pairs: Vec<CidAlias>) -> Result<(), Error> {
        let request = user_alias_unbind::Request::new(pairs);
        request.validate()?;
        self.send_json::<_, NoData>(Method::Delete, user_alias_unbind::PATH, &request, Resend::Safe).await.map(drop)
    }

    /// `DELETE /user/alias/{alias}`: unbinds every cid of `alias`.
    pub async fn unbind_alias(&self, alias: &str) -> Result<(), Error> {
        let path = format!("/user/alias/{}", segment("alias", alias)?);
        self.send_empty::<NoData>(Method::Delete, &path).await.map(drop)
    }

    /// `GET /user/alias/cid/{cid}`: the cid's alias (empty when unbound).
    pub async fn alias_of_cid(&self, cid: &str) -> Result<String, Error> {
        let path = format!("/user/alias/cid/{}", segment("cid", cid)?);
        let data: Option<user_alias_of_cid::Response> = self.send_empty(Method::Get, &path).await?;
        Ok(data.map(|d| d.alias).unwrap_or_default())
    }

    /// `GET /user/cid/alias/{alias}`: the cids bound to `alias`.
    pub async fn cids_of_alias(&self, alias: &str) -> Result<Vec<String>, Error> {
        let path = format!("/user/cid/alias/{}", segment("alias", alias)?);
        let data: Option<user_cids_of_alias::Response> = self.send_empty(Method::Get, &path).await?;
        Ok(data.map(|d| d.cid).unwrap_or_default())
    }

    /// `POST /user/custom_tag/cid/{cid}`: replaces the cid's custom tags.
    pub async fn set_custom_tags<S: Into<String>>(
        &self,
        cid: &str,
        tags: impl IntoIterator<Item = S>,
    ) -> Result<(), Error> {
        let request = user_custom_tag_bind::Request::new(tags);
        request.validate()?;
        let path = format!("/user/custom_tag/cid/{}", segment("cid", cid)?);
        self.send_json::<_, NoData>(Method::Post, &path, &request, Resend::Safe).await.map(drop)
    }

    /// `GET /user/custom_tag/cid/{cid}`: the cid's custom tags.
    pub async fn custom_tags(&self, cid: &str) -> Result<Vec<String>, Error> {
        let path = format!("/user/custom_tag/cid/{}", segment("cid", cid)?);
        let data: Option<user_custom_tag_query::Response> = self.send_empty(Method::Get, &path).await?;
        Ok(data.map(|d| d.tags(cid).into_iter().map(str::to_owned).collect()).unwrap_or_default())
    }

    /// `PUT /user/custom_tag/batch/{tag}`: adds `tag` to up to 1000 cids (applied asynchronously
    /// by Getui). Returns per-cid success.
    pub async fn add_tag_to_cids(&self, tag: &str, cids: &[String]) -> Result<TagBatchResult, Error> {
        self.tag_batch(Method::Put, tag, cids).await
    }

    /// `DELETE /user/custom_tag/batch/{tag}`: removes `tag` from up to 1000 cids.
    pub async fn remove_tag_from_cids(&self, tag: &str, cids: &[String]) -> Result<TagBatchResult, Error> {
        self.tag_batch(Method::Delete, tag, cids).await
    }

    async fn tag_batch(&self, method: Method, tag: &str, cids: &[String]) -> Result<TagBatchResult, Error> {
        let request = CidList::new(cids.iter().cloned());
        request.validate()?;
        let path = format!("/user/custom_tag/batch/{}", segment("custom_tag", tag)?);
        Ok(self.send_json(method, &path, &request, Resend::Safe).await?.unwrap_or_default())
    }

    /// `GET /user/status/{cids}`: online status and last login of up to 1000 cids.
    pub async fn user_status(&self, cids: &[String]) -> Result<BTreeMap<String, user_status::UserStatus>, Error> {
        let path = format!("/user/status/{}", list_segment("cids", cids, user_status::MAX_CIDS)?);
        self.send_empty(Method::Get, &path).await?.ok_or_else(|| missing_data("user/status"))
    }
}
