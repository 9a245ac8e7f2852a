//! Fuzzing on stable Rust: generated inputs for the parsers and decoders
//! that read what the network, files and users give, each checked against
//! a property (a reference model, split invariance, no secret shown) and
//! never allowed to panic.
//!
//! ```text
//! cargo run --release --example fuzz -- --seconds 3600            # every target, an hour in all
//! cargo run --release --example fuzz -- --iterations 100000 url   # one target
//! cargo run --release --example fuzz -- --seed 7 --seconds 30      # another seed
//! ```
//!
//! Targets: `telnet` (the Telnet decoder against a reference model, the
//! input cut at random places), `url` (`Url::parse`: no password ever in
//! `Display`, `Debug` or an error), `toml` (driver files, mutated),
//! `inventory` (host and account files, mutated), `ansi` (the ANSI
//! cleaner), `scanner` (the incremental prompt scanner against a full
//! search) and `template` (the template parser, mutated templates).
//!
//! `--seconds` is shared evenly among the targets run. Input `i` of a
//! target is generated from `(seed, i)` alone: a failure prints the seed,
//! the target and the index, and `--seed S --from I --iterations 1 TARGET`
//! replays it. The program exits with status 1 on the first failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use oxscript::drivers::{Pattern, Scanner, find_earliest};
use oxscript::template::{CompileOptions, Template};
use oxscript::transport::strip_ansi;
use oxscript::transport::telnet::{TelnetCodec, TelnetEvent, Verb};
use oxscript::{InventoryOptions, Url, inventory};
use tokio_util::codec::Decoder;

#[path = "support/rng.rs"]
mod rng;

/// Inputs must be reproducible from `(seed, target, index)`, nothing more.
struct Rng(rng::SplitMix64);

impl Rng {
    fn for_case(seed: u64, target: &str, index: u64) -> Rng {
        let mut h = seed ^ 0x9e37_79b9_7f4a_7c15;
        for b in target.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        let mut rng = Rng(rng::SplitMix64(
            h ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03),
        ));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0.next()
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Bytes drawn mostly from `alphabet`, sometimes any byte.
    fn bytes(&mut self, max: usize, alphabet: &[u8]) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len)
            .map(|_| {
                if self.chance(85) {
                    self.pick(alphabet)
                } else {
                    self.next() as u8
                }
            })
            .collect()
    }

    /// Cuts `data` into pieces at random places.
    fn split<'a>(&mut self, data: &'a [u8]) -> Vec<&'a [u8]> {
        let mut pieces = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let most = if self.chance(50) { 4 } else { 64 };
            let n = 1 + self.below(most);
            let end = (at + n).min(data.len());
            pieces.push(&data[at..end]);
            at = end;
        }
        pieces
    }

    /// `text` with a few random edits: bytes flipped, cut, repeated,
    /// deleted or inserted (the result is kept valid UTF-8).
    fn mutate(&mut self, text: &str, inserts: &[&str]) -> String {
        let mut s = text.to_owned();
        for _ in 0..1 + self.below(4) {
            let at = floor_char(&s, self.below(s.len() + 1));
            let end = floor_char(&s, at + self.below(40));
            match self.below(5) {
                0 => s.truncate(at),
                1 => s.replace_range(at..end, ""),
                2 => {
                    let copy = s[at..end].to_owned();
                    s.insert_str(at, &copy);
                }
                3 => s.insert_str(at, self.pick(inserts)),
                _ => {
                    let c = char::from_u32(self.below(0x250) as u32).unwrap_or('?');
                    s.insert(at, c);
                }
            }
        }
        s
    }
}

