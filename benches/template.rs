//! Template speed, printed as a table.
//!
//! ```text
//! cargo bench --bench template
//! ```
//!
//! - `parse`: compiling a 100,000-line template (commands with variables,
//!   assignments, conditions, loops, extracts, function calls);
//! - `statements`: the interpreter's time per statement, on statements
//!   that do not talk to the device (assignments with arithmetic, a
//!   condition, an extract from a variable, a function call);
//! - `commands`: the time per command of a template of `show clock` lines
//!   over Telnet to an emulated IOS router in this process, beside the
//!   same commands sent with `Session::execute`: the difference is what
//!   the interpreter adds to a command.

use std::time::{Duration, Instant};

use oxscript::emulator::{TelnetServer, ios};
use oxscript::template::{CompileOptions, RunOptions, Template, Variables};
use oxscript::{Account, Host, Session};

/// One block of the generated template: 10 lines.
const BLOCK: &str = "\
show interfaces $interface
{count = count + 1}
{if count gt 5 and name matches /^r\\d+$/}
  ping $address
{else}
  {label = name . \"-\" . string.toupper(interface)}
{end}
{loop interfaces as iface}show ip route $iface{end}
show ip interface brief{extract /^(\\S+)\\s+(\\S+)/ as names, addresses}
# a comment line
";

/// A template of `lines` lines made of [`BLOCK`]s; with `distinct`, the
/// regular expressions of each block differ from the others' (so each is
/// checked, not one shared check).
fn generated(lines: usize, distinct: bool) -> String {
    let mut text = String::from(
        "{count = 0}{name = \"r1\"}{interface = \"Gi0/1\"}{address = \"10.0.0.1\"}\n\
         {interfaces = list.new()}{append \"Gi0/1\" to interfaces}\n",
    );
    let block_lines = BLOCK.lines().count();
    let mut count = text.lines().count();
    let mut n = 0;
    while count < lines {
        if distinct {
            text.push_str(
                &BLOCK
                    .replace("/^r\\d+$/", &format!("/^r\\d+-{n}$/"))
                    .replace("(\\S+)/", &format!("(\\S+) {n}/")),
            );
        } else {
            text.push_str(BLOCK);
        }
        count += block_lines;
        n += 1;
    }
    text
}

fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap_or_default()
}

/// Runs `f`, returning its output and the thread's CPU time it took (wall
/// time where that is not available).
async fn cpu_of<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let cpu = thread_cpu();
    let started = Instant::now();
    let out = f.await;
    let wall = started.elapsed();
    match (cpu, thread_cpu()) {
        (Some(a), Some(b)) => (out, b.saturating_sub(a)),
        _ => (out, wall),
    }
}

/// CPU time of the calling thread (Linux: `/proc/thread-self/schedstat`,
/// nanoseconds); `None` elsewhere. Unlike wall time it does not grow when
/// other programs share the cores.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn parse() {
    for (distinct, what) in [
        (false, "regexes repeated"),
        (true, "20,000 distinct regexes"),
    ] {
        let text = generated(100_000, distinct);
        let lines = text.lines().count();
        let options = CompileOptions::default();
        let mut cpu = Duration::MAX;
        let time = best_of(10, || {
            let cpu_start = thread_cpu();
            let started = Instant::now();
            let template =
                Template::compile(&text, &options).expect("the generated template compiles");
            let elapsed = started.elapsed();
            if let (Some(a), Some(b)) = (cpu_start, thread_cpu()) {
                cpu = cpu.min(b.saturating_sub(a));
            }
            drop(template);
            elapsed
        });
        let cpu = if cpu == Duration::MAX {
            String::new()
        } else {
            format!(", {:.1} ms CPU", cpu.as_secs_f64() * 1e3)
        };
        println!(
            "| parse | {lines} lines ({} KB, {what}), best of 10 | {:.1} ms{cpu} ({:.1} M lines/s) |",
            text.len() / 1024,
            time.as_secs_f64() * 1e3,
            lines as f64 / time.as_secs_f64() / 1e6,
        );
    }
}

