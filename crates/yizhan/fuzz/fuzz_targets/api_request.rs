//! What `POST /v1/messages` does with a body before storing it must not panic: JSON into the
//! request model, then `plan()` for a WeCom app, a group robot and a Getui channel.

#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use yizhan::config::Config;
use yizhan::gateway::{MessageRequest, plan};

const CONFIG: &str = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
                      secret = \"s\"\n\n[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"k\"\n\n\
                      [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"a\"\napp_key = \"k\"\nmaster_secret = \"m\"\n";

fn config() -> &'static Config {
    static CONFIG_CELL: OnceLock<Config> = OnceLock::new();
    CONFIG_CELL.get_or_init(|| Config::parse(CONFIG, "fuzz.toml", &HashMap::new()).expect("config"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<MessageRequest>(data) {
        for name in ["ops", "bot", "app"] {
            let _ = plan(&request, config().channel(name).expect("channel"), 1_795_395_600_000);
        }
    }
});
