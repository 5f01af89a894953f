//! The proxy of the environment, for
//! [`ClientBuilder::proxy_from_env`](crate::ClientBuilder::proxy_from_env): `all_proxy` /
//! `ALL_PROXY`, and the servers `no_proxy` / `NO_PROXY` exempts.

use std::ffi::OsString;
use std::net::IpAddr;

use super::proxy::{parse_url, Proxy};
use crate::error::{Error, Result};

/// The variables naming the proxy, in the order they are read (curl's order: lower case
/// first).
const PROXY_VARS: [&str; 2] = ["all_proxy", "ALL_PROXY"];
/// The variables listing the servers reached without a proxy.
const NO_PROXY_VARS: [&str; 2] = ["no_proxy", "NO_PROXY"];

/// The first of `names` that is set and not empty, with its name.
fn first_set(
    var: &impl Fn(&str) -> Option<OsString>,
    names: &[&'static str],
) -> Result<Option<(&'static str, String)>> {
    for &name in names {
        match var(name) {
            Some(v) if v.is_empty() => {}
            Some(v) => {
                let text = v
                    .into_string()
                    .map_err(|_| Error::InvalidArgument(format!("{name} is not valid UTF-8")))?;
                return Ok(Some((name, text)));
            }
            None => {}
        }
    }
    Ok(None)
}

/// The proxy the environment gives for `host:port`: `None` when `all_proxy` / `ALL_PROXY`
/// is unset or empty, or when `no_proxy` / `NO_PROXY` names the server.
///
/// Errors: [`Error::InvalidArgument`] naming the variable, for a value that is not UTF-8 or
/// not a proxy URL (never repeating a password).
pub(crate) fn proxy_for(
    var: impl Fn(&str) -> Option<OsString>,
    host: &str,
    port: u16,
) -> Result<Option<Proxy>> {
    let Some((name, url)) = first_set(&var, &PROXY_VARS)? else {
        return Ok(None);
    };
    let proxy = parse_url(&url).map_err(|why| Error::InvalidArgument(format!("{name}: {why}")))?;
    if let Some((_, list)) = first_set(&var, &NO_PROXY_VARS)? {
        if no_proxy_matches(&list, host, port) {
            log::debug!("{host}:{port} is in no_proxy: connecting without the proxy");
            return Ok(None);
        }
    }
    Ok(Some(proxy))
}

/// `host` without brackets and a trailing dot, in lower case.
fn bare(host: &str) -> String {
    let h = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    h.trim_end_matches('.').to_ascii_lowercase()
}

/// Does the `NO_PROXY` list `list` name `host:port`? Entries are separated by commas or
/// white space, in any case:
///
/// - `*`: every server;
/// - a name: that host and every host under it (`example.com` and `.example.com` both
///   match `example.com` and `imap.example.com`; a leading `*.` is read as `.`);
/// - an IP address (`127.0.0.1`, `::1`, `[::1]`): a server given as that address;
/// - a network (`10.0.0.0/8`, `fd00::/8`): a server given as an address in it;
/// - any of these with `:PORT` (`imap.example.com:993`, `[::1]:143`): only that port.
///
/// Names are compared as written: a server given by name is not resolved to match an
/// address entry, nor the other way round.
pub(crate) fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = bare(host);
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
        .any(|entry| entry_matches(entry, &host, host_ip, port))
}

fn entry_matches(entry: &str, host: &str, host_ip: Option<IpAddr>, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    // Split off a port: `[v6]:p`, `name:p`, `v4:p`; a bare IPv6 address has no port.
    let (entry, entry_port) = if let Some(rest) = entry.strip_prefix('[') {
        match rest.split_once(']') {
            Some((addr, "")) => (addr, None),
            Some((addr, after)) => match after.strip_prefix(':').map(str::parse::<u16>) {
                Some(Ok(p)) => (addr, Some(p)),
                _ => return false,
            },
            None => return false,
        }
    } else if entry.parse::<IpAddr>().is_ok() || entry.contains('/') {
        (entry, None)
    } else {
        match entry.rsplit_once(':') {
            Some((name, p)) => match p.parse::<u16>() {
                Ok(p) => (name, Some(p)),
                Err(_) => return false,
            },
            None => (entry, None),
        }
    };
    if entry_port.is_some_and(|p| p != port) {
        return false;
    }
    if let Some((net, bits)) = entry.split_once('/') {
        let (Some(ip), Ok(net), Ok(bits)) = (host_ip, net.parse::<IpAddr>(), bits.parse::<u8>())
        else {
            return false;
        };
        return in_network(ip, net, bits);
    }
    if let Ok(addr) = entry.parse::<IpAddr>() {
        return host_ip == Some(addr);
    }
    let name = bare(entry.trim_start_matches('*').trim_start_matches('.'));
    if name.is_empty() || host_ip.is_some() {
        return false;
    }
    host == name
        || host
            .strip_suffix(name.as_str())
            .is_some_and(|head| head.ends_with('.'))
}

