use super::*;
use crate::testing::cmd;

fn logged_in(device: &VirtualDevice) -> crate::DeviceSession {
    let mut s = device.session();
    s.start();
    s.feed(b"admin\r");
    let text = s.feed(b"pw\r").text;
    assert!(text.contains("--- JUNOS 22.4R3.25 built "), "{text:?}");
    assert!(text.ends_with("\r\n\r\nadmin@mx1> "), "{text:?}");
    s
}

#[test]
fn login_banner_and_failure() {
    let device = device("mx1").with_credentials("admin", "pw");
    let mut s = device.session();
    assert_eq!(s.start().text, "\r\n\r\nmx1 (ttyp0)\r\n\r\nlogin: ");
    assert_eq!(s.feed(b"admin\r").text, "admin\r\nPassword:");
    assert_eq!(s.feed(b"bad\r").text, "\r\n\r\nLogin incorrect\r\nlogin: ");
}

#[test]
fn errors_are_junos_worded() {
    let mut s = logged_in(&device("mx1").with_credentials("admin", "pw"));
    assert_eq!(
        cmd(&mut s, "show versoin"),
        format!(
            "show versoin\r\n{}^\r\nsyntax error, expecting <command>.\r\n\r\nadmin@mx1> ",
            " ".repeat(16)
        )
    );
    assert_eq!(
        cmd(&mut s, "frobnicate"),
        format!(
            "frobnicate\r\n{}^\r\nunknown command.\r\n\r\nadmin@mx1> ",
            " ".repeat(11)
        )
    );
    assert!(cmd(&mut s, "s").contains("'s' is ambiguous."));
    assert!(cmd(&mut s, "show").contains("syntax error, expecting <command>."));
}

#[test]
fn configuration_round_trip() {
    let device = JunosEmulator::new("mx1")
        .confirm_uncommitted_exit(true)
        .page_lines(0)
        .build()
        .with_credentials("admin", "pw");
    let mut s = logged_in(&device);
    assert!(cmd(&mut s, "configure").ends_with("\r\n\r\n[edit]\r\nadmin@mx1# "));
    assert!(
        cmd(&mut s, "edit interfaces ge-0/0/1")
            .ends_with("[edit interfaces ge-0/0/1]\r\nadmin@mx1# ")
    );
    cmd(&mut s, "set description \"to server 42\"");
    cmd(&mut s, "set unit 0 family inet address 192.0.2.1/31");
    cmd(&mut s, "top");
    let diff = cmd(&mut s, "show | compare");
    assert!(
        diff.contains("[edit interfaces ge-0/0/1]\r\n+   description \"to server 42\";"),
        "{diff}"
    );
    let set = cmd(&mut s, "show interfaces ge-0/0/1 | display set");
    assert!(
        set.contains("set interfaces ge-0/0/1 description \"to server 42\"\r\n"),
        "{set}"
    );
    // Leaving with uncommitted changes asks first; "no" stays.
    let ask = cmd(&mut s, "exit");
    assert!(
        ask.ends_with("Exit with uncommitted changes? [yes,no] (yes) "),
        "{ask}"
    );
    assert!(cmd(&mut s, "no").ends_with("[edit]\r\nadmin@mx1# "));
    cmd(&mut s, "set system host-name core1");
    // The prompt follows the committed host name only.
    assert!(cmd(&mut s, "show system").ends_with("admin@mx1# "));
    assert!(cmd(&mut s, "commit").ends_with("commit complete\r\n\r\n[edit]\r\nadmin@core1# "));
    assert!(
        cmd(&mut s, "exit configuration-mode")
            .ends_with("Exiting configuration mode\r\n\r\nadmin@core1> ")
    );
    let config = cmd(&mut s, "show configuration");
    assert!(config.contains("    host-name core1;\r\n"), "{config}");
    assert!(
        config.contains("        description \"to server 42\";\r\n"),
        "{config}"
    );
    assert!(
        config.contains("                address 192.0.2.1/31;\r\n"),
        "{config}"
    );
    let terse = cmd(&mut s, "show interfaces terse | match ge-0/0/1");
    assert!(
        terse.contains("ge-0/0/1.0              up    up   inet     192.0.2.1/31"),
        "{terse}"
    );
}

#[test]
fn routing_engine_line_and_paging() {
    let device = JunosEmulator::new("mx1")
        .routing_engine("master:0")
        .page_lines(10)
        .build()
        .with_login_type(crate::LoginType::None);
    let mut s = device.session();
    assert!(s.start().text.ends_with("\r\n{master:0}\r\nroot@mx1> "));
    let first = cmd(&mut s, "show version");
    assert!(first.ends_with("---(more)---"), "{first}");
    let next = s.feed(b" ").text;
    assert!(next.starts_with("\r            \r"), "{next:?}");
    let rest = s.feed(b"q").text;
    assert!(rest.ends_with("{master:0}\r\nroot@mx1> "), "{rest:?}");
    assert_eq!(
        cmd(&mut s, "set cli screen-length 0"),
        "set cli screen-length 0\r\nScreen length set to 0\r\n\r\n{master:0}\r\nroot@mx1> "
    );
    assert!(!cmd(&mut s, "show version").contains("more"));
    assert!(cmd(&mut s, "configure").ends_with("\r\n{master:0}[edit]\r\nroot@mx1# "));
}

#[test]
fn complete_on_space_follows_the_keyword() {
    let device = JunosEmulator::new("mx1")
        .page_lines(0)
        .build()
        .with_login_type(crate::LoginType::None);
    let mut s = device.session();
    s.start();
    assert!(cmd(&mut s, "set cli complete-on-space on").contains("\r\nEnabling"));
    assert!(cmd(&mut s, "set cli complete-on-space of").contains("\r\nDisabling"));
    // A filter after the keyword does not change it.
    assert_eq!(
        cmd(&mut s, "set cli complete-on-space on | match Enabling"),
        "set cli complete-on-space on | match Enabling\r\nEnabling complete-on-space\r\n\r\nroot@mx1> "
    );
}
