use super::*;
use crate::LoginType;
use crate::testing::cmd;

#[test]
fn login_with_password_change_question() {
    let device = VrpEmulator::new("S5720")
        .password_change_prompt(true)
        .build()
        .with_credentials("admin", "pw");
    let mut s = device.session();
    s.start();
    s.feed(b"admin\r");
    assert_eq!(
        s.feed(b"bad\r").text,
        "\r\n\r\nError: Local authentication is rejected.\r\nUsername:"
    );
    s.feed(b"admin\r");
    let text = s.feed(b"pw\r").text;
    assert!(text.ends_with("Change now? [Y/N]: "), "{text:?}");
    let text = cmd(&mut s, "N");
    assert!(
        text.starts_with("N\r\nInfo: The max number of VTY users is 5, and the number\r\n"),
        "{text:?}"
    );
    assert!(text.ends_with("\r\n<S5720>"), "{text:?}");
}

#[test]
fn views_errors_and_configuration() {
    let device = VrpEmulator::new("S5720")
        .page_lines(0)
        .build()
        .with_login_type(LoginType::None);
    let mut s = device.session();
    s.start();
    assert_eq!(
        cmd(&mut s, "display interfce brief"),
        format!(
            "display interfce brief\r\n{}^\r\nError: Unrecognized command found at '^' position.\r\n<S5720>",
            " ".repeat(7 + 8)
        )
    );
    assert!(cmd(&mut s, "display").contains("Error: Incomplete command found at '^' position."));
    assert!(cmd(&mut s, "sys").ends_with("[S5720]"));
    assert!(cmd(&mut s, "sysname core-sw").ends_with("\r\n[core-sw]"));
    assert!(cmd(&mut s, "int g0/0/3").ends_with("[core-sw-GigabitEthernet0/0/3]"));
    cmd(&mut s, "description to server 7");
    cmd(&mut s, "port link-type trunk");
    cmd(&mut s, "port trunk allow-pass vlan 10 20");
    assert!(cmd(&mut s, "ip address 10.1.1.1 24").contains("layer 2 port"));
    assert!(cmd(&mut s, "interface Vlanif20").ends_with("[core-sw-Vlanif20]"));
    cmd(&mut s, "ip address 10.0.20.1 255.255.255.0");
    assert!(cmd(&mut s, "quit").ends_with("[core-sw]"));
    assert!(cmd(&mut s, "quit").ends_with("<core-sw>"));
    let config = cmd(
        &mut s,
        "display current-configuration | begin GigabitEthernet0/0/3",
    );
    assert!(config.contains("interface GigabitEthernet0/0/3\r\n description to server 7\r\n port link-type trunk\r\n port trunk allow-pass vlan 10 20\r\n#"), "{config}");
    assert!(
        config.contains("interface Vlanif20\r\n ip address 10.0.20.1 255.255.255.0\r\n#"),
        "{config}"
    );
    let brief = cmd(&mut s, "display ip interface brief");
    assert!(
        brief.contains("Vlanif20                          10.0.20.1/24         up         up"),
        "{brief}"
    );
    assert_eq!(
        cmd(&mut s, "screen-length 0 temporary"),
        "screen-length 0 temporary\r\nInfo: The configuration takes effect on the current user terminal interface only.\r\n<core-sw>"
    );
    // The saved configuration is the one of the login until `save`.
    let saved = cmd(&mut s, "display saved-configuration");
    assert!(saved.contains(" sysname S5720\r\n"), "{saved}");
    assert!(!saved.contains("to server 7"), "{saved}");
    assert!(cmd(&mut s, "save").ends_with("Are you sure to continue?[Y/N]"));
    assert_eq!(cmd(&mut s, "n"), "n\r\n<core-sw>");
    assert!(cmd(&mut s, "display saved-configuration").contains(" sysname S5720\r\n"));
    assert!(cmd(&mut s, "save").ends_with("Are you sure to continue?[Y/N]"));
    assert!(cmd(&mut s, "y").contains("Info: Save the configuration successfully."));
    let saved = cmd(&mut s, "display saved-configuration");
    assert!(saved.contains(" sysname core-sw\r\n"), "{saved}");
    assert!(
        saved.contains("interface GigabitEthernet0/0/3\r\n description to server 7\r\n"),
        "{saved}"
    );
}

#[test]
fn markers_and_values_come_from_the_parsed_words() {
    let device = VrpEmulator::new("S5720")
        .page_lines(0)
        .build()
        .with_login_type(LoginType::None);
    let mut s = device.session();
    s.start();
    cmd(&mut s, "system-view");
    // The bad VLAN is marked where it is, not at the first `vla` of
    // the line (the keyword).
    assert_eq!(
        cmd(&mut s, "vlan batch 4 vla"),
        format!(
            "vlan batch 4 vla\r\n{}^\r\nError: Wrong parameter found at '^' position.\r\n[S5720]",
            " ".repeat(7 + 13)
        )
    );
    assert!(cmd(&mut s, "interface GigabitEthernet0/0/2").ends_with("-GigabitEthernet0/0/2]"));
    // The link type is the keyword typed, whatever follows the line.
    cmd(&mut s, "port link-type trunk | count");
    cmd(&mut s, "port link-type hyb");
    cmd(&mut s, "quit");
    assert!(cmd(&mut s, "interface GigabitEthernet0/0/3").ends_with("-GigabitEthernet0/0/3]"));
    cmd(&mut s, "port link-type trunk | count");
    cmd(&mut s, "return");
    let config = cmd(&mut s, "display current-configuration | include link-type");
    assert_eq!(
        config,
        "display current-configuration | include link-type\r\n port link-type hybrid\r\n port link-type trunk\r\n<S5720>"
    );
}

#[test]
fn pager_erases_with_ansi_movements() {
    let device = VrpEmulator::new("S5720")
        .page_lines(8)
        .build()
        .with_login_type(LoginType::None);
    let mut s = device.session();
    s.start();
    assert!(cmd(&mut s, "display version").ends_with("\r\n  ---- More ----"));
    let next = s.feed(b" ").text;
    let erase = format!("\x1b[42D{}\x1b[42D", " ".repeat(42));
    assert!(next.starts_with(&erase), "{next:?}");
}
