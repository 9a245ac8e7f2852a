//! Cisco platforms other than IOS: NX-OS, IOS XR, the ASA firewall, the
//! ACE load balancer and the AireOS wireless controller (Exscript's
//! `aironet`).

use crate::fragments::{line_start, login_line, prompt_end};
use crate::pattern::builtin_patterns;
use crate::{Driver, GuessStage};

use super::ios::IOS_PASSWORD;
use super::{
    ConfigLevels, EnableLevels, answers, config_base, enable_base, enable_levels, init, pager_with,
    rules, strings,
};

/// An NX-OS host name, optionally in maintenance mode.
macro_rules! nxos_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}(?:\(maint-mode\))?"
    };
}

const NXOS_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    nxos_host!(),
    r"(?:\([\w.:/+\-]+\))?[>#]",
    prompt_end!()
)];
const NXOS_LEVELS: EnableLevels = enable_levels!(nxos_host!(), r"\(config[\w.:/+\-]*\)#");
const CISCO_USERNAME: &[&str] = &[concat!(
    "(?i)",
    login_line!(),
    r"(?:user ?name|login):[ \t]*$"
)];
const NXOS_ERRORS: &[&str] = &[
    concat!(
        r"(?m)^%[ \t]*(?:Invalid (?:command|input|parameter|number|range|interface)",
        r"|Incomplete command|Ambiguous command|Unknown command)[^\r\n]*"
    ),
    r"(?m)^%[ \t]*(?:Permission denied|Error\b)[^\r\n]*",
    r"(?m)^ERROR:[^\r\n]*",
    r"(?im)^%[ \t]*connection timed out[^\r\n]*",
];

/// Cisco NX-OS (Nexus switches): `switch#`, `switch(config-if)#`,
/// `% Invalid command at '^' marker.`, `terminal length 0` and
/// `terminal width 511`; levels `exec` -> `privilege_exec` (`enable`) ->
/// `configuration` (`configure terminal` / `end`). Guessed from the
/// `Cisco Nexus Operating System (NX-OS) Software` banner.
pub(super) fn nxos() -> Driver {
    Driver {
        name: "nxos".to_owned(),
        aliases: strings(&["cisco_nxos"]),
        description: "Cisco NX-OS (Nexus switches)".to_owned(),
        prompt: builtin_patterns(NXOS_PROMPTS),
        username_prompt: builtin_patterns(CISCO_USERNAME),
        password_prompt: builtin_patterns(IOS_PASSWORD),
        error: builtin_patterns(NXOS_ERRORS),
        init_commands: init(&[&["terminal length 0"], &["terminal width 511"]]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                r"Cisco Nexus Operating System \(NX-OS\) Software",
                95,
            ),
            (
                GuessStage::Response,
                r"Cisco Nexus Operating System|(?m)^[ \t]*NXOS: version",
                95,
            ),
        ]),
        save_config: Some("copy running-config startup-config".to_owned()),
        ..enable_base(NXOS_LEVELS)
    }
}

/// The route processor part of an IOS XR prompt: `RP/0/RSP0/CPU0:`.
macro_rules! xr_node {
    () => {
        r"(?:RP|LC)/\d+/(?:RS?P)?\d+/CPU\d+:[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}"
    };
}

const XR_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    xr_node!(),
    r"(?:\([\w.:/+\-]+\))?#",
    prompt_end!()
)];
const XR_PRIVILEGED: &str = concat!(line_start!(), xr_node!(), "#", prompt_end!());
const XR_CONFIG: &str = concat!(
    line_start!(),
    xr_node!(),
    r"\(config[\w.:/+\-]*\)#",
    prompt_end!()
);
const XR_ERRORS: &[&str] = &[
    concat!(
        r"(?m)^%[ \t]*(?:Invalid input|Incomplete command|Ambiguous command",
        r"|Bad (?:IP address|hostname)|Unknown command)[^\r\n]*"
    ),
    r"(?m)^%[ \t]*Failed to commit[^\r\n]*",
    r"(?m)^%[ \t]*(?:Error|Permission denied|This command is not authorized)\b[^\r\n]*",
    r"(?im)^%[ \t]*connection timed out[^\r\n]*",
];