async fn statements() {
    let n: i64 = 200_000;
    let cases: [(&str, &str, u32); 4] = [
        ("assignment `{x = x + 1}`", "{x = x + 1}", 1),
        (
            "condition `{if x gt 3 and y is \"a\"}…{end}`",
            "{if x gt 3 and y is \"a\"}{z = 1}{end}",
            2,
        ),
        (
            "extract from a 3-line variable",
            "{extract /^(\\w+) (\\d+)$/ as w, d from lines}",
            1,
        ),
        (
            "function call `{u = string.toupper(y)}`",
            "{u = string.toupper(y)}",
            1,
        ),
    ];
    for (name, body, per_iteration) in cases {
        let text = format!(
            "{{x = 0}}{{y = \"a\"}}{{z = 0}}{{lines = list.new()}}\n\
             {{append \"one 1\" to lines}}{{append \"two 2\" to lines}}{{append \"three 3\" to lines}}\n\
             {{loop from 0 to {n}}}{body}{{end}}\n"
        );
        let template =
            Template::compile(&text, &CompileOptions::default()).expect("the benchmark compiles");
        // The loop itself is one statement per iteration too.
        let empty = Template::compile(
            &format!("{{loop from 0 to {n}}}{{end}}\n"),
            &CompileOptions::default(),
        )
        .expect("the benchmark compiles");
        let mut best = Duration::MAX;
        let mut baseline = Duration::MAX;
        for _ in 0..5 {
            best = best.min(
                cpu_of(template.run_without_session(RunOptions::default()))
                    .await
                    .1,
            );
            baseline = baseline.min(
                cpu_of(empty.run_without_session(RunOptions::default()))
                    .await
                    .1,
            );
        }
        let per =
            (best.saturating_sub(baseline)).as_secs_f64() / (n as f64 * f64::from(per_iteration));
        let loop_step = baseline.as_secs_f64() / n as f64;
        println!(
            "| statements | {name} | {:.0} ns CPU per statement (loop step {:.0} ns) |",
            per * 1e9,
            loop_step * 1e9,
        );
    }
}

async fn commands() {
    let device = ios::device("bench1").with_credentials("admin", "cisco");
    let server = TelnetServer::bind("127.0.0.1:0", device)
        .await
        .expect("the emulator starts");
    let mut host = Host::new(&server.url()).expect("the emulator's URL parses");
    host.set_account(Some(Account::new("admin", "cisco")));
    let mut session = Session::connect(&host).await.expect("connects");
    session.login(None).await.expect("logs in");
    let n = 5_000;
    let text = "show clock\n".repeat(n);
    let template =
        Template::compile(&text, &CompileOptions::default()).expect("the template compiles");
    let vars = Variables::new();
    let mut direct = Duration::MAX;
    let mut templated = Duration::MAX;
    for _ in 0..5 {
        let (_, cpu) = cpu_of(async {
            for _ in 0..n {
                session.execute("show clock").await.expect("show clock");
            }
        })
        .await;
        direct = direct.min(cpu);
        let (result, cpu) =
            cpu_of(template.run(&mut session, RunOptions::with_variables(vars.clone()))).await;
        result.expect("the template runs");
        templated = templated.min(cpu);
    }
    let per = |d: Duration| d.as_secs_f64() / n as f64 * 1e6;
    println!(
        "| commands | `show clock` x {n} over Telnet, Session::execute (client and router CPU) | {:.1} µs per command |",
        per(direct)
    );
    println!(
        "| commands | the same lines as a template | {:.1} µs per command ({:+.1} µs) |",
        per(templated),
        per(templated) - per(direct)
    );
    session.close().await.expect("closes");
    server.shutdown().await;
}

// One thread: the emulated router and the client share it, so the
// thread's CPU time is the whole work, whatever else runs on the machine.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    println!("| section | measurement | result |");
    println!("|---|---|---|");
    if wanted("parse") {
        parse();
    }
    if wanted("statements") {
        statements().await;
    }
    if wanted("commands") {
        commands().await;
    }
}
