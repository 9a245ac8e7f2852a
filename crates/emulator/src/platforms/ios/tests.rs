use super::*;
use crate::testing::answer;
use crate::{DeviceSession, LoginType};

/// A logged-in session at `R1>`.
fn session_with(device: VirtualDevice) -> DeviceSession {
    let mut s = device.session();
    s.start();
    s.feed(b"admin\r");
    let out = s.feed(b"cisco\r");
    assert!(out.text.ends_with(&s.context().prompt().to_owned()));
    s
}

fn user_session() -> DeviceSession {
    session_with(device("R1"))
}

fn priv_session() -> DeviceSession {
    let mut s = user_session();
    assert_eq!(answer(&mut s, "enable"), "R1#");
    s
}

fn caret(prompt: &str, column: usize) -> String {
    format!(
        "{}^\r\n% Invalid input detected at '^' marker.\r\n\r\n{prompt}",
        " ".repeat(prompt.len() + column)
    )
}

#[test]
fn banner_and_login() {
    let d = device("R1").with_credentials("admin", "cisco");
    let mut s = d.session();
    assert_eq!(
        s.start().text,
        "\r\n\r\nUser Access Verification\r\n\r\nUsername: "
    );
    assert_eq!(s.feed(b"admin\r\n").text, "admin\r\nPassword: ");
    assert_eq!(
        s.feed(b"wrong\r\n").text,
        "\r\n\r\n% Login invalid\r\n\r\nUsername: "
    );
    s.feed(b"admin\r\n");
    assert_eq!(s.feed(b"cisco\r\n").text, "\r\nR1>");
    assert_eq!(s.context().mode(), "user");
    assert!(!s.context().is_privileged());
}

#[test]
fn three_bad_logins_close() {
    let d = device("R1").with_credentials("admin", "cisco");
    let mut s = d.session();
    s.start();
    let mut last = Output::default();
    for _ in 0..3 {
        s.feed(b"admin\r");
        last = s.feed(b"x\r");
    }
    assert_eq!(last.text, "\r\n\r\n% Login invalid\r\n\r\n");
    assert!(last.close);
}

use crate::Output;

#[test]
fn enable_without_password_and_disable() {
    let mut s = user_session();
    assert_eq!(
        answer(&mut s, "show privilege"),
        "Current privilege level is 1\r\nR1>"
    );
    assert_eq!(answer(&mut s, "en"), "R1#");
    assert!(s.context().is_privileged());
    assert_eq!(s.context().mode(), "privileged");
    assert_eq!(
        answer(&mut s, "sh priv"),
        "Current privilege level is 15\r\nR1#"
    );
    assert_eq!(answer(&mut s, "disable"), "R1>");
    assert!(!s.context().is_privileged());
}

#[test]
fn enable_with_password_good_and_bad() {
    let mut s = session_with(device("R1").with_enable_password("s3cret"));
    assert_eq!(answer(&mut s, "enable"), "Password: ");
    assert_eq!(s.feed(b"nope").text, "");
    assert_eq!(s.feed(b"\r\n").text, "\r\n% Access denied\r\n\r\nR1>");
    assert_eq!(answer(&mut s, "enable"), "Password: ");
    assert_eq!(s.feed(b"s3cret\r\n").text, "\r\nR1#");
    // Already privileged: no password asked.
    assert_eq!(answer(&mut s, "enable"), "R1#");
}

#[test]
fn configuration_modes_and_prompts() {
    let mut s = priv_session();
    assert_eq!(
        answer(&mut s, "configure terminal"),
        "Enter configuration commands, one per line.  End with CNTL/Z.\r\nR1(config)#"
    );
    assert_eq!(s.context().mode(), "config");
    assert_eq!(
        answer(&mut s, "interface GigabitEthernet0/2"),
        "R1(config-if)#"
    );
    assert_eq!(s.context().mode(), "config-if");
    assert_eq!(answer(&mut s, "exit"), "R1(config)#");
    assert_eq!(answer(&mut s, "exit"), "R1#");
    assert_eq!(answer(&mut s, "conf t").lines().last(), Some("R1(config)#"));
    assert_eq!(answer(&mut s, "int gi0/1"), "R1(config-if)#");
    assert_eq!(answer(&mut s, "end"), "R1#");
    // `exit` at exec level ends the session.
    let out = s.feed(b"exit\r");
    assert_eq!(out.text, "exit\r\n");
    assert!(out.close);
}

