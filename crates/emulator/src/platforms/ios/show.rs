//! The text of IOS `show` commands and `ping` (crate-private).

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::config::Iface;
use crate::platforms::common::{Clock, len_mask};

/// `show version` for an ISR G2 running IOS 15.7.
pub(crate) fn version(hostname: &str, serial: &str, interfaces: &[Iface]) -> String {
    let gig = interfaces
        .iter()
        .filter(|i| i.iface.name.starts_with("GigabitEthernet") && !i.iface.name.contains('.'))
        .count();
    let mut out = String::with_capacity(2048);
    out.push_str(
        "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M8, RELEASE SOFTWARE (fc2)\n\
         Technical Support: http://www.cisco.com/techsupport\n\
         Copyright (c) 1986-2021 by Cisco Systems, Inc.\n\
         Compiled Thu 18-Feb-21 09:12 by prod_rel_team\n\
         \n\
         ROM: System Bootstrap, Version 15.0(1r)M16, RELEASE SOFTWARE (fc1)\n\
         \n",
    );
    let _ = writeln!(
        out,
        "{hostname} uptime is 12 weeks, 3 days, 7 hours, 42 minutes"
    );
    out.push_str(
        "System returned to ROM by power-on\n\
         System restarted at 08:15:02 UTC Mon Jan 8 2024\n\
         System image file is \"flash0:c2900-universalk9-mz.SPA.157-3.M8.bin\"\n\
         Last reload type: Normal Reload\n\
         Last reload reason: power-on\n\
         \n\
         Cisco CISCO2911/K9 (revision 1.0) with 491520K/32768K bytes of memory.\n",
    );
    let _ = writeln!(out, "Processor board ID {serial}");
    let _ = writeln!(out, "{gig} Gigabit Ethernet interfaces");
    out.push_str(
        "1 terminal line\n\
         DRAM configuration is 64 bits wide with parity disabled.\n\
         255K bytes of non-volatile configuration memory.\n\
         250880K bytes of ATA System CompactFlash 0 (Read/Write)\n\
         \n\
         \n\
         License Info:\n\
         \n\
         License UDI:\n\
         \n\
         -------------------------------------------------\n\
         Device#   PID                   SN\n\
         -------------------------------------------------\n",
    );
    let _ = writeln!(out, "*0        CISCO2911/K9          {serial}");
    out.push_str(
        "\n\
         \n\
         Technology Package License Information for Module:'c2900'\n\
         \n\
         -----------------------------------------------------------------\n\
         Technology    Technology-package           Technology-package\n\
         \x20             Current       Type           Next reboot\n\
         ------------------------------------------------------------------\n\
         ipbase        ipbasek9      Permanent      ipbasek9\n\
         security      securityk9    Permanent      securityk9\n\
         uc            None          None           None\n\
         data          None          None           None\n\
         \n\
         Configuration register is 0x2102\n",
    );
    out
}

/// `show ip interface brief`.
pub(crate) fn ip_interface_brief(interfaces: &[Iface]) -> String {
    let mut out = String::with_capacity(100 * (interfaces.len() + 1));
    out.push_str(
        "Interface              IP-Address      OK? Method Status                Protocol\n",
    );
    for Iface { iface: i, method } in interfaces {
        let address = i
            .address
            .map_or_else(|| "unassigned".to_owned(), |(ip, _)| ip.to_string());
        let (status, protocol) = if i.shutdown {
            ("administratively down", "down")
        } else {
            ("up", "up")
        };
        let _ = writeln!(
            out,
            "{:<23}{:<16}YES {:<7}{:<22}{}",
            i.name, address, method, status, protocol
        );
    }
    out
}

/// `show clock`: the current UTC time, unsynchronised (`*`) like a lab
/// router without NTP.
pub(crate) fn clock() -> String {
    let now = Clock::now();
    format!(
        "*{}.{:03} UTC {} {} {} {}\n",
        now.hms(),
        now.millis,
        now.weekday_name(),
        now.month_name(),
        now.day,
        now.year
    )
}

/// `ping <target>`: succeeds when the target is on a connected subnet of
/// an interface that is up.
pub(crate) fn ping(target: Ipv4Addr, interfaces: &[Iface]) -> String {
    let reachable = interfaces.iter().map(|i| &i.iface).any(|i| {
        !i.shutdown
            && i.address.is_some_and(|(ip, len)| {
                let m = u32::from(len_mask(len));
                u32::from(ip) & m == u32::from(target) & m
            })
    });
    let mut out = String::from("Type escape sequence to abort.\n");
    let _ = writeln!(
        out,
        "Sending 5, 100-byte ICMP Echos to {target}, timeout is 2 seconds:"
    );
    if reachable {
        out.push_str(
            "!!!!!\nSuccess rate is 100 percent (5/5), round-trip min/avg/max = 1/1/2 ms\n",
        );
    } else {
        out.push_str(".....\nSuccess rate is 0 percent (0/5)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_format() {
        let text = clock();
        let re = regex::Regex::new(
            r"^\*\d{2}:\d{2}:\d{2}\.\d{3} UTC (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{1,2} \d{4}\n$",
        )
        .unwrap();
        assert!(re.is_match(&text), "{text:?}");
    }
}