/// Is `ip` in the network `net/bits`?
fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            (u128::from(u32::from(a)), u128::from(u32::from(n)), 32u32)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), 128u32),
        _ => return false,
    };
    let bits = u32::from(bits);
    if bits > width {
        return false;
    }
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), OsString::from(*v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn no_proxy_entries() {
        let yes = |list: &str, host: &str, port: u16| no_proxy_matches(list, host, port);
        assert!(yes("*", "anything", 1));
        assert!(yes("example.com", "example.com", 993));
        assert!(yes("example.com", "imap.EXAMPLE.com.", 993));
        assert!(yes(".example.com", "example.com", 993));
        assert!(yes("*.example.com", "imap.example.com", 993));
        assert!(!yes("example.com", "badexample.com", 993));
        assert!(!yes("imap.example.com", "example.com", 993));
        assert!(yes("foo, bar example.com", "imap.example.com", 993));
        assert!(yes("example.com:993", "imap.example.com", 993));
        assert!(!yes("example.com:993", "imap.example.com", 143));
        assert!(!yes("example.com:x", "imap.example.com", 143));
        assert!(yes("127.0.0.1", "127.0.0.1", 1));
        assert!(yes("127.0.0.1:143", "127.0.0.1", 143));
        assert!(!yes("127.0.0.1:143", "127.0.0.1", 993));
        assert!(!yes("127.0.0.1", "localhost", 1));
        assert!(yes("::1", "[::1]", 1));
        assert!(yes("[::1]", "::1", 1));
        assert!(yes("[::1]:993", "[::1]", 993));
        assert!(!yes("[::1]:993", "[::1]", 143));
        assert!(yes("10.0.0.0/8", "10.1.2.3", 1));
        assert!(!yes("10.0.0.0/8", "11.1.2.3", 1));
        assert!(yes("0.0.0.0/0", "11.1.2.3", 1));
        assert!(yes("fd00::/8", "fd12::1", 1));
        assert!(!yes("fd00::/8", "fe12::1", 1));
        assert!(!yes("10.0.0.0/33", "10.0.0.1", 1));
        assert!(!yes("10.0.0.0/8", "ten.example", 1));
        assert!(!yes("", "example.com", 1));
        assert!(!yes(" , ,", "example.com", 1));
        assert!(!yes("[::1", "::1", 1));
    }

    #[test]
    fn all_proxy_then_no_proxy() {
        let p = proxy_for(env(&[("ALL_PROXY", "socks5h://p:1080")]), "h", 993).unwrap();
        assert_eq!(p.unwrap().to_string(), "socks5h://p:1080");
        // Lower case first; an empty one counts as unset.
        let p = proxy_for(
            env(&[("all_proxy", "http://a:1"), ("ALL_PROXY", "http://b:1")]),
            "h",
            993,
        )
        .unwrap();
        assert_eq!(p.unwrap().to_string(), "http://a:1");
        let p = proxy_for(
            env(&[("all_proxy", ""), ("ALL_PROXY", "http://b:1")]),
            "h",
            993,
        )
        .unwrap();
        assert_eq!(p.unwrap().to_string(), "http://b:1");
        assert!(proxy_for(env(&[]), "h", 993).unwrap().is_none());
        // Not read: HTTPS_PROXY, HTTP_PROXY.
        let not_ours = env(&[("HTTPS_PROXY", "http://p:1"), ("http_proxy", "http://p:1")]);
        assert!(proxy_for(not_ours, "h", 993).unwrap().is_none());
        let exempt = env(&[
            ("ALL_PROXY", "socks5h://p:1"),
            ("NO_PROXY", "localhost,.corp"),
        ]);
        assert!(proxy_for(&exempt, "imap.corp", 993).unwrap().is_none());
        assert!(proxy_for(&exempt, "imap.example", 993).unwrap().is_some());
        let e = proxy_for(env(&[("ALL_PROXY", "https://u:s3cret@p")]), "h", 1)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid argument: ALL_PROXY: https://"),
            "{e}"
        );
        assert!(!e.contains("s3cret"), "{e}");
    }
}