/// Cisco IOS XR: `RP/0/RSP0/CPU0:router#` prompts, timestamps turned
/// off, paging and width off; levels `privilege_exec` -> `configuration`
/// (`configure terminal` / `end`), committed with `commit`.
pub(super) fn ios_xr() -> Driver {
    Driver {
        name: "ios_xr".to_owned(),
        aliases: strings(&["cisco_iosxr", "cisco_xr", "iosxr"]),
        description: "Cisco IOS XR".to_owned(),
        prompt: builtin_patterns(XR_PROMPTS),
        username_prompt: builtin_patterns(CISCO_USERNAME),
        password_prompt: builtin_patterns(IOS_PASSWORD),
        error: builtin_patterns(XR_ERRORS),
        init_commands: init(&[
            &["terminal exec prompt no-timestamp"],
            &["terminal length 0"],
            &["terminal width 0", "terminal width 512"],
        ]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                concat!(line_start!(), r"(?:RP|LC)/\d+/(?:RS?P)?\d+/CPU\d+:"),
                95,
            ),
            (GuessStage::Response, r"Cisco IOS XR Software", 95),
        ]),
        config_commit: Some("commit".to_owned()),
        commit_confirmed: Some("commit confirmed {seconds}".to_owned()),
        ..config_base(ConfigLevels {
            root: "privilege_exec",
            ..ConfigLevels::new(XR_PRIVILEGED, XR_CONFIG, "configure terminal", "end")
        })
    }
}

/// An ASA host name, optionally with a security context and a failover
/// state: `asa/admin`, `asa/pri/act`.
macro_rules! asa_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}(?:/[\w.\-]+){0,2}"
    };
}

const ASA_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    asa_host!(),
    r"(?:\([\w.:/+\-]+\))?[>#]",
    prompt_end!()
)];
const ASA_LEVELS: EnableLevels = enable_levels!(asa_host!(), r"\([\w.:/+\-]+\)#");
const ASA_ERRORS: &[&str] = &[
    r"(?m)^[ \t]*ERROR:[^\r\n]*",
    concat!(
        r"(?m)^%[ \t]*(?:Invalid input|Incomplete command|Ambiguous command",
        r"|Unknown command|Error\b)[^\r\n]*"
    ),
];

/// Cisco ASA firewalls: `ciscoasa>`, `ciscoasa/admin(config)#`,
/// `ERROR: % Invalid input detected at '^' marker.`, `<--- More --->`,
/// `terminal pager 0`; levels `exec` -> `privilege_exec` (`enable`) ->
/// `configuration` (`configure terminal` / `end`).
pub(super) fn cisco_asa() -> Driver {
    Driver {
        name: "cisco_asa".to_owned(),
        aliases: strings(&["asa"]),
        description: "Cisco ASA firewalls".to_owned(),
        prompt: builtin_patterns(ASA_PROMPTS),
        username_prompt: builtin_patterns(CISCO_USERNAME),
        password_prompt: builtin_patterns(IOS_PASSWORD),
        error: builtin_patterns(ASA_ERRORS),
        init_commands: init(&[&["terminal pager 0", "terminal pager lines 0"]]),
        logout: strings(&["logout"]),
        os_guess: rules(&[
            (
                GuessStage::Head,
                r"Type help or '\?' for a list of available commands\.",
                85,
            ),
            (
                GuessStage::Response,
                r"Cisco Adaptive Security Appliance Software",
                95,
            ),
        ]),
        ..enable_base(ASA_LEVELS)
    }
}

/// An ACE prompt word: the host and its context, `ace1/Admin`.
macro_rules! ace_host {
    () => {
        r"[A-Za-z0-9_][A-Za-z0-9_.:+\-]{0,62}(?:/[\w.\-]+)?"
    };
}