#[test]
fn interactive_configure() {
    let mut s = priv_session();
    assert_eq!(
        answer(&mut s, "configure"),
        "Configuring from terminal, memory, or network [terminal]? "
    );
    assert_eq!(
        s.feed(b"\r").text,
        "\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nR1(config)#"
    );
}

#[test]
fn configure_is_privileged_only() {
    let mut s = user_session();
    assert_eq!(answer(&mut s, "configure terminal"), caret("R1>", 0));
    assert_eq!(answer(&mut s, "show running-config"), caret("R1>", 5));
    assert_eq!(answer(&mut s, "write"), caret("R1>", 0));
}

#[test]
fn hostname_changes_the_prompt_at_once() {
    let mut s = priv_session();
    answer(&mut s, "conf t");
    assert_eq!(answer(&mut s, "hostname core-1"), "core-1(config)#");
    assert_eq!(s.context().hostname(), "core-1");
    assert_eq!(answer(&mut s, "int lo0"), "core-1(config-if)#");
    // A global command in interface mode goes back to global mode.
    assert_eq!(answer(&mut s, "hostname edge"), "edge(config)#");
    assert_eq!(
        answer(&mut s, "hostname 9bad"),
        "% Hostname contains one or more illegal characters.\r\nedge(config)#"
    );
    assert_eq!(answer(&mut s, "end"), "edge#");
    assert!(answer(&mut s, "show version").contains("edge uptime is"));
}

#[test]
fn interface_changes_show_in_running_config_and_brief() {
    let mut s = priv_session();
    answer(&mut s, "conf t");
    answer(&mut s, "int gi0/2");
    assert_eq!(
        answer(&mut s, "description to server rack 4"),
        "R1(config-if)#"
    );
    assert_eq!(
        answer(&mut s, "ip address 172.16.0.1 255.255.0.0"),
        "R1(config-if)#"
    );
    assert_eq!(answer(&mut s, "no shut"), "R1(config-if)#");
    answer(&mut s, "int gi0/0");
    answer(&mut s, "shutdown");
    answer(&mut s, "no description");
    answer(&mut s, "int Loopback7");
    answer(&mut s, "end");

    let run = answer(&mut s, "show running-config");
    assert!(run.starts_with("Building configuration...\r\n\r\nCurrent configuration : "));
    assert!(run.contains(
        "interface GigabitEthernet0/2\r\n description to server rack 4\r\n ip address 172.16.0.1 255.255.0.0\r\n duplex auto\r\n"
    ));
    assert!(run.contains(
        "interface GigabitEthernet0/0\r\n ip address 192.168.122.10 255.255.255.0\r\n shutdown\r\n"
    ));
    assert!(run.contains("interface Loopback7\r\n no ip address\r\n!"));
    assert!(run.contains("hostname R1\r\n"));
    assert!(run.ends_with("end\r\nR1#"));
    // The byte count is that of the configuration text.
    let count: usize = run
        .lines()
        .find_map(|l| l.strip_prefix("Current configuration : "))
        .and_then(|l| l.strip_suffix(" bytes"))
        .unwrap()
        .parse()
        .unwrap();
    let body_start = run.find("\r\n!\r\nversion").unwrap() + 2;
    let body = &run[body_start..run.len() - "R1#".len()];
    assert_eq!(count, body.replace("\r\n", "\n").len());

    let brief = answer(&mut s, "sh ip int br");
    let lines: Vec<&str> = brief.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Interface              IP-Address      OK? Method Status                Protocol"
    );
    assert_eq!(
        lines[1],
        "GigabitEthernet0/0     192.168.122.10  YES NVRAM  administratively down down"
    );
    assert_eq!(
        lines[3],
        "GigabitEthernet0/2     172.16.0.1      YES manual up                    up"
    );
    assert_eq!(
        lines[4],
        "GigabitEthernet0/3     unassigned      YES unset  administratively down down"
    );
    assert_eq!(
        lines[6],
        "Loopback7              unassigned      YES unset  up                    up"
    );
    assert_eq!(lines.len(), 8);
}

