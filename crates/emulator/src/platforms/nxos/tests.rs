use super::*;
use crate::LoginType;
use crate::testing::cmd;

fn open(device: &VirtualDevice) -> crate::DeviceSession {
    let mut s = device.session();
    s.start();
    s
}

#[test]
fn login_and_failure() {
    let device = device("n9k").with_credentials("admin", "pw");
    let mut s = device.session();
    assert_eq!(
        s.start().text,
        "\r\n\r\nUser Access Verification\r\nn9k login: "
    );
    assert_eq!(s.feed(b"admin\r").text, "admin\r\nPassword: ");
    assert_eq!(
        s.feed(b"x\r").text,
        "\r\n\r\nLogin incorrect\r\nn9k login: "
    );
}

#[test]
fn errors_and_markers() {
    let mut s = open(&device("n9k").with_login_type(LoginType::None));
    assert_eq!(
        cmd(&mut s, "show interfaces brief"),
        format!(
            "show interfaces brief\r\n{}^\r\n% Invalid command at '^' marker.\r\nn9k# ",
            " ".repeat(5 + 14)
        )
    );
    assert!(cmd(&mut s, "show").contains("% Incomplete command at '^' marker."));
    assert!(cmd(&mut s, "sh i").contains("% Ambiguous command at '^' marker."));
    cmd(&mut s, "conf t");
    cmd(&mut s, "interface ethernet 1/3");
    assert!(cmd(&mut s, "ip address 10.1.1.1/24").contains("layer 2 interface"));
    cmd(&mut s, "no switchport");
    assert!(cmd(&mut s, "ip address 10.1.1.300/24").contains("% Invalid parameter"));
    assert!(cmd(&mut s, "interface Ethernet1/99").contains("% Invalid range"));
}

#[test]
fn configuration_changes_show_up() {
    let mut s = open(
        &NxosEmulator::new("n9k")
            .page_lines(0)
            .build()
            .with_login_type(LoginType::None),
    );
    assert!(cmd(&mut s, "configure terminal").ends_with("n9k(config)# "));
    assert!(cmd(&mut s, "int e1/3").ends_with("n9k(config-if)# "));
    cmd(&mut s, "description server-42");
    cmd(&mut s, "no switchport");
    cmd(&mut s, "ip address 10.9.9.1 255.255.255.0");
    assert!(cmd(&mut s, "interface loopback7").ends_with("(config-if)# "));
    assert!(cmd(&mut s, "hostname leaf9").ends_with("leaf9(config-if)# "));
    assert!(cmd(&mut s, "exit").ends_with("leaf9(config)# "));
    assert!(cmd(&mut s, "end").ends_with("\r\nleaf9# "));
    let run = cmd(&mut s, "show running-config | begin Ethernet1/3");
    assert!(
        run.starts_with("show running-config | begin Ethernet1/3\r\ninterface Ethernet1/3\r\n  description server-42\r\n  no switchport\r\n  ip address 10.9.9.1/24\r\n"),
        "{run}"
    );
    assert!(run.contains("interface loopback7"));
    let brief = cmd(&mut s, "show ip interface brief");
    assert!(
        brief.contains("Eth1/3               10.9.9.1        protocol-up/link-up/admin-up"),
        "{brief}"
    );
    let brief = cmd(&mut s, "sh int br");
    assert!(
        brief.contains("Eth1/4        1       eth  access down    Administratively down"),
        "{brief}"
    );

    // The saved configuration is the one of the login until copied.
    let saved = cmd(&mut s, "show startup-config");
    assert!(
        saved.contains("!Command: show startup-config\r\n"),
        "{saved}"
    );
    assert!(saved.contains("hostname n9k\r\n"), "{saved}");
    assert!(!saved.contains("server-42"), "{saved}");
    assert!(cmd(&mut s, "copy running-config startup-config").contains("Copy complete.\r\n"));
    let saved = cmd(&mut s, "show startup-config");
    assert!(saved.contains("hostname leaf9\r\n"), "{saved}");
    assert!(
        saved.contains("interface Ethernet1/3\r\n  description server-42\r\n"),
        "{saved}"
    );
}

#[test]
fn login_banner_is_not_paged() {
    let device = NxosEmulator::new("n9k")
        .page_lines(3)
        .build()
        .with_credentials("admin", "pw");
    let mut s = device.session();
    s.start();
    s.feed(b"admin\r");
    let text = s.feed(b"pw\r").text;
    assert!(!text.contains("More"), "{text:?}");
    assert!(text.ends_with("express or implied.\r\nn9k# "), "{text:?}");
}

#[test]
fn paging_erases_with_carriage_returns() {
    let mut s = open(
        &NxosEmulator::new("n9k")
            .page_lines(10)
            .paging_locked(true)
            .build()
            .with_login_type(LoginType::None),
    );
    assert_eq!(
        cmd(&mut s, "terminal length 0"),
        "terminal length 0\r\nn9k# "
    );
    assert!(cmd(&mut s, "show version").ends_with(" --More-- "));
    let next = s.feed(b" ").text;
    assert!(next.starts_with("\r          \r"), "{next:?}");
}
