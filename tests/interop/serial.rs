//! A serial console on a remote host (execo `SerialSsh`): the pty pair
//! is on the sshd's machine; the Session reaches the console end over
//! SSH and logs into the emulator served on the device end.

use oxscript::emulator::{ios, serve_stream};
use oxscript::transport::serial::open_local;
use oxscript::transport::ssh::AuthMethod;
use oxscript::{Account, Host, Session, SessionOptions};

use crate::interop;
use crate::pty_pair::{DEADLINE, PtyPair};

#[tokio::test]
async fn a_serial_console_over_ssh_logs_into_the_emulator() {
    let Some(env) = interop() else { return };
    let Some(pair) = PtyPair::new("ssh").await else {
        return;
    };
    let mut host = Host::new(&format!("serial://{}?baud=115200", pair.path("console"))).unwrap();
    host.set_account(Some(Account::new("admin", "secret")));
    host.set_gateway(Some(env.ssh_host(env.ssh_port, env.key_account())));
    let options = SessionOptions {
        ssh: env.options(&[AuthMethod::PublicKey]),
        ..SessionOptions::default()
    };
    let mut session = tokio::time::timeout(DEADLINE, Session::connect_with(&host, options))
        .await
        .unwrap()
        .unwrap();
    let device = open_local(&pair.path("device"), 115_200).unwrap();
    let served = tokio::spawn(serve_stream(
        device,
        ios::device("remote-con")
            .with_credentials("admin", "secret")
            .session(),
    ));
    tokio::time::timeout(DEADLINE, session.login())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.prompt(), Some("remote-con#"));
    let r = session.execute("show version").await.unwrap();
    assert!(r.text().contains("Cisco IOS"), "{}", r.text());
    session.close().await.unwrap();
    drop(pair);
    let _ = tokio::time::timeout(DEADLINE, served).await;

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