#[test]
fn ip_address_validation() {
    let mut s = priv_session();
    answer(&mut s, "conf t");
    answer(&mut s, "int gi0/3");
    assert_eq!(
        answer(&mut s, "ip address 10.0.0.300 255.0.0.0"),
        caret("R1(config-if)#", 11)
    );
    assert_eq!(
        answer(&mut s, "ip address 10.0.0.1 255.0.255.0"),
        "Bad mask 0xFF00FF00 for address 10.0.0.1\r\nR1(config-if)#"
    );
    assert_eq!(
        answer(&mut s, "ip address 10.0.0.1"),
        "% Incomplete command.\r\n\r\nR1(config-if)#"
    );
}

#[test]
fn show_version_is_realistic() {
    let mut s = user_session();
    let text = answer(&mut s, "sh ver");
    assert!(text.starts_with("Cisco IOS Software, C2900 Software"));
    assert!(text.contains("\r\nR1 uptime is "));
    assert!(text.contains("\r\nProcessor board ID FTX1840A2BC\r\n"));
    assert!(text.contains("\r\n4 Gigabit Ethernet interfaces\r\n"));
    assert!(text.ends_with("Configuration register is 0x2102\r\nR1>"));
    assert!(text.lines().count() >= 35, "{} lines", text.lines().count());
}

#[test]
fn show_clock_and_ping() {
    let mut s = user_session();
    let clock = answer(&mut s, "show clock");
    assert!(
        clock.starts_with('*') && clock.contains(" UTC "),
        "{clock:?}"
    );
    assert_eq!(
        answer(&mut s, "ping 10.0.12.2"),
        "Type escape sequence to abort.\r\nSending 5, 100-byte ICMP Echos to 10.0.12.2, timeout is 2 seconds:\r\n!!!!!\r\nSuccess rate is 100 percent (5/5), round-trip min/avg/max = 1/1/2 ms\r\nR1>"
    );
    let fail = answer(&mut s, "ping 8.8.8.8");
    assert!(fail.contains(".....\r\nSuccess rate is 0 percent (0/5)\r\nR1>"));
    assert_eq!(
        answer(&mut s, "ping nowhere"),
        "% Unrecognized host or address, or protocol not running.\r\n\r\nR1>"
    );
}

#[test]
fn write_memory_and_startup_config() {
    let mut s = priv_session();
    let before = answer(&mut s, "show startup-config");
    assert!(before.starts_with("Using "));
    assert!(before.contains("hostname R1\r\n"));
    answer(&mut s, "conf t");
    answer(&mut s, "hostname R9");
    answer(&mut s, "end");
    assert!(answer(&mut s, "show startup").contains("hostname R1\r\n"));
    assert_eq!(
        answer(&mut s, "wr"),
        "Building configuration...\r\n[OK]\r\nR9#"
    );
    assert!(answer(&mut s, "show startup-config").contains("hostname R9\r\n"));
    assert_eq!(
        answer(&mut s, "write memory"),
        "Building configuration...\r\n[OK]\r\nR9#"
    );
}

#[test]
fn abbreviations() {
    let mut s = priv_session();
    assert!(answer(&mut s, "sh ip int br").starts_with("Interface "));
    assert!(answer(&mut s, "SHOW IP INTERFACE BRIEF").starts_with("Interface "));
    assert_eq!(answer(&mut s, "term len 0"), "R1#");
    assert_eq!(answer(&mut s, "term width 132"), "R1#");
    assert!(answer(&mut s, "conf t").ends_with("R1(config)#"));
    assert_eq!(answer(&mut s, "int gi0/1"), "R1(config-if)#");
    assert_eq!(answer(&mut s, "int GigabitEthernet 0/3"), "R1(config-if)#");
    assert_eq!(answer(&mut s, "desc x"), "R1(config-if)#");
    assert_eq!(answer(&mut s, "do sh ip int br").lines().count(), 7);
    assert_eq!(s.context().prompt(), "R1(config-if)#");
    assert_eq!(answer(&mut s, "ex"), "R1(config)#");
}

