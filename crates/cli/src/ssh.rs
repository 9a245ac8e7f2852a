//! SSH settings from the command line: host-key policy and file, keys,
//! an OpenSSH client configuration, gateways.

use anyhow::{Context, Result, bail};
use oxscript::transport::ssh::{HostKeyPolicy, OpenSshConfig, SshOptions};
use oxscript::{Host, PrivateKeyFile, Protocol};

use crate::args::Args;

/// The SSH options of the run, with `hosts` adjusted by `--ssh-config`
/// (address, port, user, gateway) and `--jump` (gateway chain).
pub(crate) fn configure(args: &Args, hosts: &mut [Host]) -> Result<SshOptions> {
    let mut options = SshOptions::default();
    if let Some(path) = &args.ssh_config {
        let config = match path {
            None => OpenSshConfig::load_user_default()
                .context("--ssh-config")?
                .context("--ssh-config: no ~/.ssh/config (home directory unknown or no file)")?,
            Some(path) => OpenSshConfig::load(path)
                .with_context(|| format!("--ssh-config {}", path.display()))?,
        };
        for host in hosts.iter_mut().filter(|h| h.protocol() == Protocol::Ssh) {
            config
                .apply(host, &mut options)
                .with_context(|| format!("--ssh-config for {}", host.name()))?;
        }
    }
    // The command line wins over the configuration file.
    if let Some(file) = &args.known_hosts {
        options.known_hosts = Some(file.clone());
    }
    if args.accept_new {
        options.host_key_policy = HostKeyPolicy::AcceptNew;
    }
    if args.ssh_auto_verify {
        options.host_key_policy = HostKeyPolicy::InsecureAcceptAny;
        tracing::warn!(
            "--ssh-auto-verify: host keys are NOT checked, changed keys are accepted; \
             anyone between you and the hosts can read and change the sessions \
             (use --accept-new to trust new hosts only)"
        );
    }
    for key in &args.ssh_keys {
        if !key.exists() {
            bail!("--ssh-key {}: no such file", key.display());
        }
        options
            .identity_files
            .push(PrivateKeyFile::new(key.clone()));
    }
    if !args.jump.is_empty() {
        let mut gateway: Option<Host> = None;
        for url in &args.jump {
            let mut hop = Host::new(url).with_context(|| format!("--jump {url}"))?;
            if hop.protocol() != Protocol::Ssh {
                bail!("--jump {url}: a gateway is reached over SSH (ssh://user@host)");
            }
            hop.set_gateway(gateway.take());
            gateway = Some(hop);
        }
        for host in hosts.iter_mut().filter(|h| h.gateway().is_none()) {
            host.set_gateway(gateway.clone());
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn jumps_chain_nearest_first_and_flags_win() {
        let args = Args::try_parse_from([
            "oxscript",
            "-e",
            "x",
            "--jump",
            "ssh://a@g1",
            "--jump",
            "ssh://b@g2:2222",
            "--accept-new",
            "--known-hosts",
            "/tmp/kh",
            "ssh://r1",
        ])
        .unwrap();
        let mut hosts = vec![Host::new("ssh://r1").unwrap()];
        let options = configure(&args, &mut hosts).unwrap();
        let last = hosts[0].gateway().unwrap();
        assert_eq!((last.address(), last.port()), ("g2", 2222));
        assert_eq!(last.gateway().unwrap().address(), "g1");
        assert_eq!(options.host_key_policy, HostKeyPolicy::AcceptNew);
        assert_eq!(
            options.known_hosts.as_deref(),
            Some(std::path::Path::new("/tmp/kh"))
        );
        let args =
            Args::try_parse_from(["oxscript", "-e", "x", "--jump", "telnet://g", "h"]).unwrap();
        let err = configure(&args, &mut []).unwrap_err();
        assert!(err.to_string().contains("reached over SSH"), "{err}");
    }
}
