//! Host ports: taken from the configured range, skipping every port the registry
//! already holds (reserved under its lock) and confirmed free by binding.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener};

use asym_contract::{AsymError, PortRange, Result};

pub fn is_free(port: u16, expose: bool) -> bool {
    let ip = if expose { Ipv4Addr::UNSPECIFIED } else { Ipv4Addr::LOCALHOST };
    TcpListener::bind((ip, port)).is_ok()
}

pub fn allocate(range: PortRange, used: &BTreeSet<u16>, count: usize, expose: bool) -> Result<Vec<u16>> {
    let mut out = Vec::with_capacity(count);
    for p in range.iter() {
        if out.len() == count {
            break;
        }
        if !used.contains(&p) && is_free(p, expose) {
            out.push(p);
        }
    }
    if out.len() < count {
        return Err(AsymError::NoFreePorts { start: range.start, end: range.end });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_used_and_bound_ports() {
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let busy = held.local_addr().unwrap().port();
        let range = PortRange { start: busy, end: busy.saturating_add(40) };
        let used: BTreeSet<u16> = [busy.saturating_add(1)].into();
        let got = allocate(range, &used, 2, false).unwrap();
        assert!(!got.contains(&busy));
        assert!(!got.contains(&(busy + 1)));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn a_full_range_is_no_free_ports() {
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let busy = held.local_addr().unwrap().port();
        let e = allocate(PortRange { start: busy, end: busy }, &BTreeSet::new(), 1, false).unwrap_err();
        assert_eq!(e.code(), "NO_FREE_PORTS");
    }
}