/// The largest char boundary of `s` at or before `at`.
fn floor_char(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

type Check = fn(&mut Rng) -> Result<(), String>;

const TARGETS: &[(&str, Check)] = &[
    ("telnet", telnet),
    ("url", url),
    ("toml", toml_driver),
    ("inventory", inventory_files),
    ("ansi", ansi),
    ("scanner", scanner),
    ("template", template),
];

// ---------------------------------------------------------------- telnet

const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;
/// The subnegotiation limit of the fuzzed codec: small, so that the
/// "too long: dropped" path is taken often.
const SB_LIMIT: usize = 16;

/// The reference model: the whole input decoded byte by byte, straight
/// from RFC 854 and the codec's documented choices (NVT mode: the NUL of
/// `CR NUL` is dropped; a subnegotiation longer than the limit is dropped
/// whole; a command inside one breaks it; an incomplete sequence at the
/// end is dropped).
fn telnet_model(input: &[u8]) -> Vec<TelnetEvent> {
    let mut events = Vec::new();
    let mut data = Vec::new();
    let flush = |data: &mut Vec<u8>, events: &mut Vec<TelnetEvent>| {
        if !data.is_empty() {
            events.push(TelnetEvent::Data(std::mem::take(data).into()));
        }
    };
    let mut i = 0;
    let mut after_cr = false;
    while i < input.len() {
        let b = input[i];
        if b != IAC {
            if after_cr && b == 0 {
                after_cr = false;
            } else {
                data.push(b);
                after_cr = b == b'\r';
            }
            i += 1;
            continue;
        }
        let Some(&command) = input.get(i + 1) else {
            break;
        };
        after_cr = false;
        if command == IAC {
            data.push(IAC);
            i += 2;
            continue;
        }
        if let Some(verb) = Verb::from_byte(command) {
            let Some(&option) = input.get(i + 2) else {
                break;
            };
            flush(&mut data, &mut events);
            events.push(TelnetEvent::Negotiate { verb, option });
            i += 3;
            continue;
        }
        if command != SB {
            flush(&mut data, &mut events);
            events.push(TelnetEvent::Command(command));
            i += 2;
            continue;
        }
        let Some(&option) = input.get(i + 2) else {
            break;
        };
        // Inside `IAC SB option`.
        let mut j = i + 3;
        let mut payload = Vec::new();
        let mut ended = None;
        while j < input.len() {
            if input[j] != IAC {
                payload.push(input[j]);
                j += 1;
                continue;
            }
            match input.get(j + 1) {
                None => break,
                Some(&IAC) => {
                    payload.push(IAC);
                    j += 2;
                }
                Some(&SE) => {
                    ended = Some((j + 2, true));
                    break;
                }
                Some(_) => {
                    // Broken by a command: dropped, the command is decoded.
                    ended = Some((j, false));
                    break;
                }
            }
        }
        let Some((next, complete)) = ended else {
            break;
        };
        if complete && payload.len() <= SB_LIMIT {
            flush(&mut data, &mut events);
            events.push(TelnetEvent::Subnegotiation {
                option,
                payload: payload.into(),
            });
        }
        i = next;
    }
    flush(&mut data, &mut events);
    events
}

/// Adjacent data events joined (where a read ends cuts data anywhere).
fn joined(events: Vec<TelnetEvent>) -> Vec<TelnetEvent> {
    let mut out: Vec<TelnetEvent> = Vec::new();
    for event in events {
        match (out.last_mut(), event) {
            (Some(TelnetEvent::Data(prev)), TelnetEvent::Data(more)) => {
                let mut both = prev.to_vec();
                both.extend_from_slice(&more);
                *prev = both.into();
            }
            (_, event) => out.push(event),
        }
    }
    out
}

fn telnet(rng: &mut Rng) -> Result<(), String> {
    let alphabet = [
        IAC, IAC, IAC, SB, SE, 251, 252, 253, 254, 241, 0, b'\r', b'\n', b'a', 24, 31,
    ];
    let input = rng.bytes(200, &alphabet);
    let mut codec = TelnetCodec::with_max_subnegotiation(SB_LIMIT);
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    for piece in rng.split(&input) {
        buf.extend_from_slice(piece);
        while let Some(event) = codec.decode(&mut buf).map_err(|e| e.to_string())? {
            events.push(event);
        }
    }
    while let Some(event) = codec.decode_eof(&mut buf).map_err(|e| e.to_string())? {
        events.push(event);
    }
    let (got, want) = (joined(events), joined(telnet_model(&input)));
    if got != want {
        return Err(format!(
            "input {:?}\n  decoder {got:?}\n  model   {want:?}",
            input.escape_ascii().to_string()
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------- url

fn url(rng: &mut Rng) -> Result<(), String> {
    // A password that cannot appear anywhere else by chance.
    let special = [
        "/", "?", "#", ":", "@", "%", "%2F", "%40", " ", "[", "]", "\\", "é", "*",
    ];
    let mut password = String::from("Pw");
    for _ in 0..2 + rng.below(6) {
        if rng.chance(40) {
            password.push_str(rng.pick(&special));
        } else {
            password.push(char::from(b'k' + rng.below(10) as u8));
        }
    }
    password.push('Q');
    let protocol = rng.pick(&["telnet://", "ssh://", "ssh2://", "dummy://", "", "bogus://"]);
    let user = rng.pick(&["admin", "", "a:b", "us%20er", "x@y"]);
    let auth = match rng.below(3) {
        0 => String::new(),
        1 => format!(":{password}"),
        _ => ":en%40ble".to_owned(),
    };
    let host = rng.pick(&["router1", "10.0.0.1", "[::1]", "", "h?x", "h/x", "host#1"]);
    let port = rng.pick(&["", ":23", ":0", ":99999", ":x", ":"]);
    let tail = rng.pick(&["", "/", "?a=1&b=2", "?x", "#frag", "/path?k=v"]);
    let mut text = format!("{protocol}{user}:{password}{auth}@{host}{port}{tail}");
    if rng.chance(25) {
        // Mutated: no panic, and a password the parser found is hidden.
        text = rng.mutate(&text, &["@", ":", "/", "?", "%", "%zz"]);
        return match catch_unwind(|| Url::parse(&text)) {
            Err(_) => Err(format!("Url::parse panicked on {text:?}")),
            Ok(Err(_)) => Ok(()),
            Ok(Ok(url)) => {
                let shown = format!("{url} {url:?}");
                let found = url.password.as_ref().map(|p| p.expose().to_owned());
                // What shows of the other fields (where the password may
                // stand by chance, e.g. `lnet` in `telnet`).
                let mut public = url.clone();
                public.password = None;
                public.authorization_password = None;
                let public = format!("{public} {public:?}");
                match found {
                    Some(p) if p.len() >= 4 && !public.contains(&p) && shown.contains(&p) => {
                        Err(format!("the password {p:?} of {text:?} shows in {shown:?}"))
                    }
                    _ => Ok(()),
                }
            }
        };
    }
    let leaked = |shown: &str| shown.contains(&password);
    let shown = match catch_unwind(|| Url::parse(&text)) {
        Ok(Ok(url)) => format!("{url} {url:?}"),
        Ok(Err(e)) => format!("{e} {e:?}"),
        Err(_) => return Err(format!("Url::parse panicked on {text:?}")),
    };
    // A mutation may have cut the password or the `@` after it: only a
    // whole password in user information (before an `@`) is a secret.
    let secret = text.matches(&password).count() == 1
        && text
            .find(&password)
            .is_some_and(|at| text[at + password.len()..].contains('@'));
    if secret && leaked(&shown) {
        return Err(format!("the password of {text:?} shows in {shown:?}"));
    }
    Ok(())
}

// ------------------------------------------------------------------ toml

const DRIVER: &str = include_str!("../crates/drivers/fixtures/ios.toml");

fn toml_driver(rng: &mut Rng) -> Result<(), String> {
    let text = rng.mutate(
        DRIVER,
        &[
            "[",
            "]]",
            "\"",
            "'''",
            "=",
            "\n",
            "(?i",
            "\\",
            "inherit = \"ios\"\n",
            "inherit = \"nope\"\n",
            "prompt = []\n",
            "x = 1e999\n",
        ],
    );
    let mut registry = oxscript::drivers::builtin().clone();
    match registry.load_str(&text, "fuzz.toml") {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("fuzz.toml") => Ok(()),
        Err(e) => Err(format!("the error does not name the file: {e}")),
    }
}

// ------------------------------------------------------------- inventory

fn inventory_files(rng: &mut Rng) -> Result<(), String> {
    let hosts = "router1\ntelnet://admin:Pw/9Q@r2:23\n# comment\nssh://r3?driver=ios\n";
    let csv = "address\tos\tcomment\nr1\tios\tcore\nr2\tjunos\t\"quoted\"\n";
    let accounts = "admin:Pw/9Q\nuser2:Pw:x:yQ:en\n";
    let inserts = ["\t", ":", "\n", "\"", "#", "@", "://", "?a=", "\r"];
    let options = InventoryOptions::default();
    // The password is a secret where it still stands as one (a mutation
    // may have cut its `@` or moved it into another field).
    let kind = rng.below(3);
    let secret = |text: &str| {
        let line = match kind {
            0 => "telnet://admin:Pw/9Q@r2:23",
            1 => return false,
            _ => "admin:Pw/9Q",
        };
        text.matches("Pw/9Q").count() == 1 && text.lines().any(|l| l == line)
    };
    let (text, shown) = match kind {
        0 => {
            let text = rng.mutate(hosts, &inserts);
            let shown = inventory::hosts_from_str(&text, "hosts.txt", &options)
                .map(|h| format!("{h:?}"))
                .unwrap_or_else(|e| format!("{e} {e:?}"));
            (text, shown)
        }
        1 => {
            let text = rng.mutate(csv, &inserts);
            let shown = inventory::hosts_from_csv_str(&text, "hosts.csv", &options)
                .map(|h| format!("{h:?}"))
                .unwrap_or_else(|e| format!("{e} {e:?}"));
            (text, shown)
        }
        _ => {
            let text = rng.mutate(accounts, &inserts);
            let shown = inventory::accounts_from_str(&text, "accounts.txt")
                .map(|a| format!("{a:?}"))
                .unwrap_or_else(|e| format!("{e} {e:?}"));
            (text, shown)
        }
    };
    if secret(&text) && shown.contains("Pw/9Q") {
        return Err(format!("the password of {text:?} shows in {shown:?}"));
    }
    Ok(())
}

// ------------------------------------------------------------------ ansi

fn ansi(rng: &mut Rng) -> Result<(), String> {
    let alphabet = b"\x1b\x1b[[[;0123456789ABCDHJKmD?lh()#\x08\r\nab";
    let input = rng.bytes(300, alphabet);
    let out = strip_ansi(&input);
    // Cursor-back moves become at most 1024 backspaces each.
    let moves = input.windows(2).filter(|w| w == b"\x1b[").count();
    if out.len() > input.len() + 1024 * moves {
        return Err(format!("{} bytes became {}", input.len(), out.len()));
    }
    // Printable text and line ends are left as they are.
    let plain: Vec<u8> = input
        .iter()
        .copied()
        .filter(|&b| (b' '..=b'~').contains(&b) || b == b'\n')
        .collect();
    if strip_ansi(&plain) != plain {
        return Err(format!(
            "plain text changed: {:?}",
            plain.escape_ascii().to_string()
        ));
    }
    // What the cleaner leaves holds no complete control sequence.
    if out.windows(2).any(|w| w == b"\x1b[") && strip_ansi(&out) != out {
        return Err(format!(
            "not clean after one pass: {:?}",
            input.escape_ascii().to_string()
        ));
    }
    Ok(())
}

// --------------------------------------------------------------- scanner

fn scanner(rng: &mut Rng) -> Result<(), String> {
    thread_local! {
        static PROMPTS: Vec<Pattern> = oxscript::drivers::builtin()
            .get("ios")
            .map(|d| d.prompt.clone())
            .unwrap_or_default();
    }
    let words: &[&[u8]] = &[
        b"router#",
        b"router>",
        b"r1(config)#",
        b"\r\n",
        b"\n",
        b"\r",
        b"show ip",
        b" ",
        b"#",
        b">",
        b"--More--",
        b"Gi0/1 up",
        b"\x1b[K",
        b"%",
        b"x",
    ];
    let mut data = Vec::new();
    for _ in 0..rng.below(40) {
        data.extend_from_slice(rng.pick(words));
    }
    PROMPTS.with(|prompts| {
        let mut scanner = Scanner::new(256);
        let mut buf = Vec::new();
        for piece in rng.split(&data) {
            buf.extend_from_slice(piece);
            let incremental = scanner.search(&buf, prompts.iter());
            let full = find_earliest(prompts.iter(), &buf, 0);
            if incremental.as_ref().map(|m| m.range.clone())
                != full.as_ref().map(|m| m.range.clone())
            {
                return Err(format!(
                    "buffer {:?}: incremental {incremental:?}, full {full:?}",
                    buf.escape_ascii().to_string()
                ));
            }
            if incremental.is_some() {
                break;
            }
        }
        Ok(())
    })
}

// -------------------------------------------------------------- template

const TEMPLATES: &[&str] = &[
    "show version\n{extract /^(\\S+) uptime/ as host}\n",
    "{if host is \"r1\"}\nshow clock\n{else}\nshow users\n{end}\n",
    "{loop interfaces as i}\nshow interface $i\n{end}\n",
    "{connection.sendline(\"terminal length 0\")}\n{fail \"stop\" if x is not \"y\"}\n",
    "{x = \"a\" . \"b\"}\n{append \"c\" to x}\n{sys.message(x)}\n",
];

fn template(rng: &mut Rng) -> Result<(), String> {
    let base = rng.pick(TEMPLATES);
    let text = rng.mutate(
        base,
        &[
            "{", "}", "$", "\"", "/", "\\", "{end}", "{if ", " as ", "#", "\n", "{{",
        ],
    );
    let options = CompileOptions {
        variables: vec!["host".into(), "interfaces".into(), "x".into()],
        ..CompileOptions::default()
    };
    match Template::compile(&text, &options) {
        Ok(_) => Ok(()),
        Err(e) if !e.to_string().is_empty() => Ok(()),
        Err(e) => Err(format!("an empty error for {text:?}: {e:?}")),
    }
}

// ---------------------------------------------------------------- runner

struct Args {
    seed: u64,
    from: u64,
    iterations: Option<u64>,
    seconds: Option<f64>,
    targets: Vec<(&'static str, Check)>,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        seed: 1,
        from: 0,
        iterations: None,
        seconds: None,
        targets: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--from" => {
                args.from = value("--from")?
                    .parse()
                    .map_err(|e| format!("--from: {e}"))?
            }
            "--iterations" => {
                args.iterations = Some(
                    value("--iterations")?
                        .parse()
                        .map_err(|e| format!("--iterations: {e}"))?,
                )
            }
            "--seconds" => {
                let s: f64 = value("--seconds")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?;
                if !(s.is_finite() && s > 0.0) {
                    return Err("--seconds must be a positive number".into());
                }
                args.seconds = Some(s);
            }
            "--bench" => {}
            name => match TARGETS.iter().find(|(n, _)| *n == name) {
                Some(target) => args.targets.push(*target),
                None => {
                    let known: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "unknown target `{name}` (known: {})",
                        known.join(", ")
                    ));
                }
            },
        }
    }
    if args.targets.is_empty() {
        args.targets = TARGETS.to_vec();
    }
    if args.iterations.is_none() && args.seconds.is_none() {
        args.seconds = Some(30.0);
    }
    Ok(args)
}

fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("fuzz: {e}");
            std::process::exit(2);
        }
    };
    // Panics are caught and reported with the case; no default message.
    std::panic::set_hook(Box::new(|_| {}));
    let share = args
        .seconds
        .map(|s| Duration::from_secs_f64(s / args.targets.len() as f64));
    let mut failed = false;
    for (name, check) in &args.targets {
        let started = Instant::now();
        let mut index = args.from;
        let mut ran = 0u64;
        loop {
            if args.iterations.is_some_and(|n| ran >= n)
                || share.is_some_and(|s| started.elapsed() >= s)
            {
                break;
            }
            let mut rng = Rng::for_case(args.seed, name, index);
            let result = catch_unwind(AssertUnwindSafe(|| check(&mut rng))).unwrap_or_else(|p| {
                let what = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                Err(format!("panicked: {what}"))
            });
            if let Err(why) = result {
                println!(
                    "FAIL {name} seed {} case {index} (replay: --seed {} --from {index} --iterations 1 {name})\n  {why}",
                    args.seed, args.seed
                );
                failed = true;
                break;
            }
            index += 1;
            ran += 1;
        }
        println!(
            "{name:<10} {ran:>10} inputs in {:>6.1?} seed {}",
            started.elapsed(),
            args.seed
        );
    }
    if failed {
        std::process::exit(1);
    }
}
