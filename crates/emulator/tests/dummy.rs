//! The in-memory `dummy://` connector.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{DEADLINE, read_to_end, read_until};
use oxscript_emulator::{DeviceConnector, LoginType, ios, register_dummy, serve_stream};
use oxscript_transport::dummy;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn registered_device_is_reachable_by_name() {
    register_dummy(
        "emulator-test-r1",
        ios::device("R1").with_credentials("admin", "cisco"),
    );
    let connector = dummy::lookup("emulator-test-r1").expect("registered");
    let mut stream = connector.connect().unwrap();
    let mut buf = String::new();
    read_until(&mut stream, &mut buf, "Username: ").await;
    stream.write_all(b"admin\r\n").await.unwrap();
    read_until(&mut stream, &mut buf, "Password: ").await;
    stream.write_all(b"cisco\r\n").await.unwrap();
    assert_eq!(read_until(&mut stream, &mut buf, "R1>").await, "\r\nR1>");
    stream.write_all(b"sh ver\r\n").await.unwrap();
    let text = read_until(&mut stream, &mut buf, "\r\nR1>").await;
    assert!(text.starts_with("sh ver\r\nCisco IOS Software"));

    // A second connection is an independent session.
    let mut other = connector.connect().unwrap();
    let mut buf2 = String::new();
    read_until(&mut other, &mut buf2, "Username: ").await;

    stream.write_all(b"exit\r\n").await.unwrap();
    read_until(&mut stream, &mut buf, "exit\r\n").await;
    assert_eq!(read_to_end(&mut stream).await, "");
    assert!(dummy::unregister("emulator-test-r1"));
}

#[tokio::test]
async fn connector_and_serve_stream_directly() {
    use oxscript_transport::dummy::Connector;
    let device = ios::device("sw1").with_login_type(LoginType::None);
    let connector = DeviceConnector::new(device.clone());
    assert_eq!(connector.device().hostname(), "sw1");
    let mut stream = connector.connect().unwrap();
    let mut buf = String::new();
    read_until(&mut stream, &mut buf, "sw1>").await;

    let (mut client, server) = tokio::io::duplex(1024);
    let task = tokio::spawn(serve_stream(server, device.session()));
    read_until(&mut client, &mut buf, "sw1>").await;
    client.write_all(b"logout\r").await.unwrap();
    read_until(&mut client, &mut buf, "logout\r\n").await;
    tokio::time::timeout(DEADLINE, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[test]
fn connect_outside_a_runtime_is_an_error() {
    use oxscript_transport::dummy::Connector;
    let connector = DeviceConnector::new(ios::device("R1"));
    let err = match connector.connect() {
        Ok(_) => panic!("connect outside a runtime succeeded"),
        Err(e) => e,
    };
    assert!(err.to_string().contains("Tokio runtime"), "{err}");
}
