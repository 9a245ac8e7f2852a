//! A serial console on a remote host (execo `SerialSsh`): the pty pair
//! is on the sshd's machine; the Session reaches the console end over
//! SSH and logs into the emulator served on the device end.

use oxscript::transport::ssh::AuthMethod;
use oxscript::{Host, Session, SessionOptions};

use crate::interop;
use crate::pty_pair::{PtyPair, login_over_console};

#[tokio::test]
async fn a_serial_console_over_ssh_logs_into_the_emulator() {
    let Some(env) = interop() else { return };
    let Some(pair) = PtyPair::new("ssh").await else {
        return;
    };
    let mut host = Host::new(&format!("serial://{}?baud=115200", pair.path("console"))).unwrap();
    host.set_gateway(Some(env.ssh_host(env.ssh_port, env.key_account())));
    let options = SessionOptions {
        ssh: env.options(&[AuthMethod::PublicKey]),
        ..SessionOptions::default()
    };
    login_over_console(pair, host, options, "remote-con").await;

    // A device that cannot be set up: stty's complaint comes back.
    let mut missing = Host::new("serial:///nonexistent/oxscript-tty").unwrap();
    missing.set_gateway(Some(env.ssh_host(env.ssh_port, env.key_account())));
    let options = SessionOptions {
        ssh: env.options(&[AuthMethod::PublicKey]),
        ..SessionOptions::default()
    };
    let err = Session::connect_with(&missing, options)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("stty") && err.contains("/nonexistent/oxscript-tty"),
        "{err}"
    );
}
