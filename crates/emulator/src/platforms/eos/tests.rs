use super::*;
use crate::LoginType;
use crate::testing::cmd;

#[test]
fn login_enable_and_errors() {
    let device = device("leaf1")
        .with_credentials("admin", "pw")
        .with_enable_password("en");
    let mut s = device.session();
    s.start();
    s.feed(b"admin\r");
    assert_eq!(
        s.feed(b"nope\r").text,
        "\r\n\r\nLogin incorrect\r\nleaf1 login: "
    );
    s.feed(b"admin\r");
    let text = s.feed(b"pw\r").text;
    assert!(text.starts_with("\r\nLast login: "), "{text:?}");
    assert!(text.ends_with(" from 192.0.2.10\r\nleaf1>"), "{text:?}");
    assert_eq!(
        cmd(&mut s, "show running-config"),
        "show running-config\r\n% Invalid input (privileged mode required)\r\nleaf1>"
    );
    assert_eq!(cmd(&mut s, "enable"), "enable\r\nPassword: ");
    assert_eq!(s.feed(b"bad\r").text, "\r\n% Access denied\r\nleaf1>");
    cmd(&mut s, "enable");
    assert_eq!(s.feed(b"en\r").text, "\r\nleaf1#");
    assert_eq!(
        cmd(&mut s, "show ip bgp sumary"),
        "show ip bgp sumary\r\n% Invalid input (at token 2: 'bgp')\r\nleaf1#"
    );
    assert_eq!(
        cmd(&mut s, "show"),
        "show\r\n% Incomplete command\r\nleaf1#"
    );
    assert_eq!(cmd(&mut s, "sh i"), "sh i\r\n% Ambiguous command\r\nleaf1#");
    assert_eq!(
        cmd(&mut s, "terminal length 0"),
        "terminal length 0\r\nPagination disabled.\r\nleaf1#"
    );
}

#[test]
fn configuration_changes_show_up() {
    let device = EosEmulator::new("leaf1")
        .privileged(true)
        .build()
        .with_login_type(LoginType::None);
    let mut s = device.session();
    assert!(s.start().text.ends_with("leaf1#"));
    assert!(cmd(&mut s, "configure terminal").ends_with("leaf1(config)#"));
    assert!(cmd(&mut s, "interface Ethernet3").ends_with("leaf1(config-if-Et3)#"));
    cmd(&mut s, "description to spine2");
    cmd(&mut s, "no switchport");
    cmd(&mut s, "ip address 10.3.3.1/31");
    assert!(cmd(&mut s, "interface lo9").ends_with("leaf1(config-if-Lo9)#"));
    assert!(cmd(&mut s, "hostname leaf7").ends_with("leaf7(config-if-Lo9)#"));
    assert!(cmd(&mut s, "end").ends_with("\r\nleaf7#"));
    let run = cmd(&mut s, "show running-config | begin Ethernet3");
    assert!(
        run.contains("interface Ethernet3\r\n   description to spine2\r\n   no switchport\r\n   ip address 10.3.3.1/31\r\n!\r\n"),
        "{run}"
    );
    assert!(
        cmd(&mut s, "show ip int brief").contains("Ethernet3         10.3.3.1/31           up")
    );
    assert!(cmd(&mut s, "show version").contains("Arista vEOS-lab\r\n"));

    // The saved configuration is the one of the login until copied.
    let saved = cmd(&mut s, "show startup-config | no-more");
    assert!(
        saved.contains("! Command: show startup-config\r\n"),
        "{saved}"
    );
    assert!(saved.contains("hostname leaf1\r\n"), "{saved}");
    assert!(!saved.contains("to spine2"), "{saved}");
    assert!(
        cmd(&mut s, "copy running-config startup-config")
            .contains("\r\nCopy completed successfully.\r\n")
    );
    let saved = cmd(&mut s, "show startup-config | no-more");
    assert!(saved.contains("hostname leaf7\r\n"), "{saved}");
    assert!(
        saved.contains("interface Ethernet3\r\n   description to spine2\r\n"),
        "{saved}"
    );
}
