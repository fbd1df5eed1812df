//! `yizhan keys create|list|hash`: API keys without hashing by hand (docs/gateway.md, "API
//! keys"). A key is 32 random bytes from the operating system, shown once; the configuration
//! keeps only its SHA-256.

use std::io::Read as _;

use crate::cli::KeysCreateArgs;
use crate::config::Config;
use crate::exit::{Outcome, UsageError};
use crate::server::auth::ApiKeys;

/// How many hex characters of a hash `keys list` shows: enough to tell keys apart, too few to
/// matter if the listing leaks.
const HASH_PREFIX: usize = 12;

/// `yizhan keys create`: checks the channels against `config` when there is one, then prints
/// the new key and its `[[api_keys]]` entry.
pub fn create(args: &KeysCreateArgs, config: Option<Config>) -> anyhow::Result<Outcome> {
    if args.name.trim().is_empty() {
        return Err(UsageError("--name must not be empty".to_owned()).into());
    }
    if let Some(config) = &config {
        for channel in &args.channels {
            config.find_channel(channel).map_err(|why| UsageError(format!("--channels: {why}")))?;
        }
        if config.api_keys.iter().any(|k| k.name == args.name) {
            eprintln!("note: the configuration already has a key named {:?}; names are labels, not ids", args.name);
        }
    }
    let key = new_key()?;
    let sha256 = ApiKeys::hash(&key);
    let entry = config_entry(&args.name, &sha256, &args.channels, args.admin);
    if args.json_output {
        let json = serde_json::json!({ "name": args.name, "key": key, "sha256": sha256, "config": entry });
        println!("{json}");
    } else {
        println!("API key (shown once; it is not stored anywhere): {key}");
        println!();
        println!("Add to the configuration:");
        println!();
        print!("{entry}");
    }
    Ok(Outcome::Success)
}

/// `yizhan keys list`: name, scope and hash prefix of each configured key.
pub fn list(config: &Config) -> anyhow::Result<Outcome> {
    if config.api_keys.is_empty() {
        println!("no API keys configured (`yizhan keys create --name NAME --channels …` makes one)");
        return Ok(Outcome::Success);
    }
    println!("{:<20} {:<14} scope", "name", "sha256");
    for key in &config.api_keys {
        let scope = if key.admin { "admin (every channel)".to_owned() } else { key.channels.join(", ") };
        let prefix = key.sha256.get(..HASH_PREFIX).unwrap_or(&key.sha256);
        println!("{:<20} {:<14} {scope}", key.name, format!("{prefix}…"));
    }
    Ok(Outcome::Success)
}

/// `yizhan keys hash`: the SHA-256 of the key on standard input (one trailing newline ignored).
pub fn hash() -> anyhow::Result<Outcome> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let key = input.strip_suffix('\n').unwrap_or(&input);
    let key = key.strip_suffix('\r').unwrap_or(key);
    if key.is_empty() {
        return Err(
            UsageError("no key on standard input (e.g. `printf %s \"$KEY\" | yizhan keys hash`)".to_owned()).into()
        );
    }
    println!("{}", ApiKeys::hash(key));
    Ok(Outcome::Success)
}

/// `yz_` and 64 hex characters: 256 bits from the operating system's generator.
fn new_key() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("the operating system's random generator failed: {e}"))?;
    Ok(format!("yz_{}", hex::encode(bytes)))
}

/// The `[[api_keys]]` TOML entry for a key (names and channels quoted as TOML strings).
fn config_entry(name: &str, sha256: &str, channels: &[String], admin: bool) -> String {
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut entry = format!("[[api_keys]]\nname = {}\nsha256 = \"{sha256}\"\n", quote(name));
    if admin {
        entry.push_str("admin = true\n");
    } else {
        let list: Vec<String> = channels.iter().map(|c| quote(c)).collect();
        entry.push_str(&format!("channels = [{}]\n", list.join(", ")));
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_distinct() {
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert!(a.starts_with("yz_") && a[3..].chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_entry_parses_back_as_the_same_key() {
        let entry = config_entry("ci \"deploy\"", &ApiKeys::hash("k"), &["ops".into(), "app".into()], false);
        let parsed: toml::Value = toml::from_str(&entry).unwrap();
        let key = &parsed["api_keys"][0];
        assert_eq!(key["name"].as_str(), Some("ci \"deploy\""));
        assert_eq!(key["sha256"].as_str(), Some(ApiKeys::hash("k").as_str()));
        assert_eq!(key["channels"].as_array().unwrap().len(), 2);
        let admin: toml::Value = toml::from_str(&config_entry("root", &ApiKeys::hash("k"), &[], true)).unwrap();
        assert_eq!(admin["api_keys"][0]["admin"].as_bool(), Some(true));
        assert!(admin["api_keys"][0].get("channels").is_none());
    }
}
