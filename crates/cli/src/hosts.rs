//! Collecting the hosts to run on from URLs and inventory files.

use anyhow::{Context, Result};
use oxscript::{Host, InventoryOptions, Url, inventory};

use crate::args::Args;

/// The hosts named on the command line and in `--hosts` / `--csv-hosts` files.
pub(crate) fn collect(args: &Args) -> Result<Vec<Host>> {
    let options = InventoryOptions {
        default_protocol: args.protocol,
        default_domain: args.default_domain.clone(),
        remove_duplicates: false,
    };
    let mut hosts = Vec::new();
    for url in args.host_urls() {
        hosts.push(
            options
                .host(url)
                .with_context(|| format!("host `{}`", Url::redact(url)))?,
        );
    }
    for file in &args.hosts {
        hosts.extend(inventory::hosts_from_file(file, &options)?);
    }
    for file in &args.csv_hosts {
        hosts.extend(inventory::hosts_from_csv_file(file, &options)?);
    }
    for host in &mut hosts {
        // A `driver` variable (`?driver=ios` in a URL or hosts file, a
        // `driver` column of a CSV file) chooses the host's driver.
        let own = host
            .vars()
            .get("driver")
            .and_then(|values| values.last())
            .filter(|name| !name.is_empty())
            .cloned();
        if let Some(name) = own {
            host.set_driver(Some(name));
        } else if host.driver().is_none()
            && let Some(driver) = &args.driver
        {
            host.set_driver(Some(driver.clone()));
        }
    }
    Ok(hosts)
}

/// Unique display labels (output prefix, job and log file name): the
/// host's `name` variable (`?name=r1`) or its name; `:port` added where
/// names are shared, then `#N` (N counting from 1) where hosts share the
/// address and port too. No two hosts get the same label.
pub(crate) fn labels(hosts: &[Host]) -> Vec<String> {
    let base: Vec<String> = hosts
        .iter()
        .map(|h| {
            h.vars()
                .get("name")
                .and_then(|v| v.last())
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| h.name().to_owned())
        })
        .collect();
    let counts = |labels: &[String]| {
        let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for label in labels {
            *counts.entry(label.clone()).or_insert(0) += 1;
        }
        counts
    };
    let base_counts = counts(&base);
    let with_port: Vec<String> = base
        .iter()
        .zip(hosts)
        .map(|(name, h)| {
            if base_counts.get(name).is_some_and(|&n| n > 1) {
                format!("{name}:{}", h.port())
            } else {
                name.clone()
            }
        })
        .collect();
    let port_counts = counts(&with_port);
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    with_port
        .iter()
        .map(|label| {
            if port_counts.get(label).is_some_and(|&n| n > 1) {
                let n = seen.entry(label.as_str()).or_insert(0);
                *n += 1;
                format!("{label}#{n}")
            } else {
                label.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use oxscript::Protocol;

    #[test]
    fn urls_get_the_default_protocol_domain_and_driver() {
        let args = Args::try_parse_from([
            "oxscript",
            "-e",
            "show clock",
            "-p",
            "ssh",
            "--default-domain",
            "corp",
            "--driver",
            "ios",
            "r1",
            "telnet://r2.lab:2323",
        ])
        .unwrap();
        let hosts = collect(&args).unwrap();
        let seen: Vec<_> = hosts
            .iter()
            .map(|h| (h.name(), h.protocol(), h.port(), h.driver()))
            .collect();
        assert_eq!(
            seen,
            [
                ("r1.corp", Protocol::Ssh, 22, Some("ios")),
                ("r2.lab", Protocol::Telnet, 2323, Some("ios")),
            ]
        );
        let args = Args::try_parse_from(["oxscript", "-e", "x", "telnet://r3:0"]).unwrap();
        let err = format!("{:#}", collect(&args).unwrap_err());
        assert!(
            err.starts_with("host `telnet://r3:0`: invalid URL"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_url_is_reported_without_its_password() {
        for url in ["telnet://admin:S3cr3t@r3:0", "telnet://admin:S3cr3t/x@r3:0"] {
            let args = Args::try_parse_from(["oxscript", "-e", "x", url]).unwrap();
            let err = collect(&args).unwrap_err();
            let shown = format!("{err:#} {err:?}");
            assert!(!shown.contains("S3cr3t"), "{shown}");
            assert!(shown.contains("telnet://admin:***@r3:0"), "{shown}");
        }
    }

    #[test]
    fn labels_disambiguate_shared_names() {
        let hosts = vec![
            Host::new("telnet://10.0.0.1:2301").unwrap(),
            Host::new("telnet://10.0.0.1:2302").unwrap(),
            Host::new("telnet://r3").unwrap(),
        ];
        assert_eq!(labels(&hosts), ["10.0.0.1:2301", "10.0.0.1:2302", "r3"]);
        // One address and port, two devices behind it (a console server,
        // a NAT): the name variable, else a counter, keeps them apart.
        let hosts = vec![
            Host::new("telnet://10.0.0.1:2301?name=r1").unwrap(),
            Host::new("telnet://10.0.0.1:2301?name=r2").unwrap(),
            Host::new("telnet://10.0.0.1:2301").unwrap(),
            Host::new("telnet://10.0.0.1:2301").unwrap(),
        ];
        assert_eq!(
            labels(&hosts),
            ["r1", "r2", "10.0.0.1:2301#1", "10.0.0.1:2301#2"]
        );
    }

    #[test]
    fn a_driver_variable_chooses_the_driver_per_host() {
        let args = Args::try_parse_from([
            "oxscript",
            "-e",
            "x",
            "--driver",
            "generic",
            "telnet://r1?driver=junos",
            "telnet://r2",
        ])
        .unwrap();
        let hosts = collect(&args).unwrap();
        assert_eq!(hosts[0].driver(), Some("junos"));
        assert_eq!(hosts[1].driver(), Some("generic"));
    }
}
