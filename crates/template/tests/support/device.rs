//! The device the template conformance tests (and the Exscript recordings
//! of their expected transcripts) run against: Exscript's default virtual
//! device (`Welcome to dummy!`, `User: `, `Password: `, prompt `dummy> `,
//! any credentials) with a few commands whose output exercises the
//! language.

use oxscript_emulator::{Handler, VirtualDevice};

/// The conformance device. Commands (each followed by the prompt unless
/// said otherwise):
/// - `ls -1 …`: `hello` and `testme`;
/// - `ls -l NAME`: a long listing line for NAME;
/// - `echo TEXT`: TEXT, as received;
/// - `show ip int brie…`: an IOS-style interface table;
/// - `count N`: the numbers 1 to N, one per line;
/// - `blank`: output with blank lines inside and around it;
/// - `fail …`: `% Invalid input detected at '^' marker.` (an error line);
/// - `confirm`: asks `Proceed? [confirm]` (no prompt), the next line gets
///   `confirmed: LINE`;
/// - anything else: no output.
pub(crate) fn device() -> VirtualDevice {
    build().unwrap_or_else(|e| unreachable!("the conformance device's patterns compile: {e}"))
}

fn build() -> Result<VirtualDevice, oxscript_emulator::Error> {
    VirtualDevice::new("dummy")
        .with_command(r"ls -1.*", "hello\ntestme", true)?
        .with_command(
            r"ls -l (.+)",
            Handler::func(|_, caps| format!("-rw-r--r-- 1 sab sab 0 Jan  1 00:00 {}", &caps[1])),
            true,
        )?
        .with_command(
            r"echo(?: (.*))?$",
            Handler::func(|_, caps| caps.get(1).map_or("", |m| m.as_str()).to_owned()),
            true,
        )?
        .with_command(r"show ip int(?:erface)? brie.*", INTERFACES, true)?
        .with_command(
            r"count (\d+)",
            Handler::func(|_, caps| {
                let n: usize = caps[1].parse().unwrap_or(0);
                (1..=n.min(1000))
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            true,
        )?
        .with_command(r"blank", "\nfirst\n\nthird\n\n", true)?
        .with_command(r"fail.*", "% Invalid input detected at '^' marker.", true)?
        .with_command(
            r"confirm",
            Handler::func(|ctx, _| {
                ctx.read_line(false, |_, line| format!("confirmed: {line}"));
                "Proceed? [confirm]".to_owned()
            }),
            true,
        )?
        .with_command(r".*", "", true)
}

const INTERFACES: &str = "\
Interface              IP-Address      OK? Method Status                Protocol
Ethernet0              10.108.00.5     YES NVRAM  up                    up
Ethernet1              unassigned      YES unset  administratively down down
Loopback0              10.108.200.5    YES NVRAM  up                    up
Serial0/2              10.108.100.5    YES NVRAM  up                    up";
