use super::*;
use crate::LoginType;
use crate::testing::cmd;

#[test]
fn login_failure_and_timestamps() {
    let device = device("pe1").with_credentials("admin", "pw");
    let mut s = device.session();
    assert_eq!(
        s.start().text,
        "\r\n\r\nUser Access Verification\r\n\r\nUsername: "
    );
    s.feed(b"admin\r");
    assert_eq!(
        s.feed(b"bad\r").text,
        "\r\n\r\n% Authentication failed\r\n\r\nUsername: "
    );
    s.feed(b"admin\r");
    assert_eq!(s.feed(b"pw\r").text, "\r\n\r\n\r\nRP/0/RSP0/CPU0:pe1#");
    let text = cmd(&mut s, "show ip bgp summari");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[1].ends_with(" UTC"), "{text:?}");
    assert_eq!(lines[2], format!("{}^", " ".repeat(19 + 8)));
    assert_eq!(lines[3], "% Invalid input detected at '^' marker.");
    assert_eq!(
        cmd(&mut s, "terminal exec prompt no-timestamp"),
        "terminal exec prompt no-timestamp\r\nRP/0/RSP0/CPU0:pe1#"
    );
    assert!(
        cmd(&mut s, "show version")
            .starts_with("show version\r\nCisco IOS XR Software, Version 7.9.2\r\n")
    );
}

#[test]
fn candidate_commit_and_exit_dialog() {
    let device = IosXrEmulator::new("pe1")
        .page_lines(0)
        .build()
        .with_login_type(LoginType::None);
    let mut s = device.session();
    s.start();
    cmd(&mut s, "terminal exec prompt no-timestamp");
    assert!(cmd(&mut s, "conf t").ends_with("RP/0/RSP0/CPU0:pe1(config)#"));
    assert!(cmd(&mut s, "int gi0/0/0/2").ends_with("RP/0/RSP0/CPU0:pe1(config-if)#"));
    cmd(&mut s, "description to-customer-18");
    cmd(&mut s, "ipv4 address 10.18.0.1 255.255.255.252");
    let diff = cmd(&mut s, "show configuration");
    assert!(diff.contains("interface GigabitEthernet0/0/0/2\r\n description to-customer-18\r\n ipv4 address 10.18.0.1 255.255.255.252\r\n!"), "{diff}");
    assert_eq!(
        cmd(&mut s, "end"),
        "end\r\nUncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:"
    );
    assert!(cmd(&mut s, "").ends_with("RP/0/RSP0/CPU0:pe1(config-if)#"));
    cmd(&mut s, "end");
    assert!(cmd(&mut s, "no").ends_with("\r\nRP/0/RSP0/CPU0:pe1#"));
    assert!(!cmd(&mut s, "show running-config").contains("to-customer-18"));
    cmd(&mut s, "configure");
    cmd(&mut s, "interface GigabitEthernet0/0/0/2");
    cmd(&mut s, "ipv4 address 10.18.0.1/30");
    cmd(&mut s, "commit");
    assert!(cmd(&mut s, "end").ends_with("\r\nRP/0/RSP0/CPU0:pe1#"));
    let brief = cmd(&mut s, "show ipv4 interface brief | include 0/0/0/2");
    assert!(
        brief.contains(
            "GigabitEthernet0/0/0/2         10.18.0.1       Up              Up       default"
        ),
        "{brief}"
    );
}
