//! Which addresses a webhook may not be delivered to: loopback, private,
//! link-local (cloud metadata at 169.254.169.254 included), shared,
//! reserved and the like, so an endpoint URL cannot make Roster reach into
//! the network it runs in (SSRF). The check applies to every address a
//! host name resolves to, and delivery connects only to checked addresses
//! (DNS rebinding); an operator flag lifts it for tests and private setups.
//!
//! An explicit table, because the standard library's `is_global` is still
//! unstable; each row is tested at both ends.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges refused: (network, prefix length, what it is).
const V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "this network"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "shared address space"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "protocol assignments"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "6to4 relay"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
];

/// IPv6 ranges refused. IPv4-mapped addresses (`::ffff:0:0/96`) are judged
/// by the IPv4 address they carry.
const V6: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 128, "unspecified"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1), 128, "loopback"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, "IPv4-compatible"),
    (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96, "NAT64"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "NAT64"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, "protocol assignments"),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "documentation"),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, "6to4"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "unique local"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
];

/// What the first range of `table` holding `addr` is, if one does.
fn range_of<A: Copy>(
    table: &[(A, u8, &'static str)],
    addr: A,
    bits: fn(A) -> u128,
    width: u8,
) -> Option<&'static str> {
    table.iter().find_map(|&(net, prefix, why)| {
        let shift = u32::from(width - prefix);
        // A /0 would be every address; no row is one.
        (shift < u128::BITS && bits(addr) >> shift == bits(net) >> shift).then_some(why)
    })
}

/// Why `ip` is refused as a webhook destination, or `None` when it is a
/// public address.
pub fn refused_because(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => range_of(V4, v4, |a| u128::from(u32::from(a)), 32),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_because(IpAddr::V4(v4)),
            None => range_of(V6, v6, u128::from, 128),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_v4(net: Ipv4Addr, prefix: u8) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(net) | (u32::MAX >> prefix))
    }

    fn last_v6(net: Ipv6Addr, prefix: u8) -> Ipv6Addr {
        let host = if prefix == 128 { 0 } else { u128::MAX >> prefix };
        Ipv6Addr::from(u128::from(net) | host)
    }

    #[test]
    fn every_refused_range_is_refused_at_both_ends() {
        for (net, prefix, why) in V4 {
            for ip in [*net, last_v4(*net, *prefix)] {
                assert!(refused_because(IpAddr::V4(ip)).is_some(), "{ip} ({why})");
                // The same address, IPv4-mapped, is refused too.
                assert!(refused_because(IpAddr::V6(ip.to_ipv6_mapped())).is_some(), "{ip}");
            }
        }
        for (net, prefix, why) in V6 {
            for ip in [*net, last_v6(*net, *prefix)] {
                assert!(refused_because(IpAddr::V6(ip)).is_some(), "{ip} ({why})");
            }
        }
    }

    #[test]
    fn public_addresses_and_the_neighbours_of_ranges_are_allowed() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.169.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2001:200::1",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(refused_because(ip), None, "{ip}");
        }
    }

    #[test]
    fn the_metadata_address_and_loopback_name_their_range() {
        assert_eq!(refused_because("169.254.169.254".parse().unwrap()), Some("link-local"));
        assert_eq!(refused_because("127.0.0.1".parse().unwrap()), Some("loopback"));
        assert_eq!(refused_because("::1".parse().unwrap()), Some("loopback"));
        assert_eq!(refused_because("::ffff:10.1.2.3".parse().unwrap()), Some("private"));
    }
}
