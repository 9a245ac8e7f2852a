//! Realistic login samples (SSH server version, banner and first prompt,
//! and for some platforms the first command output) and the driver the
//! OS guesser must pick for each: the platform's own, never another.
//! This is what keeps generic evidence (a bare prompt after a blank
//! line, `Username:`, `Last login:`) from winning over specific evidence,
//! the failure of Exscript issue 108 (IOS guessed as OneOS).

use crate::{OsGuesser, builtin};

/// A login sample: the driver expected, the SSH server version (if SSH),
/// the data before authentication, the data after it.
struct Sample {
    driver: &'static str,
    protocol: Option<&'static str>,
    head: &'static [&'static str],
    response: &'static str,
}

const SAMPLES: &[Sample] = &[
    Sample {
        driver: "shell",
        protocol: Some("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
        head: &[
            "Linux web1 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64\r\n",
            "\r\nLast login: Mon Jan  1 10:00:00 2024 from 10.0.0.5\r\n",
            "sam@web1:~$ ",
        ],
        response: "",
    },
    Sample {
        driver: "shell",
        protocol: Some("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6"),
        head: &[
            "Last login: Mon Jan  1 10:00:00 2024 from 10.0.0.5\r\n",
            "[sam@db1 ~]$ ",
        ],
        response: "",
    },
    Sample {
        driver: "ios",
        protocol: None,
        head: &[
            "\r\n\r\nUser Access Verification\r\n\r\nUsername: ",
            "admin\r\nPassword: ",
            "\r\n\r\nrouter>",
        ],
        response: "",
    },
    Sample {
        driver: "ios",
        protocol: Some("SSH-2.0-Cisco-1.25"),
        head: &["\r\n\r\nrouter#"],
        response: "Cisco IOS XE Software, Version 17.09.04a\r\nCisco IOS Software [Cupertino], Catalyst L3 Switch Software\r\n",
    },
    Sample {
        driver: "nxos",
        protocol: Some("SSH-2.0-OpenSSH_8.3"),
        head: &[
            "User Access Verification\r\n",
            "Cisco Nexus Operating System (NX-OS) Software\r\nTAC support: http://www.cisco.com/tac\r\nCopyright (C) 2002-2022, Cisco and/or its affiliates.\r\n",
            "n9k-01# ",
        ],
        response: "",
    },
    Sample {
        driver: "ios_xr",
        protocol: None,
        head: &[
            "\r\n\r\nUser Access Verification\r\n\r\nUsername: ",
            "admin\r\nPassword: ",
            "\r\n\r\nRP/0/RSP0/CPU0:pe1#",
        ],
        response: "",
    },
    Sample {
        driver: "cisco_asa",
        protocol: Some("SSH-2.0-Cisco-1.25"),
        head: &[
            "Type help or '?' for a list of available commands.\r\n",
            "ciscoasa> ",
        ],
        response: "",
    },
    Sample {
        driver: "ace",
        protocol: None,
        head: &[
            "Cisco Application Control Software (ACSW)\r\nTAC support: http://www.cisco.com/tac\r\n",
            "ace1/Admin# ",
        ],
        response: "",
    },
    Sample {
        driver: "aironet",
        protocol: None,
        head: &[
            "\r\n\r\n(Cisco Controller)\r\nUser: ",
            "admin\r\nPassword:",
            "********\r\n(Cisco Controller) >",
        ],
        response: "",
    },
    Sample {
        driver: "eos",
        protocol: Some("SSH-2.0-OpenSSH_7.8"),
        head: &[
            "Last login: Mon Jan  1 10:00:00 2024 from 10.0.0.5\r\n",
            "leaf1>",
        ],
        response: "Arista vEOS-lab\r\nHardware version:\r\nSerial number: 5A8D0C2B\r\nSoftware image version: 4.28.3M\r\n",
    },
    Sample {
        driver: "junos",
        protocol: Some("SSH-2.0-OpenSSH_7.5"),
        head: &[
            "Last login: Mon Jan  1 10:00:00 2024 from 10.0.0.5\r\n",
            "--- JUNOS 21.4R3.15 Kernel 64-bit  JNPR-12.1-20220822.5b32324_buil\r\n",
            "admin@mx1> ",
        ],
        response: "",
    },
    Sample {
        driver: "junos",
        protocol: None,
        head: &["\r\n\r\nAmnesiac (ttyu0)\r\n\r\nlogin: "],
        response: "",
    },
    Sample {
        driver: "junos_erx",
        protocol: None,
        head: &["\r\n\r\nTelnet password:", "\r\nerx1>"],
        response: "Juniper Edge Routing Switch ERX-1440\r\nCopyright (c) 1999-2010 Juniper Networks, Inc.  All rights reserved.\r\n",
    },
    Sample {
        driver: "vrp",
        protocol: None,
        head: &[
            "\r\n\r\nLogin authentication\r\n\r\n\r\nUsername:",
            "admin\r\nPassword:",
            "\r\nInfo: The max number of VTY users is 10, and the number\r\n      of current VTY users on line is 1.\r\n      The current login time is 2024-01-01 10:00:00.\r\n",
            "<CE6850-1>",
        ],
        response: "",
    },
    Sample {
        driver: "vxworks",
        protocol: None,
        head: &[
            "\r\n>>User name:",
            "admin\r\n>>User password:",
            "\r\n\r\n  Huawei Integrated Access Software (MA5600T).\r\n  Copyright(C) Huawei Technologies Co., Ltd. 2002-2014. All rights reserved.\r\n",
            "\r\nMA5600T>",
        ],
        response: "",
    },
    Sample {
        driver: "sros",
        protocol: None,
        head: &[
            "\r\n\r\nLogin: ",
            "admin\r\nPassword: ",
            "\r\n\r\n SR OS Software\r\n Copyright (c) Nokia 2020.  All Rights Reserved.\r\n\r\n",
            "A:sr1# ",
        ],
        response: "",
    },
    Sample {
        driver: "sros",
        protocol: Some("SSH-2.0-OpenSSH_7.4"),
        head: &["\r\n[/]\r\nA:admin@sr1# "],
        response: "",
    },
    Sample {
        driver: "nokia_srl",
        protocol: Some("SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u1"),
        head: &[
            "Welcome to the srlinux CLI.\r\nType 'help' (and press <ENTER>) if you need any help using this.\r\n\r\n",
            "--{ running }--[  ]--\r\nA:srl1# ",
        ],
        response: "",
    },
    Sample {
        driver: "isam",
        protocol: None,
        head: &[
            "\r\nlogin: ",
            "isadmin\r\npassword: ",
            "\r\n\r\nlast login : 01/02/24 10:00:00\r\n\r\n",
            "typ:isadmin># ",
        ],
        response: "",
    },
    Sample {
        driver: "paloalto_panos",
        protocol: None,
        head: &[
            "Last login: Mon Jan  1 10:00:00 2024 from 10.0.0.5\r\n\r\n",
            "Number of failed attempts since last successful login: 0\r\n\r\n\r\n",
            "admin@PA-VM> ",
        ],
        response: "",
    },
    Sample {
        driver: "fortios",
        protocol: None,
        head: &["FGT60E # "],
        response: "",
    },
    Sample {
        driver: "fortios",
        protocol: None,
        head: &[
            "FGT60E login: ",
            "admin\r\nPassword: ",
            "\r\nWelcome!\r\n\r\nFGT60E # ",
        ],
        response: "Version: FortiGate-60E v7.2.5,build1517,230606 (GA.F)\r\n",
    },
    Sample {
        driver: "mikrotik_routeros",
        protocol: Some("SSH-2.0-ROSSSH"),
        head: &[
            "\r\n\r\n  MikroTik RouterOS 6.49.10 (c) 1999-2023       http://www.mikrotik.com/\r\n\r\n",
            "[admin@MikroTik] > ",
        ],
        response: "",
    },
    Sample {
        driver: "hp_pro_curve",
        protocol: None,
        head: &[
            "HP J9776A 2530-24G Switch\r\nSoftware revision YA.16.11.0016\r\n\r\n(C) Copyright 2023 Hewlett Packard Enterprise Development LP\r\n",
            "\r\nPress any key to continue",
        ],
        response: "",
    },
    Sample {
        driver: "hp_pro_curve",
        protocol: None,
        head: &["ProCurve J9019A Switch 2510-24\r\n", "\r\nUsername: "],
        response: "",
    },
    Sample {
        driver: "aruba",
        protocol: None,
        head: &[
            "\r\nUser: ",
            "admin\r\nPassword: ",
            "******\r\n(Aruba7010) >",
        ],
        response: "",
    },
    Sample {
        driver: "brocade",
        protocol: None,
        head: &["\r\n\r\nUser Access Verification\r\n\r\nPlease Enter Login Name: "],
        response: "",
    },
    Sample {
        driver: "brocade",
        protocol: Some("SSH-2.0-OpenSSH_7.4"),
        head: &["\r\nSSH@ICX7250-48 Router>"],
        response: "",
    },
    Sample {
        driver: "cienasaos",
        protocol: None,
        head: &[
            "\r\n\r\nSAOS is True Carrier Ethernet TM software.\r\n\r\n",
            "ciena5142 login: ",
        ],
        response: "",
    },
    Sample {
        driver: "bigip",
        protocol: Some("SSH-2.0-OpenSSH_7.4"),
        head: &[
            "Last login: Mon Jan  1 10:00:00 2024 from 10.0.0.5\r\n",
            "admin@(bigip1)(cfg-sync Standalone)(Active)(/Common)(tmos)# ",
        ],
        response: "",
    },
    Sample {
        driver: "enterasys",
        protocol: None,
        head: &[
            "\r\n\r\n        Enterasys Networks, Inc.\r\n        C5G124-24 Rev 06.81.02.0009\r\n\r\n",
            "Username: ",
        ],
        response: "",
    },
    Sample {
        driver: "enterasys_wc",
        protocol: None,
        head: &["Enterasys Wireless Convergence OS\r\n", "\r\nUsername: "],
        response: "",
    },
    Sample {
        driver: "ericsson_ban",
        protocol: None,
        head: &["BLM1500 - Broadband Loop Multiplexer\r\n", "user:"],
        response: "",
    },
    Sample {
        driver: "smart_edge_os",
        protocol: None,
        head: &[
            "\r\nlogin: ",
            "admin@local\r\nPassword: ",
            "\r\n\r\n[local]Redback>",
        ],
        response: "",
    },
    Sample {
        driver: "zte",
        protocol: None,
        head: &[
            "\r\n************************************************\r\nWelcome to ZXR10 M6000 of ZTE Corporation\r\n************************************************\r\n\r\n",
            "Username:",
        ],
        response: "",
    },
    Sample {
        driver: "zyxel",
        protocol: None,
        head: &[
            "\r\nCopyright (c) 1994 - 2019 ZyXEL Communications Corp.\r\n",
            "User name: ",
        ],
        response: "",
    },
    Sample {
        driver: "adtran",
        protocol: Some("SSH-2.0-OpenSSH_7.4"),
        head: &["\r\nNV3448>"],
        response: "ADTRAN, Inc. OS version R11.4.1\r\nBoot ROM version R11.4.1\r\n",
    },
    Sample {
        driver: "one_os",
        protocol: None,
        head: &["\r\n\r\nOneAccess ONE540\r\n", "Username: "],
        response: "",
    },
    Sample {
        driver: "rios",
        protocol: None,
        head: &["Riverbed SteelHead\r\n", "login as: "],
        response: "",
    },
    Sample {
        driver: "sp_vxoa",
        protocol: None,
        head: &["Silver Peak Systems Inc. VX-3000\r\n", "login as: "],
        response: "",
    },
    Sample {
        driver: "mrv",
        protocol: None,
        head: &[
            "\r\nMRV Communications, In-Reach Console Server\r\n",
            "\r\nAuthorized Login: ",
        ],
        response: "",
    },
    Sample {
        driver: "aix",
        protocol: None,
        head: &[
            "\r\nAIX Version 7\r\nCopyright IBM Corporation, 1982, 2015.\r\n",
            "login: ",
        ],
        response: "",
    },
    Sample {
        driver: "arbor_peakflow",
        protocol: None,
        head: &["\r\nArbor Networks Peakflow SP\r\n", "login: "],
        response: "",
    },
    Sample {
        driver: "icotera",
        protocol: None,
        head: &["ICOTERA i4850\r\n", "Username: "],
        response: "",
    },
];

fn guess(sample: &Sample) -> String {
    let mut guesser = OsGuesser::from_registry(builtin());
    if let Some(version) = sample.protocol {
        guesser.protocol_info(version);
    }
    for chunk in sample.head {
        guesser.data_received(chunk.as_bytes(), false);
    }
    if !sample.response.is_empty() {
        guesser.data_received(sample.response.as_bytes(), true);
    }
    guesser.best_driver().to_owned()
}

#[test]
fn every_sample_is_guessed_as_its_own_platform() {
    let mut wrong = Vec::new();
    for sample in SAMPLES {
        let got = guess(sample);
        if got != sample.driver {
            wrong.push(format!(
                "{} guessed as {got}: {:?}",
                sample.driver, sample.head
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_driver_with_guess_rules_has_a_sample() {
    for driver in builtin().drivers() {
        if driver.os_guess.is_empty() {
            continue;
        }
        assert!(
            SAMPLES.iter().any(|s| s.driver == driver.name),
            "{} has OS-guess rules but no sample",
            driver.name
        );
    }
}

#[test]
fn generic_evidence_does_not_guess_a_platform() {
    // Exscript issue 108: a prompt after a blank line made IOS be guessed
    // as OneOS. Here it is no evidence at all.
    let mut guesser = OsGuesser::from_registry(builtin());
    guesser.data_received(b"\r\n\r\nrouter>", false);
    assert_eq!(guesser.guess(), None);
    // `Last login:` is printed by most systems.
    let mut guesser = OsGuesser::from_registry(builtin());
    guesser.data_received(b"Last login: Mon Jan  1 10:00:00 2024\r\n", true);
    assert_eq!(guesser.guess(), None);
    // A bracketed software version is no VRP prompt.
    let mut guesser = OsGuesser::from_registry(builtin());
    guesser.data_received(b"[V200R009C00SPC500]\r\n", false);
    assert_eq!(guesser.guess(), None);
}

#[test]
fn the_literal_check_never_hides_a_match() {
    // Every built-in pattern, over every sample (and each sample's lines):
    // where the compiled pattern matches, its literal check must pass.
    let _ = OsGuesser::from_registry(builtin());
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for sample in SAMPLES {
        let head = sample.head.concat();
        for text in [head.as_str(), sample.response]
            .into_iter()
            .chain(sample.protocol)
            .chain(sample.head.iter().copied())
        {
            texts.push(text.as_bytes().to_vec());
            texts.extend(text.lines().map(|l| l.as_bytes().to_vec()));
        }
    }
    let texts: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
    let misses = crate::pattern::prefilter_misses(&texts);
    assert!(misses.is_empty(), "{misses:#?}");
}
