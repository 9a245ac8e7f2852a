use super::*;
use crate::DeviceSession;
use crate::testing::answer;

fn login(device: VirtualDevice, user: &str, password: &str) -> (DeviceSession, String) {
    let mut s = device.session();
    s.start();
    s.feed(format!("{user}\r").as_bytes());
    let text = s.feed(format!("{password}\r").as_bytes()).text;
    (s, text)
}

#[test]
fn login_banner_and_motd() {
    let mut s = device("web1").session();
    assert_eq!(s.start().text, "Debian GNU/Linux 12\r\nweb1 login: ");
    assert_eq!(s.feed(b"alice\r\n").text, "alice\r\nPassword: ");
    let motd = s.feed(b"pw\r\n").text;
    assert!(
        motd.starts_with("\r\nLinux web1 6.1.0-18-amd64 #1 SMP"),
        "{motd:?}"
    );
    assert!(motd.contains("Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY"));
    assert!(motd.ends_with("permitted by applicable law.\r\nalice@web1:~$ "));
}

#[test]
fn login_incorrect() {
    let d = device("web1").with_credentials("alice", "pw");
    let (mut s, text) = login(d, "alice", "bad");
    assert_eq!(text, "\r\n\r\nLogin incorrect\r\nweb1 login: ");
    s.feed(b"alice\r");
    assert!(s.feed(b"pw\r").text.ends_with("alice@web1:~$ "));
}

#[test]
fn basic_commands() {
    let (mut s, _) = login(device("web1"), "alice", "pw");
    let p = "alice@web1:~$ ";
    assert_eq!(
        answer(&mut s, "uname -a"),
        format!("Linux web1 {KERNEL} {KERNEL_VERSION} x86_64 GNU/Linux\r\n{p}")
    );
    assert_eq!(answer(&mut s, "uname"), format!("Linux\r\n{p}"));
    assert_eq!(answer(&mut s, "whoami"), format!("alice\r\n{p}"));
    assert_eq!(answer(&mut s, "hostname"), format!("web1\r\n{p}"));
    assert_eq!(answer(&mut s, "pwd"), format!("/home/alice\r\n{p}"));
    assert_eq!(
        answer(&mut s, "echo hello   world"),
        format!("hello world\r\n{p}")
    );
    assert_eq!(
        answer(&mut s, "echo '$USER' \"$USER\""),
        format!("$USER alice\r\n{p}")
    );
    assert_eq!(answer(&mut s, "ls"), format!("backup.sh  notes.txt\r\n{p}"));
    assert!(
        answer(&mut s, "cat /etc/os-release")
            .starts_with("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\r\n")
    );
    assert_eq!(
        answer(&mut s, "cat /nope"),
        format!("cat: /nope: No such file or directory\r\n{p}")
    );
    assert_eq!(answer(&mut s, "true"), p);
    assert_eq!(answer(&mut s, "echo $?"), format!("0\r\n{p}"));
    assert_eq!(answer(&mut s, "false"), p);
    assert_eq!(answer(&mut s, "echo $?"), format!("1\r\n{p}"));
    assert_eq!(
        answer(&mut s, "frobnicate --all"),
        format!("-bash: frobnicate: command not found\r\n{p}")
    );
    assert_eq!(answer(&mut s, "echo $?"), format!("127\r\n{p}"));
}

#[test]
fn cd_changes_the_prompt() {
    let (mut s, _) = login(device("web1"), "bob", "pw");
    assert_eq!(answer(&mut s, "cd /var/log"), "bob@web1:/var/log$ ");
    assert_eq!(answer(&mut s, "pwd"), "/var/log\r\nbob@web1:/var/log$ ");
    assert_eq!(
        answer(&mut s, "ls"),
        "apt  auth.log  dpkg.log  syslog\r\nbob@web1:/var/log$ "
    );
    assert_eq!(answer(&mut s, "cd .."), "bob@web1:/var$ ");
    assert_eq!(
        answer(&mut s, "cd nowhere"),
        "-bash: cd: nowhere: No such file or directory\r\nbob@web1:/var$ "
    );
    assert_eq!(answer(&mut s, "cd"), "bob@web1:~$ ");
    assert_eq!(
        answer(&mut s, "cd /root"),
        "-bash: cd: /root: No such file or directory\r\nbob@web1:~$ "
    );
}

#[test]
fn sudo_and_su() {
    let d = device("web1")
        .with_credentials("alice", "pw")
        .with_enable_password("rootpw");
    let (mut s, _) = login(d, "alice", "pw");
    assert_eq!(answer(&mut s, "sudo -s"), "Password: ");
    assert_eq!(s.feed(b"bad\r").text, "\r\nSorry, try again.\r\nPassword: ");
    assert_eq!(s.feed(b"pw\r").text, "\r\nroot@web1:~# ");
    assert_eq!(answer(&mut s, "whoami"), "root\r\nroot@web1:~# ");
    assert_eq!(answer(&mut s, "exit"), "exit\r\nalice@web1:~$ ");

    assert_eq!(answer(&mut s, "su -"), "Password: ");
    assert_eq!(
        s.feed(b"pw\r").text,
        "\r\nsu: Authentication failure\r\nalice@web1:~$ "
    );
    answer(&mut s, "su -");
    assert_eq!(s.feed(b"rootpw\r").text, "\r\nroot@web1:~# ");
    answer(&mut s, "exit");

    assert_eq!(answer(&mut s, "sudo whoami"), "Password: ");
    assert_eq!(s.feed(b"pw\r").text, "\r\nroot\r\nalice@web1:~$ ");

    answer(&mut s, "sudo -i");
    for _ in 0..2 {
        s.feed(b"x\r");
    }
    assert_eq!(
        s.feed(b"x\r").text,
        "\r\nsudo: 3 incorrect password attempts\r\nalice@web1:~$ "
    );
}