const ACE_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    ace_host!(),
    r"(?:\([\w.:/+\-]+\))?[>#]",
    prompt_end!()
)];
const ACE_LEVELS: EnableLevels = enable_levels!(ace_host!(), r"\([\w.:/+\-]+\)#");
/// `Error: Rserver NOPE does not exist`, `% invalid command detected at
/// '^' marker.`: `Error` is a message after `%` or a colon, not a
/// counter (`Error: 0`) or a column heading (`Error Count`).
const ACE_ERRORS: &[&str] = &[
    r"(?m)^[ \t]*%[ \t]*Error\b[^\r\n]*",
    r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
    r"(?im)^[ \t]*%[ \t]*invalid (?:input|command)[^\r\n]*",
    r"(?im)^[ \t]*%?[ \t]*(?:incomplete|ambiguous) command[^\r\n]*",
    r"(?im)^%?[ \t]*connection timed out[^\r\n]*",
];

/// Cisco Application Control Engine: IOS-like prompts with a context
/// (`ace1/Admin#`), `terminal length 0`, `enable`.
pub(super) fn ace() -> Driver {
    Driver {
        name: "ace".to_owned(),
        aliases: strings(&["cisco_ace"]),
        description: "Cisco Application Control Engine (ACE)".to_owned(),
        prompt: builtin_patterns(ACE_PROMPTS),
        username_prompt: builtin_patterns(CISCO_USERNAME),
        password_prompt: builtin_patterns(IOS_PASSWORD),
        error: builtin_patterns(ACE_ERRORS),
        init_commands: init(&[&["terminal length 0"]]),
        os_guess: rules(&[(GuessStage::Head, r"Cisco Application Control Software", 90)]),
        ..enable_base(ACE_LEVELS)
    }
}

/// The system name of an AireOS controller, in parentheses.
macro_rules! wlc_name {
    () => {
        r"\([A-Za-z0-9_.\- ]{1,31}\)"
    };
}

const WLC_PROMPTS: &[&str] = &[concat!(
    line_start!(),
    wlc_name!(),
    r" (?:config(?: [\w\-]+)*)?>",
    prompt_end!()
)];
const WLC_EXEC: &str = concat!(line_start!(), wlc_name!(), r" >", prompt_end!());
const WLC_CONFIG: &str = concat!(
    line_start!(),
    wlc_name!(),
    r" config(?: [\w\-]+)*>",
    prompt_end!()
);
/// `Incorrect usage. Use the '?' or <TAB> key to list commands.`,
/// `Incorrect input! <WLAN Identifier> must be …`, `Error: Invalid WLAN
/// ID 99` (`Error:` followed by a message, not a counter's number).
const WLC_ERRORS: &[&str] = &[
    r"(?im)^[ \t]*Incorrect (?:usage|input)[^\r\n]*",
    r"(?m)^[ \t]*Error:[ \t]*[^\d\s][^\r\n]*",
];

