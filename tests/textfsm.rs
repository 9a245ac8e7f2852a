//! TextFSM parsing of emulator outputs with the templates in
//! tests/textfsm (written for these tests, in ntc-templates' format):
//! the template chosen by platform and command through the index, a
//! template given directly, records as rows, JSON and typed rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use oxscript::emulator::{ios, junos};
use oxscript::prelude::*;
use oxscript::textfsm::{Error as TextFsmError, Field, TemplateIndex, TextFsmTemplate};

fn templates() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/textfsm")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ios_outputs_parsed_through_the_index() {
    let index = TemplateIndex::open(templates()).unwrap();
    // An IOS-like SSH server without banner: detected, then parsed.
    let served = common::serve_ssh_shell(
        ios::device("R1")
            .with_credentials("admin", "pw")
            .without_banner(),
    )
    .await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    session.login(None).await.unwrap();
    session.autoinit().await.unwrap();

    let brief = session
        .execute_parsed("sh ip int br", &index)
        .await
        .unwrap();
    assert_eq!(
        brief.header(),
        ["INTERFACE", "IP_ADDRESS", "STATUS", "PROTO"]
    );
    assert_eq!(brief.len(), 5);
    assert_eq!(
        brief.get(1, "interface"),
        Some(&Field::Text("GigabitEthernet0/1".into()))
    );
    assert_eq!(
        brief.get(2, "status").and_then(Field::as_text),
        Some("administratively down")
    );
    let json = brief.to_json();
    assert_eq!(json[4]["interface"], "Loopback0");
    assert_eq!(json[4]["ip_address"], "10.255.255.1");

    #[derive(serde::Deserialize)]
    struct Brief {
        interface: String,
        status: String,
    }
    let rows: Vec<Brief> = brief.rows().unwrap();
    let up: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == "up")
        .map(|r| r.interface.as_str())
        .collect();
    assert_eq!(
        up,
        ["GigabitEthernet0/0", "GigabitEthernet0/1", "Loopback0"]
    );

    // A template given directly, on a Response; List values are arrays.
    let template =
        TextFsmTemplate::from_file(templates().join("cisco_ios_show_version.textfsm")).unwrap();
    let version = session.execute("show version").await.unwrap();
    let records = version.parse_textfsm(&template).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records.get(0, "VERSION").and_then(Field::as_text),
        Some("15.7(3)M8")
    );
    assert_eq!(
        records.get(0, "HOSTNAME").and_then(Field::as_text),
        Some("R1")
    );
    assert_eq!(
        records.get(0, "SERIAL").and_then(Field::as_text),
        Some("FTX1840A2BC")
    );
    assert_eq!(
        records.get(0, "LICENSES"),
        Some(&Field::List(vec!["ipbase".into(), "security".into()]))
    );
    assert_eq!(
        records.get(0, "CONFIG_REGISTER").and_then(Field::as_text),
        Some("0x2102")
    );

    // No template for the command: a clear error, nothing sent.
    let err = session
        .execute_parsed("show clock", &index)
        .await
        .unwrap_err();
    assert!(matches!(err, TextFsmError::NoTemplate { .. }), "{err}");
    assert!(err.to_string().contains("ios, cisco_ios"), "{err}");
    // A template's Error action on text it was not written for.
    let brief_template =
        TextFsmTemplate::from_file(templates().join("cisco_ios_show_ip_interface_brief.textfsm"))
            .unwrap();
    let err = version.parse_textfsm(&brief_template).unwrap_err();
    assert!(
        err.to_string()
            .contains("not the output of show ip interface brief"),
        "{err}"
    );
    session.close().await.unwrap();
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junos_terse_with_filldown_and_required() {
    let index = TemplateIndex::open(templates()).unwrap();
    let served = common::serve(
        common::Link::Telnet,
        junos::device("mx1").with_credentials("admin", "pw"),
    )
    .await;
    let host = served.host(Some(Account::new("admin", "pw")));
    let mut session = Session::connect_with(&host, served.options())
        .await
        .unwrap();
    session.login(None).await.unwrap();
    session.autoinit().await.unwrap();
    let terse = session
        .execute_parsed("show interfaces terse", &index)
        .await
        .unwrap();
    // One record per logical interface; the physical one filled down.
    let logical: Vec<(&str, &str, &str)> = terse
        .iter()
        .map(|row| {
            (
                row[0].as_text().unwrap(),
                row[1].as_text().unwrap(),
                row[5].as_text().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        logical,
        [
            ("fxp0", "fxp0.0", "192.168.122.11/24"),
            ("ge-0/0/0", "ge-0/0/0.0", "10.0.12.1/30"),
            ("ge-0/0/1", "ge-0/0/1.0", ""),
            ("lo0", "lo0.0", "10.255.255.11"),
        ]
    );
    session.close().await.unwrap();
    served.stop().await;
}
