//! Property-style checks: a prompt (or pager prompt) is only recognised
//! when it is the last thing received. Followed by any text on the same
//! line, it must not match, for every built-in driver.

use oxscript_drivers::Driver;

const GENERIC: &[&str] = &[
    "[sam123@home ~]$",
    "sam@knip:~/Code/exscript$ ",
    "sam@MyHost-X123#",
    "MyHost-ABC-CDE123>",
    "MyHost-A1(config)%",
    "FA/0/1/2/3(config)$",
    "admin@s-x-a6.a.bc.de.fg:/# ",
    "router>",
    "router(config-if)#",
    "user@host> ",
    "RP/0/RSP0/CPU0:router#",
    "<Huawei>",
    "[~HUAWEI]",
    "A:admin@sros# ",
    "-bash-4.2$ ",
    "root@debian:~# ",
    "[admin@MikroTik] > ",
];

const SHELL: &[&str] = &[
    "[user@host dir]$ ",
    "user@host:~$ ",
    "bash-5.1# ",
    "-bash-4.2$ ",
    "$ ",
    "# ",
    "% ",
    "sam@MacBook-Pro ~ % ",
    "sam@laptop ~/src> ",
    "/ # ",
    "(venv) sam@host:~/proj$ ",
    "(base) [sam@host ~]$ ",
];

const IOS: &[&str] = &[
    "router>",
    "router# ",
    "router(config)#",
    "router(config-if)# ",
    "core-sw01.example.net#",
];

const PAGERS: &[&str] = &[
    " --More-- ",
    "-- More --",
    "---(more 45%)---",
    "<--- More --->",
    "Press any key to continue",
    "Press Q to quit",
];

const PREFIXES: &[&str] = &["", "\r\n", "\n", "output line\r\n"];

/// Where a Session starts searching: the line break before the last line.
fn last_line_break(bytes: &[u8]) -> usize {
    match bytes.iter().rposition(|&b| b == b'\n' || b == b'\r') {
        Some(i) if i > 0 && bytes[i] == b'\n' && bytes[i - 1] == b'\r' => i - 1,
        Some(i) => i,
        None => 0,
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Characters a suffix is made of: printable ASCII, blanks, a backspace,
/// an escape-free control byte and a few non-ASCII letters. No CR or LF:
/// the suffix stays on the prompt's line.
fn alphabet() -> Vec<char> {
    let mut chars: Vec<char> = (0x20u8..0x7f).map(char::from).collect();
    chars.extend(['\t', '\x08', '\x0f', 'é', 'ü', 'Я', '→']);
    chars
}

/// Text that follows a prompt on the same line: at least one non-blank
/// character, and not ending (before trailing blanks) in a prompt
/// character. Such an ending could turn the whole line into a prompt of
/// its own shape: `[~HUAWEI]` followed by `$` reads as the bracketed shell
/// prompt `[~HUAWEI]$`.
fn suffixes(count: usize, seed: u64) -> Vec<String> {
    let chars = alphabet();
    let mut rng = Rng(seed);
    let mut out = vec![
        "x".to_owned(),
        " show version".to_owned(),
        "show".to_owned(),
        "\x08\x08\x08".to_owned(),
        "é".to_owned(),
        "(config)".to_owned(),
        "#x".to_owned(),
        "$ ls".to_owned(),
        " x ".to_owned(),
    ];
    while out.len() < count {
        let len = 1 + rng.below(12);
        let text: String = (0..len).map(|_| chars[rng.below(chars.len())]).collect();
        let trimmed = text.trim_end_matches([' ', '\t']);
        let Some(last) = trimmed.chars().last() else {
            continue;
        };
        if "$#>%]".contains(last) {
            continue;
        }
        out.push(text);
    }
    out
}

fn check(driver: &Driver, prompts: &[&str], seed: u64) {
    let suffixes = suffixes(300, seed);
    for prompt in prompts {
        for prefix in PREFIXES {
            let buffer = format!("{prefix}{prompt}");
            let bytes = buffer.as_bytes();
            assert!(
                driver.find_prompt(bytes, last_line_break(bytes)).is_some(),
                "{}: {buffer:?} should be a prompt",
                driver.name
            );
            for suffix in &suffixes {
                let buffer = format!("{prefix}{prompt}{suffix}");
                let bytes = buffer.as_bytes();
                for start in [0, last_line_break(bytes)] {
                    assert_eq!(
                        driver.find_prompt(bytes, start),
                        None,
                        "{}: false prompt in {buffer:?}",
                        driver.name
                    );
                }
            }
        }
    }
}

#[test]
fn generic_prompts_followed_by_text_do_not_match() {
    check(&Driver::generic(), GENERIC, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn shell_prompts_followed_by_text_do_not_match() {
    check(&Driver::shell(), SHELL, 0xd1b5_4a32_d192_ed03);
}

#[test]
fn ios_prompts_followed_by_text_do_not_match() {
    check(&Driver::ios(), IOS, 0x94d0_49bb_1331_11eb);
}

#[test]
fn prompt_followed_by_a_line_break_does_not_match() {
    for driver in [Driver::generic(), Driver::shell(), Driver::ios()] {
        for ending in [
            "\r\n",
            "\n",
            "\r",
            "\r\n\r\n",
            "\r\nBuilding configuration...",
        ] {
            let buffer = format!("router#{ending}");
            assert_eq!(driver.find_prompt(buffer.as_bytes(), 0), None, "{buffer:?}");
        }
    }
}

#[test]
fn pagers_followed_by_text_are_not_answered() {
    let suffixes = suffixes(300, 0x2545_f491_4f6c_dd1d);
    for driver in [Driver::generic(), Driver::shell(), Driver::ios()] {
        for pager in PAGERS {
            let buffer = format!("line\r\n{pager}");
            assert!(
                driver.find_pager(buffer.as_bytes(), 0).is_some(),
                "{buffer:?}"
            );
            for suffix in &suffixes {
                // Dashes, dots and colons only lengthen a pager line
                // ("-- More ---", "Press Q to quit."): still a pager.
                if suffix.trim_matches(['-', '.', ':', ' ', '\t']).is_empty() {
                    continue;
                }
                let buffer = format!("line\r\n{pager}{suffix}");
                if let Some((_, range)) = driver.find_pager(buffer.as_bytes(), 0) {
                    let matched = &buffer.as_bytes()[range];
                    panic!(
                        "{}: pager answered in {buffer:?} ({:?})",
                        driver.name,
                        String::from_utf8_lossy(matched)
                    );
                }
            }
        }
    }
}