/// Cisco wireless LAN controllers running AireOS (Exscript's `aironet`):
/// `(Cisco Controller) >` and `(Cisco Controller) config>`, `User:`,
/// `Incorrect usage.` errors, `config paging disable`.
pub(super) fn aironet() -> Driver {
    Driver {
        name: "aironet".to_owned(),
        aliases: strings(&["cisco_wlc", "cisco_aireos"]),
        description: "Cisco wireless LAN controllers (AireOS)".to_owned(),
        prompt: builtin_patterns(WLC_PROMPTS),
        username_prompt: builtin_patterns(&[concat!(
            "(?i)",
            login_line!(),
            r"user(?: ?name)?:[ \t]*$"
        )]),
        password_prompt: builtin_patterns(&[concat!("(?i)", login_line!(), r"password:[ \t]*$")]),
        error: builtin_patterns(WLC_ERRORS),
        pager: pager_with(&[]),
        init_commands: init(&[&["config paging disable"]]),
        logout: strings(&["logout"]),
        login_answers: answers(&[]),
        os_guess: rules(&[
            (GuessStage::Head, r"\(Cisco Controller\)", 90),
            (GuessStage::Head, r"\(WiSM-slot", 90),
            (
                GuessStage::Head,
                concat!(line_start!(), r"\([A-Za-z0-9_.\- ]{1,31}\) >[ \t]*$"),
                75,
            ),
            (GuessStage::Response, r"Cisco Controller|AireOS", 85),
        ]),
        ..config_base(ConfigLevels::new(WLC_EXEC, WLC_CONFIG, "config", "exit"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::{Expect, check};

    #[test]
    fn nxos_expectations() {
        check(
            &nxos(),
            &Expect {
                prompts: &[
                    "switch#",
                    "switch# ",
                    "n9k-01>",
                    "switch(config)#",
                    "switch(config-if)# ",
                    "switch(maint-mode)#",
                    "switch(maint-mode)(config)#",
                ],
                not_prompts: &[
                    "switch#show",
                    "Eth1/1 up description to core>",
                    "[edit]",
                    "switch$",
                    "% Invalid command at '^' marker.",
                ],
                usernames: &["\r\nUser Access Verification\r\nswitch login: ", "login:"],
                passwords: &["\r\nPassword: ", "Password:"],
                errors: &[
                    (
                        "               ^\r\n% Invalid command at '^' marker.\r\n",
                        "% Invalid command at '^' marker.",
                    ),
                    (
                        "% Invalid parameter detected at '^' marker.\r\n",
                        "% Invalid parameter detected at '^' marker.",
                    ),
                    (
                        "% Incomplete command at '^' marker.",
                        "% Incomplete command at '^' marker.",
                    ),
                    ("% Permission denied\r\n", "% Permission denied"),
                    (
                        "ERROR: VLAN 5000 out of range\r\n",
                        "ERROR: VLAN 5000 out of range",
                    ),
                ],
                not_errors: &[
                    "Eth1/1  1  eth  access  up  none  10G(D) --\r\n",
                    "  0 input errors  0 CRC\r\n",
                ],
                login_errors: &[("\r\nLogin incorrect\r\nswitch login: ", "Login incorrect")],
                pagers: &[(" --More-- ", " ")],
                levels: &[
                    ("switch>", "exec"),
                    ("switch#", "privilege_exec"),
                    ("switch(config)#", "configuration"),
                    ("switch(config-if)#", "configuration"),
                    ("switch(maint-mode)(config)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn ios_xr_expectations() {
        check(
            &ios_xr(),
            &Expect {
                prompts: &[
                    "RP/0/RSP0/CPU0:router#",
                    "RP/0/RP0/CPU0:xrv9k# ",
                    "RP/0/RSP0/CPU0:pe1(config)#",
                    "RP/0/RSP0/CPU0:pe1(config-if)#",
                    "RP/0/RSP1/CPU0:pe1(config-bgp-nbr-af)#",
                    "LC/0/1/CPU0:pe1#",
                ],
                not_prompts: &[
                    "router#",
                    "RP/0/RSP0/CPU0:router#show",
                    "RP/0/RSP0/CPU0:router>",
                    "Mon Jan  1 10:00:00.000 UTC",
                ],
                usernames: &["\r\n\r\nUser Access Verification\r\n\r\nUsername: "],
                passwords: &["\r\nPassword: "],
                errors: &[
                    (
                        "Mon Jan  1 10:00:00.000 UTC\r\n          ^\r\n% Invalid input detected at '^' marker.\r\n",
                        "% Invalid input detected at '^' marker.",
                    ),
                    (
                        "% Failed to commit one or more configuration items during a pseudo-atomic operation.",
                        "% Failed to commit one or more configuration items during a pseudo-atomic operation.",
                    ),
                    (
                        "% This command is not authorized\r\n",
                        "% This command is not authorized",
                    ),
                ],
                not_errors: &[
                    "Cisco IOS XR Software, Version 7.3.2\r\n",
                    "Gi0/0/0/0  up  up\r\n",
                    // `show bgp vrf all neighbors … advertised-routes`: a
                    // VRF without that neighbour, among others that have it.
                    "\r\nVRF: CUST-A\r\n------------\r\n% Neighbor not found\r\n",
                ],
                login_errors: &[(
                    "\r\n% Authentication failed\r\n\r\nUsername: ",
                    "% Authentication failed",
                )],
                pagers: &[(" --More-- ", " ")],
                levels: &[
                    ("RP/0/RSP0/CPU0:pe1#", "privilege_exec"),
                    ("RP/0/RSP0/CPU0:pe1(config)#", "configuration"),
                    ("RP/0/RSP0/CPU0:pe1(config-if)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
        assert_eq!(ios_xr().config_commit.as_deref(), Some("commit"));
    }

    #[test]
    fn cisco_asa_expectations() {
        check(
            &cisco_asa(),
            &Expect {
                prompts: &[
                    "ciscoasa>",
                    "ciscoasa#",
                    "ciscoasa(config)#",
                    "ciscoasa(config-if)# ",
                    "asa/admin#",
                    "asa/ctx1(config)#",
                    "fw01/pri/act#",
                ],
                not_prompts: &["ciscoasa# show", "<--- More --->", "Password: "],
                usernames: &["Username: "],
                passwords: &["\r\nPassword: ", "enable\r\nPassword: "],
                errors: &[
                    (
                        "                ^\r\nERROR: % Invalid input detected at '^' marker.\r\n",
                        "ERROR: % Invalid input detected at '^' marker.",
                    ),
                    (
                        "ERROR: object (web) does not exist.\r\n",
                        "ERROR: object (web) does not exist.",
                    ),
                    ("% Incomplete command\r\n", "% Incomplete command"),
                ],
                not_errors: &["Cisco Adaptive Security Appliance Software Version 9.16(4)\r\n"],
                login_errors: &[("\r\nInvalid password\r\n", "Invalid password")],
                pagers: &[("<--- More --->", " "), ("line\r\n<--- More --->", " ")],
                levels: &[
                    ("ciscoasa>", "exec"),
                    ("ciscoasa#", "privilege_exec"),
                    ("asa/admin(config)#", "configuration"),
                    ("ciscoasa(config-network-object)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn ace_expectations() {
        check(
            &ace(),
            &Expect {
                prompts: &[
                    "ace1/Admin#",
                    "ace1/Admin(config)#",
                    "switch/ctx1>",
                    "ace1#",
                ],
                not_prompts: &["ace1/Admin# show", "Description of my ace>"],
                usernames: &["Username: "],
                passwords: &["\r\nPassword: "],
                errors: &[
                    (
                        "          ^\r\n% invalid command detected at '^' marker.\r\n",
                        "% invalid command detected at '^' marker.",
                    ),
                    ("Error: probe not found\r\n", "Error: probe not found"),
                ],
                not_errors: &[
                    "rserver: web1  state: OPERATIONAL\r\n",
                    "Error Count   0\r\nError: 0\r\n",
                ],
                levels: &[
                    ("ace1/Admin>", "exec"),
                    ("ace1/Admin#", "privilege_exec"),
                    ("ace1/Admin(config-rserver-host)#", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }

    #[test]
    fn aironet_expectations() {
        check(
            &aironet(),
            &Expect {
                prompts: &[
                    "(Cisco Controller) >",
                    "(Cisco Controller) config>",
                    "(WLC-5520) >",
                    "(Cisco Controller) config wlan>",
                ],
                not_prompts: &[
                    "(Cisco Controller) > show",
                    "(Cisco Controller)>x",
                    "User:",
                    "router>",
                ],
                usernames: &["\r\n\r\n(Cisco Controller)\r\nUser: "],
                passwords: &["Password:"],
                errors: &[
                    (
                        "Incorrect usage. Use the '?' or <TAB> key to list commands.\r\n",
                        "Incorrect usage. Use the '?' or <TAB> key to list commands.",
                    ),
                    (
                        "Incorrect input! Use 'show ?'\r\n",
                        "Incorrect input! Use 'show ?'",
                    ),
                    ("Error: Invalid WLAN ID 99\r\n", "Error: Invalid WLAN ID 99"),
                ],
                not_errors: &[
                    "Product Version.................................. 8.10.185.0\r\n",
                    "Error: 0\r\n",
                    "f0:18:98:00:00:02  0.0.0.0  ap-b4-f1-2  guest  Error: auth timeout\r\n",
                ],
                pagers: &[("--More-- or (q)uit", " ")],
                levels: &[
                    ("(Cisco Controller) >", "exec"),
                    ("(Cisco Controller) config>", "configuration"),
                ],
                ..Expect::default()
            },
        );
    }
}
