//! Which resolved addresses a media download may connect to.
//!
//! [`is_public`] refuses everything that is not a globally routed unicast address: private
//! (RFC 1918), loopback, link-local, unspecified, "this network", CGNAT (100.64/10), multicast,
//! broadcast, reserved (240/4), documentation and benchmarking ranges, IETF protocol assignments
//! (192.0.0/24); for IPv6 also unique-local (fc00::/7), site-local (fec0::/10), Teredo
//! (2001::/32) and documentation (2001:db8::/32). IPv6 addresses that embed an IPv4 address
//! (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
//! `2002::/16`) are judged by the embedded address.
//!
//! ```
//! use std::net::IpAddr;
//! use yizhan_wecom::media::address::is_public;
//!
//! assert!(is_public("8.8.8.8".parse::<IpAddr>().unwrap()));
//! assert!(!is_public("::ffff:127.0.0.1".parse::<IpAddr>().unwrap()));
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// True when a download may connect to `ip` without `allow_private_urls`.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = ip.is_private()          // 10/8, 172.16/12, 192.168/16
        || ip.is_loopback()                // 127/8
        || ip.is_link_local()              // 169.254/16
        || ip.is_multicast()               // 224/4
        || ip.is_broadcast()               // 255.255.255.255
        || ip.is_documentation()           // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || a == 0                          // "this network", incl. 0.0.0.0
        || (a == 100 && (b & 0xc0) == 64)  // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0)  // IETF protocol assignments 192.0.0/24
        || (a == 198 && (b & 0xfe) == 18)  // benchmarking 198.18/15
        || a >= 240; // reserved 240/4
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let refused = ip.is_unspecified()              // ::
        || ip.is_loopback()                        // ::1
        || ip.is_multicast()                       // ff00::/8
        || (s[0] & 0xfe00) == 0xfc00               // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80               // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0               // site-local fec0::/10 (deprecated)
        || (s[0] == 0x2001 && s[1] == 0)           // Teredo 2001::/32
        || (s[0] == 0x2001 && s[1] == 0x0db8)      // documentation 2001:db8::/32
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]); // discard-only 100::/64
    !refused
}

/// The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        // IPv4-compatible (deprecated); `::` and `::1` are handled as IPv6.
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_unspecified() && !ip.is_loopback() => Some(tail),
        [0x0064, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pure checks only: nothing here opens a connection.
    #[test]
    fn the_address_table() {
        let refused = [
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "2001:db8::1",
            "2001:0:4136:e378::1",
        ];
        for text in refused {
            let ip: IpAddr = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(!is_public(ip), "{text} must be refused");
        }
        let allowed = ["8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.32.0.1", "2001:4860::8888"];
        for text in allowed {
            let ip: IpAddr = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(is_public(ip), "{text} must be allowed");
        }
        assert!(is_public("::ffff:8.8.8.8".parse().unwrap()));
        assert!(is_public("64:ff9b::808:808".parse().unwrap()));
        assert!(is_public("2002:808:808::1".parse().unwrap()));
    }
}
