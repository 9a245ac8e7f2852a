//! Collecting the hosts to run on from URLs and inventory files.

use anyhow::{Context, Result};
use oxscript::{Host, InventoryOptions, Protocol, inventory};

use crate::args::Args;

/// The hosts named on the command line and in `--hosts` / `--csv-hosts` files.
pub(crate) fn collect(args: &Args) -> Result<Vec<Host>> {
    let protocol: Protocol = args
        .protocol
        .parse()
        .with_context(|| format!("--protocol {}", args.protocol))?;
    let options = InventoryOptions {
        default_protocol: protocol,
        default_domain: args.default_domain.clone(),
        remove_duplicates: false,
    };
    let mut hosts = Vec::new();
    for url in &args.urls {
        let mut host =
            Host::with_default_protocol(url, protocol).with_context(|| format!("host `{url}`"))?;
        if let Some(domain) = &args.default_domain {
            host.apply_default_domain(domain);
        }
        hosts.push(host);
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
