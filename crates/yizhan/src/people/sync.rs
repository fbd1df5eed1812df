//! `yizhan people sync`: people from the WeCom directory (`department/list`, then `user/list`
//! per department), merged into an existing people list so ids and other channels' ids typed
//! by hand are kept.

use yizhan_wecom::WecomClient;
use yizhan_wecom::api::user_list::Member;

use super::PersonConfig;

/// The people of `existing` updated with every member of every department `client` can see:
/// a member already listed (by `wecom_userid`) keeps their entry and gains a missing name or
/// email; a new member becomes a person whose id is their userid. Returns the list and how
/// many were added.
pub async fn from_wecom(
    client: &WecomClient,
    existing: Vec<PersonConfig>,
) -> Result<(Vec<PersonConfig>, usize), yizhan_wecom::Error> {
    let mut members: Vec<Member> = Vec::new();
    for department in client.departments().await? {
        for member in client.department_members(department.id).await? {
            if !members.iter().any(|m| m.userid == member.userid) {
                members.push(member);
            }
        }
    }
    Ok(merge(existing, members))
}

/// [`from_wecom`]'s merge, without I/O.
fn merge(mut people: Vec<PersonConfig>, members: Vec<Member>) -> (Vec<PersonConfig>, usize) {
    let mut added = 0;
    for member in members {
        if member.userid.is_empty() {
            continue;
        }
        let email = member.email.or(member.biz_mail).filter(|e| !e.is_empty());
        let name = Some(member.name).filter(|n| !n.is_empty());
        match people.iter_mut().find(|p| p.wecom_userid.as_deref() == Some(member.userid.as_str())) {
            Some(person) => {
                if person.name.is_none() {
                    person.name = name;
                }
                if person.email.is_none() {
                    person.email = email;
                }
            }
            None => {
                // The userid as the person's id, unless a hand-written entry took it.
                let id = if people.iter().any(|p| p.id == member.userid) {
                    format!("wecom-{}", member.userid)
                } else {
                    member.userid.clone()
                };
                people.push(PersonConfig { id, name, wecom_userid: Some(member.userid), email, ..Default::default() });
                added += 1;
            }
        }
    }
    (people, added)
}

/// The people as a TOML file of `[[people]]` tables.
pub fn to_toml(people: &[PersonConfig]) -> Result<String, toml::ser::Error> {
    #[derive(serde::Serialize)]
    struct File<'a> {
        people: &'a [PersonConfig],
    }
    let body = toml::to_string(&File { people })?;
    Ok(format!(
        "# People for yizhan (`people_file` in yizhan.toml; docs/people.md). Written by `yizhan people sync`;\n# ids and the other channels' ids you add are kept by the next sync.\n\n{body}"
    ))
}

/// The `[[people]]` of a people file's text.
pub fn parse(text: &str) -> Result<Vec<PersonConfig>, toml::de::Error> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        people: Vec<PersonConfig>,
    }
    Ok(toml::from_str::<File>(text)?.people)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(userid: &str, email: Option<&str>) -> Member {
        Member {
            userid: userid.into(),
            name: userid.to_uppercase(),
            department: vec![1],
            email: email.map(Into::into),
            biz_mail: None,
        }
    }

    #[test]
    fn a_sync_keeps_hand_written_entries_and_adds_new_members() {
        let existing = vec![
            PersonConfig {
                id: "al".into(),
                wecom_userid: Some("alice".into()),
                feishu_open_id: Some("ou_1".into()),
                ..Default::default()
            },
            PersonConfig { id: "bob".into(), email: Some("bob@example.com".into()), ..Default::default() },
        ];
        let (people, added) =
            merge(existing, vec![member("alice", Some("a@example.com")), member("bob", None), member("carol", None)]);
        assert_eq!(added, 2);
        assert_eq!(people[0].id, "al");
        assert_eq!(people[0].feishu_open_id.as_deref(), Some("ou_1"), "kept");
        assert_eq!(people[0].email.as_deref(), Some("a@example.com"), "filled in");
        assert_eq!(people[0].name.as_deref(), Some("ALICE"));
        assert_eq!(people[2].id, "wecom-bob", "the hand-written bob keeps his id");
        assert_eq!(people[3].id, "carol");
        let text = to_toml(&people).expect("toml");
        assert_eq!(parse(&text).expect("parses"), people, "a written file reads back");
    }
}