#[test]
fn exit_logs_out() {
    let (mut s, _) = login(device("web1"), "alice", "pw");
    let out = s.feed(b"exit\r");
    assert_eq!(out.text, "exit\r\nlogout\r\n");
    assert!(out.close);
}

#[test]
fn ps1_with_status_and_nested_bash() {
    let (mut s, _) = login(device("web1"), "alice", "pw");
    let set = r"PS1='<\u@\h:$?>\$ ' 2>/dev/null; bind 'set enable-bracketed-paste off'";
    assert_eq!(answer(&mut s, set), "<alice@web1:0>$ ");
    assert_eq!(answer(&mut s, "false"), "<alice@web1:1>$ ");
    assert_eq!(answer(&mut s, "echo $$ >/dev/null"), "<alice@web1:0>$ ");
    assert_eq!(answer(&mut s, "bash"), "bash-5.2$ ");
    assert_eq!(answer(&mut s, "exit"), "exit\r\n<alice@web1:0>$ ");
}

#[test]
fn ssh_host_key_password_and_exit() {
    let d = device("web1").with_credentials("alice", "pw");
    let (mut s, _) = login(d, "alice", "pw");
    let fp = host_key_fingerprint("gw", 2202);
    let q = answer(&mut s, "ssh -p 2202 alice@gw");
    assert!(
        q.contains(&format!("ED25519 key fingerprint is {fp}.")),
        "{q}"
    );
    assert!(q.ends_with("(yes/no/[fingerprint])? "));
    assert_eq!(
        answer(&mut s, "maybe"),
        "Please type 'yes', 'no' or the fingerprint: "
    );
    assert_eq!(
        answer(&mut s, "no"),
        "Host key verification failed.\r\nalice@web1:~$ "
    );
    assert_eq!(answer(&mut s, "echo $?"), "255\r\nalice@web1:~$ ");
    answer(&mut s, "ssh -p 2202 alice@gw");
    let text = answer(&mut s, &fp);
    assert!(text.ends_with("alice@gw's password: "), "{text}");
    assert_eq!(
        s.feed(b"bad\r").text,
        "\r\nPermission denied, please try again.\r\nalice@gw's password: "
    );
    assert!(s.feed(b"pw\r").text.ends_with("alice@gw:~$ "));
    assert_eq!(answer(&mut s, "hostname"), "gw\r\nalice@gw:~$ ");
    assert_eq!(
        answer(&mut s, "exit"),
        "logout\r\nConnection to gw closed.\r\nalice@web1:~$ "
    );
    // Known now: no question, and Ctrl-C abandons the password prompt.
    assert_eq!(
        answer(&mut s, "ssh -p 2202 alice@gw"),
        "alice@gw's password: "
    );
    assert_eq!(s.feed(b"\x03").text, "^C\r\nalice@web1:~$ ");
    assert_eq!(
        answer(&mut s, "ssh x.invalid").lines().next(),
        Some("ssh: Could not resolve hostname x.invalid: Name or service not known")
    );
}

#[test]
fn su_user_telnet_and_python() {
    let d = device("jump")
        .with_credentials("alice", "pw")
        .with_credentials("bob", "bobpw");
    let (mut s, _) = login(d, "alice", "pw");
    answer(&mut s, "su - bob");
    assert_eq!(
        s.feed(b"pw\r").text,
        "\r\nsu: Authentication failure\r\nalice@jump:~$ "
    );
    answer(&mut s, "su - bob");
    assert_eq!(s.feed(b"bobpw\r").text, "\r\nbob@jump:~$ ");
    assert_eq!(answer(&mut s, "sudo -s"), "Password: ");
    assert_eq!(s.feed(b"bobpw\r").text, "\r\nroot@jump:~# ");
    let login = answer(&mut s, "telnet r2 23");
    assert!(login.ends_with("r2 login: "), "{login}");
    answer(&mut s, "alice");
    assert_eq!(
        s.feed(b"nope\r").text,
        "\r\n\r\nLogin incorrect\r\nr2 login: "
    );
    answer(&mut s, "alice");
    assert!(s.feed(b"pw\r").text.ends_with("alice@r2:~$ "));
    assert_eq!(answer(&mut s, "python3 -q"), ">>> ");
    assert_eq!(answer(&mut s, "import sys; sys.ps1 = 'P' + '> '"), "P> ");
    assert_eq!(answer(&mut s, "[1, 'a'] + [None]"), "[1, 'a', None]\r\nP> ");
    assert!(answer(&mut s, "1/0").ends_with("ZeroDivisionError: division by zero\r\nP> "));
    assert_eq!(answer(&mut s, "exit()"), "alice@r2:~$ ");
    assert_eq!(
        answer(&mut s, "exit"),
        "logout\r\nConnection closed by foreign host.\r\nroot@jump:~# "
    );
    assert_eq!(answer(&mut s, "exit"), "exit\r\nbob@jump:~$ ");
    assert_eq!(answer(&mut s, "exit"), "exit\r\nalice@jump:~$ ");
    assert_eq!(answer(&mut s, "sleep 30"), "");
    assert_eq!(s.feed(b"\x03").text, "^C\r\nalice@jump:~$ ");
}
