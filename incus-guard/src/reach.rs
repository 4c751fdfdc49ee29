//! Does the gateway answer? One ICMP echo, two seconds to reply, like the
//! script's `ping -c1 -W2`.
//!
//! `ping` on PATH is used when present (tests replace it with a fake); a
//! minimal system without it gets the same echo sent from this process.

use std::net::{IpAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    recvfrom, sendto, socket, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType,
    SockaddrIn, SockaddrIn6, SockaddrStorage,
};
use shared::cmd::{available, Cmd};

const WAIT: Duration = Duration::from_secs(2);

/// True when `gateway` answers one echo within two seconds.
pub fn gateway_answers(gateway: IpAddr) -> bool {
    if available("ping") {
        return Cmd::new("ping")
            .args(["-c1", "-W2", &gateway.to_string()])
            .timeout(WAIT + Duration::from_secs(3))
            .output()
            .is_ok_and(|o| o.success());
    }
    echo(gateway, WAIT).unwrap_or(false)
}

/// An echo request: type, code 0, checksum, identifier, sequence, payload.
pub fn echo_request(v6: bool, id: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(b"incus-guard-echo");
    // The kernel fills the ICMPv6 checksum (it covers a pseudo-header).
    if !v6 {
        let sum = checksum(&p);
        p[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    p
}

/// The Internet checksum (RFC 1071).
pub fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|c| {
            let hi = c.first().copied().unwrap_or(0);
            u32::from(u16::from_be_bytes([hi, c.get(1).copied().unwrap_or(0)]))
        })
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Is `packet` (ICMP header first) our echo reply? Datagram ICMP sockets
/// rewrite the identifier, so only the sequence is compared there.
pub fn is_reply(packet: &[u8], v6: bool, id: Option<u16>, seq: u16) -> bool {
    let reply_type = if v6 { 129 } else { 0 };
    packet.len() >= 8
        && packet[0] == reply_type
        && match id {
            Some(id) => packet[4..6] == id.to_be_bytes(),
            None => true,
        }
        && packet[6..8] == seq.to_be_bytes()
}

/// Send one echo and wait for its reply. A datagram ("ping") socket needs
/// no privilege where `ping_group_range` allows it; a raw socket works for
/// root everywhere else.
fn echo(gateway: IpAddr, wait: Duration) -> Result<bool, nix::Error> {
    let v6 = gateway.is_ipv6();
    let (family, proto) = if v6 {
        (AddressFamily::Inet6, SockProtocol::IcmpV6)
    } else {
        (AddressFamily::Inet, SockProtocol::Icmp)
    };
    let (fd, raw) = match socket(family, SockType::Datagram, SockFlag::SOCK_CLOEXEC, proto) {
        Ok(fd) => (fd, false),
        Err(_) => (
            socket(family, SockType::Raw, SockFlag::SOCK_CLOEXEC, proto)?,
            true,
        ),
    };
    let id = (std::process::id() & 0xffff) as u16;
    let seq = 1;
    let request = echo_request(v6, id, seq);
    match gateway {
        IpAddr::V4(a) => sendto(
            fd.as_raw_fd(),
            &request,
            &SockaddrIn::from(SocketAddrV4::new(a, 0)),
            MsgFlags::empty(),
        )?,
        IpAddr::V6(a) => sendto(
            fd.as_raw_fd(),
            &request,
            &SockaddrIn6::from(SocketAddrV6::new(a, 0, 0, 0)),
            MsgFlags::empty(),
        )?,
    };
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 1500];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if !readable(&fd, left)? {
            return Ok(false);
        }
        let (n, from) = recvfrom::<SockaddrStorage>(fd.as_raw_fd(), &mut buf)?;
        if !from.is_some_and(|f| same_ip(&f, gateway)) {
            continue;
        }
        let mut packet = &buf[..n.min(buf.len())];
        // Raw IPv4 sockets hand us the IP header too.
        if raw && !v6 {
            let header = usize::from(packet.first().map_or(0, |b| b & 0x0f)) * 4;
            packet = packet.get(header..).unwrap_or(&[]);
        }
        if is_reply(packet, v6, raw.then_some(id), seq) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn readable(fd: &OwnedFd, left: Duration) -> Result<bool, nix::Error> {
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
    let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
    Ok(poll(&mut fds, timeout)? > 0)
}

fn same_ip(from: &SockaddrStorage, ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => from.as_sockaddr_in().is_some_and(|s| s.ip() == a),
        IpAddr::V6(a) => from.as_sockaddr_in6().is_some_and(|s| s.ip() == a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 §3: 0001 f203 f4f5 f6f7 sums to ddf2, complement 220d.
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
        assert_eq!(checksum(&[0xff]), 0x00ff);
    }

    #[test]
    fn echo_request_checksums_to_zero() {
        let p = echo_request(false, 0x1234, 7);
        assert_eq!((p[0], p[4], p[5], p[7]), (8, 0x12, 0x34, 7));
        assert_eq!(checksum(&p), 0);
        assert_eq!(echo_request(true, 1, 1)[0], 128);
    }

    #[test]
    fn replies_are_matched_on_type_id_and_sequence() {
        let mut r = echo_request(false, 0x1234, 7);
        r[0] = 0;
        assert!(is_reply(&r, false, Some(0x1234), 7));
        assert!(is_reply(&r, false, None, 7));
        assert!(!is_reply(&r, false, Some(0x1235), 7));
        assert!(!is_reply(&r, false, None, 8));
        assert!(!is_reply(&r, true, None, 7));
        assert!(!is_reply(&r[..7], false, None, 7));
    }
}