#[test]
fn error_markers() {
    let mut s = priv_session();
    assert_eq!(answer(&mut s, "show verx"), caret("R1#", 8));
    assert_eq!(answer(&mut s, "foo"), caret("R1#", 0));
    assert_eq!(answer(&mut s, "  show  bogus"), caret("R1#", 8));
    assert_eq!(answer(&mut s, "show version extra"), caret("R1#", 13));
    assert_eq!(answer(&mut s, "terminal length 999"), caret("R1#", 16));
    assert_eq!(answer(&mut s, "show"), "% Incomplete command.\r\n\r\nR1#");
    assert_eq!(
        answer(&mut s, "sh ip int"),
        "% Incomplete command.\r\n\r\nR1#"
    );
    assert_eq!(
        answer(&mut s, "sh c"),
        "% Ambiguous command:  \"sh c\"\r\nR1#"
    );
    assert_eq!(answer(&mut s, "e"), "% Ambiguous command:  \"e\"\r\nR1#");
    answer(&mut s, "conf t");
    assert_eq!(answer(&mut s, "interface gi0/9"), caret("R1(config)#", 12));
    assert_eq!(answer(&mut s, "interface foo0"), caret("R1(config)#", 11));
    assert_eq!(
        answer(&mut s, "interface gi"),
        "% Incomplete command.\r\n\r\nR1(config)#"
    );
    assert_eq!(answer(&mut s, "do sh verx"), caret("R1(config)#", 9));
    // Interface commands do not exist in global configuration mode.
    assert_eq!(answer(&mut s, "shutdown"), caret("R1(config)#", 0));
    assert_eq!(answer(&mut s, "show version"), caret("R1(config)#", 0));
    // An empty line just shows the prompt.
    assert_eq!(answer(&mut s, ""), "R1(config)#");
}

#[test]
fn paging_and_terminal_length() {
    let mut s = session_with(device("R1").with_paging(20));
    answer(&mut s, "enable");
    let first = answer(&mut s, "show running-config");
    assert!(first.ends_with(" --More-- "));
    assert_eq!(first.matches("\r\n").count(), 20);
    let mut rest = String::new();
    while s.is_paging() {
        rest.push_str(&s.feed(b" ").text);
    }
    assert!(rest.ends_with("end\r\nR1#"));
    assert_eq!(answer(&mut s, "terminal length 0"), "R1#");
    assert!(!answer(&mut s, "show running-config").contains("--More--"));

    let mut s = session_with(
        device("R1")
            .with_paging(20)
            .with_paging_disable_allowed(false),
    );
    assert_eq!(answer(&mut s, "terminal length 0"), "R1>");
    assert!(answer(&mut s, "show version").ends_with(" --More-- "));
}

#[test]
fn privileged_start_and_custom_interfaces() {
    let d = IosEmulator::new("lab")
        .without_interfaces()
        .interface(
            IosInterface::new("FastEthernet0/0")
                .with_mask(Ipv4Addr::new(10, 1, 1, 1), Ipv4Addr::new(255, 255, 255, 0)),
        )
        .serial("ABC123")
        .privileged(true)
        .build()
        .with_login_type(LoginType::None);
    let mut s = d.session();
    assert_eq!(
        s.start().text,
        "\r\n\r\nUser Access Verification\r\n\r\nlab#"
    );
    assert!(s.context().is_privileged());
    let brief = answer(&mut s, "show ip interface brief");
    assert_eq!(brief.lines().count(), 3);
    assert!(brief.contains("FastEthernet0/0        10.1.1.1        YES NVRAM  up"));
    assert!(answer(&mut s, "show version").contains("Processor board ID ABC123"));
}

#[test]
fn user_commands_take_precedence() {
    let d = device("R1")
        .with_login_type(LoginType::None)
        .with_command("show inventory", "NAME: \"Chassis\"", true)
        .unwrap();
    let mut s = d.session();
    s.start();
    assert_eq!(answer(&mut s, "show inventory"), "NAME: \"Chassis\"\r\nR1>");
    assert!(answer(&mut s, "show version").starts_with("Cisco IOS Software"));
}
