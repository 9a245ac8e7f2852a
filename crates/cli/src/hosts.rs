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
    if let Some(driver) = &args.driver {
        for host in &mut hosts {
            if host.driver().is_none() {
                host.set_driver(Some(driver.clone()));
            }
        }
    }
    Ok(hosts)
}

/// Unique display labels: the host name, with `:port` added where two
/// hosts share a name.
pub(crate) fn labels(hosts: &[Host]) -> Vec<String> {
    let mut counts = std::collections::HashMap::new();
    for h in hosts {
        *counts.entry(h.name()).or_insert(0usize) += 1;
    }
    hosts
        .iter()
        .map(|h| {
            if counts.get(h.name()).copied().unwrap_or(0) > 1 {
                format!("{}:{}", h.name(), h.port())
            } else {
                h.name().to_owned()
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
    }
}
