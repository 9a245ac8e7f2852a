use super::*;
use crate::LoginType;
use crate::testing::cmd;

#[test]
fn login_notice_and_failure() {
    let device = device("sr1").with_credentials("admin", "pw");
    let mut s = device.session();
    s.start();
    s.feed(b"admin\r");
    assert_eq!(s.feed(b"bad\r").text, "\r\n\r\nLogin incorrect\r\nLogin: ");
    s.feed(b"admin\r");
    let text = s.feed(b"pw\r").text;
    assert!(text.contains("\r\n SR OS Software\r\n"), "{text:?}");
    assert!(text.ends_with("\r\nA:sr1# "), "{text:?}");
}

#[test]
fn contexts_errors_and_configuration() {
    let device = SrosEmulator::new("sr1")
        .page_lines(0)
        .build()
        .with_login_type(LoginType::None);
    let mut s = device.session();
    s.start();
    assert_eq!(
        cmd(&mut s, "show routr interface"),
        format!(
            "show routr interface\r\n{}^\r\nError: Bad command.\r\nA:sr1# ",
            " ".repeat(7 + 5)
        )
    );
    assert!(cmd(&mut s, "show").contains("Error: Missing parameter"));
    assert!(cmd(&mut s, "configure").ends_with("\r\nA:sr1>config# "));
    assert!(cmd(&mut s, "router").ends_with("\r\nA:sr1>config>router# "));
    assert!(cmd(&mut s, "interface \"to-pe2\"").ends_with("\r\n*A:sr1>config>router>if$ "));
    cmd(&mut s, "address 10.0.0.1/31");
    assert!(cmd(&mut s, "port 9/9/9").contains("MINOR: CLI Port 9/9/9 is not provisioned."));
    cmd(&mut s, "port 1/1/2");
    assert!(
        cmd(&mut s, "info")
            .contains("            address 10.0.0.1/31\r\n            port 1/1/2\r\n")
    );
    assert!(cmd(&mut s, "exit").ends_with("*A:sr1>config>router# "));
    assert!(cmd(&mut s, "interface \"to-pe2\"").ends_with("*A:sr1>config>router>if# "));
    cmd(&mut s, "exit all");
    let text = cmd(&mut s, "configure");
    assert!(text.ends_with("*A:sr1>config# "), "{text:?}");
    cmd(&mut s, "system");
    assert!(cmd(&mut s, "name \"pe9\"").ends_with("*A:pe9>config>system# "));
    assert!(cmd(&mut s, "exit all").ends_with("*A:pe9# "));
    let brief = cmd(&mut s, "show router interface");
    assert!(
        brief.contains(
            "to-pe2                           Up        Up/Down     Network 1/1/2\r\n   10.0.0.1/31"
        ),
        "{brief}"
    );
    let config = cmd(&mut s, "admin display-config | match to-pe2");
    assert!(config.contains("        interface \"to-pe2\""), "{config}");
    assert!(cmd(&mut s, "admin save").ends_with("Completed.\r\nA:pe9# "));
}

#[test]
fn pager_prompt() {
    let device = SrosEmulator::new("sr1")
        .page_lines(10)
        .build()
        .with_login_type(LoginType::None);
    let mut s = device.session();
    s.start();
    assert!(cmd(&mut s, "show port").ends_with("\r\nPress any key to continue (Q to quit)"));
    let next = s.feed(b" ").text;
    assert!(
        next.starts_with(&format!("\r{}\r", " ".repeat(37))),
        "{next:?}"
    );
    assert_eq!(
        cmd(&mut s, "environment no more"),
        "environment no more\r\nA:sr1# "
    );
}
