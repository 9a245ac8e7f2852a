//! A job graph over two emulated Cisco IOS routers.
//!
//! - `collect` reads r1's clock into a variable (a capture);
//! - `report` writes it into an interface description on r2 with a
//!   deferred command, rendered once the value is known;
//! - `inventory`, a nested scheduler, runs `show ip interface brief` on
//!   both routers at once;
//! - `heartbeat` runs in the background (`forever`) until the rest is done;
//! - `optional` fails, but is not critical, so the run goes on.
//!
//! Output lines are printed as `host:line`. At the end the graph is listed,
//! debriefed and exported as DOT.
//!
//! ```text
//! cargo run -p oxscript-jobs --example graph
//! ```

use std::sync::Arc;

use oxscript_core::{Account, Host};
use oxscript_emulator::{TelnetServer, ios};
use oxscript_jobs::format::LineFormatter;
use oxscript_jobs::graph::{Job, Scheduler, Sequence};
use oxscript_jobs::node::{Node, NodeOptions};
use oxscript_jobs::session_job::SessionJob;
use oxscript_jobs::vars::Variables;
use oxscript_jobs::{Error, Value};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let r1 = TelnetServer::bind(
        "127.0.0.1:0",
        ios::device("R1").with_credentials("admin", "cisco"),
    )
    .await?;
    let r2 = TelnetServer::bind(
        "127.0.0.1:0",
        ios::device("R2").with_credentials("admin", "cisco"),
    )
    .await?;

    // One lazy connection per router, shared by every job on it.
    let options = NodeOptions {
        formatter: Some(Arc::new(LineFormatter::colon())),
        ..NodeOptions::default()
    };
    let node = |url: String, name: &str| -> Result<Node, oxscript_jobs::Error> {
        let mut host = Host::new(&url)?;
        host.set_name(name);
        host.set_account(Some(Account::new("admin", "cisco")));
        Ok(Node::with_options(host, options.clone()))
    };
    let n1 = node(r1.url(), "r1")?;
    let n2 = node(r2.url(), "r2")?;

    let vars = Variables::new();
    let scheduler = Scheduler::labelled("example").with_window(4);

    // collect -> report, a sequence exchanging a value through `vars`.
    let seq = Sequence::new([
        SessionJob::new(&n1)
            .capture("show clock", "r1_clock")
            .with_variables(&vars)
            .with_label("collect")
            .into_job(),
        SessionJob::new(&n2)
            .run("configure terminal")
            .run("interface Loopback0")
            .run_deferred("description r1 clock was {{r1_clock}}")
            .run("end")
            .run("show running-config")
            .with_variables(&vars)
            .with_label("report")
            .into_job(),
    ]);
    scheduler.add_sequence(&seq);

    // A nested scheduler: both inventories at once, after `collect`.
    let inventory = Scheduler::labelled("inventory");
    inventory.add(
        SessionJob::new(&n1)
            .run("show ip interface brief")
            .into_job(),
    );
    inventory.add(
        SessionJob::new(&n2)
            .run("show ip interface brief")
            .into_job(),
    );
    if let Some(collect) = seq.first() {
        scheduler.add(inventory.into_job("inventory").requires(collect));
    }

    // A background job, cancelled when the others are done.
    scheduler.add(
        Job::new("heartbeat", || async {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        })
        .forever(true)
        .critical(false),
    );

    // A failure that does not stop the run.
    scheduler.add(
        Job::new("optional", || async {
            Err::<Value, _>(Error::msg("feature not licensed"))
        })
        .critical(false),
    );

    println!("--- graph before the run\n{}", scheduler.list());
    let result = scheduler.run().await;
    println!("--- run result: {result:?}");
    println!("--- captured from r1: {:?}", vars.get("r1_clock"));
    println!("--- debrief\n{}", scheduler.debrief());
    println!("--- DOT (render with `dot -Tsvg`)\n{}", scheduler.to_dot());

    r1.shutdown().await;
    r2.shutdown().await;
    result.map_err(Into::into)
}
