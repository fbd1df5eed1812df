//! The provider emulator (`yizhan_emulator`) on `127.0.0.1:0`, and free loopback ports.

use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

/// Starts an emulator serving `config` on `127.0.0.1:0` (the system picks the port).
///
/// # Panics
/// When it cannot bind.
pub async fn spawn(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::spawn(config).await.expect("the emulator starts on 127.0.0.1:0")
}

/// Starts an emulator with the default (demo) configuration.
pub async fn spawn_default() -> EmulatorHandle {
    spawn(EmulatorConfig::default()).await
}

/// The default configuration plus WeCom members `users`, with the per-member limits out of the
/// way (tests that send many messages to few members are not testing those limits).
pub fn config_with_users<S: AsRef<str>>(users: &[S]) -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    config.wecom.users.extend(users.iter().map(|u| u.as_ref().to_owned()));
    config.wecom.per_member_per_minute = 1_000_000;
    config.wecom.per_member_per_hour = 1_000_000;
    config
}

/// A loopback port nobody listened on a moment ago (bound to `127.0.0.1:0`, then released), for
/// a child process that must be told its port.
///
/// # Panics
/// When nothing can bind.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_emulator_listens_on_loopback() {
        let emu = spawn(config_with_users(&["zed"])).await;
        assert!(emu.base_url().starts_with("http://127.0.0.1:"), "{}", emu.base_url());
        assert!(free_port() > 0);
    }
}
