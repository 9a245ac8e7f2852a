//! [`ChainPut`]: a file broadcast through a chain of SSH hops (execo's
//! `ChainPut`, without its unauthenticated sockets).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use oxscript_transport::Tail;
use russh::ChannelMsg;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

use super::{Action, Substitutions};
use crate::error::{Error, Result};
use crate::process::{Process, ProcessOptions, TaskFn};
use crate::ssh::SshNode;

/// The relay run on every hop. Arguments: the script itself (base64), the
/// hop's index, the `ssh` options (base64, one per line), then one spec
/// per remaining hop, this hop's first (base64 of `user`, `port`,
/// `address`, `destination` on four lines).
const RELAY: &str = r#"script=$1; k=$2; opts=$3; shift 3
line() { printf '%s' "$1" | base64 -d | sed -n "$2p"; }
dest=$(line "$1" 4); shift
mkdir -p -- "$(dirname -- "$dest")" || exit 1
if [ $# -eq 0 ]; then
  cat > "$dest"
else
  user=$(line "$1" 1); port=$(line "$1" 2); addr=$(line "$1" 3)
  tee -- "$dest" | {
    ssh -T $(printf '%s' "$opts" | base64 -d) -p "$port" -l "$user" -- "$addr" \
      "sh -c \"\$(printf %s $script | base64 -d)\" oxscript-chain $script $((k + 1)) $opts $*"
    cat > /dev/null
  }
fi
echo "oxscript-chain $k $(wc -c < "$dest")"
"#;

/// Broadcasts local files to every node through a chain of SSH hops
/// (execo `ChainPut`): when every node has a machine of its own, the time
/// stays close to one transfer whatever the number of nodes, and the
/// client reads and sends each file once.
///
/// The client streams the file once, into an exec channel on the first
/// node. There a small relay (a POSIX shell script sent base64-encoded on
/// the command line) writes it to its destination with `tee` while piping
/// it into `ssh` to the next node, which runs the same relay, and so on:
/// every hop receives and forwards at the same time, every byte travels
/// over SSH, and each hop reports `oxscript-chain <index> <bytes>` back up
/// the chain when its copy is complete. A hop whose successor fails keeps
/// its own copy (the rest of the stream is drained).
///
/// The relays authenticate to their successors with their own `ssh`: with
/// the local agent's keys when the nodes' [`SshOptions::forward_agent`](oxscript_transport::ssh::SshOptions::forward_agent)
/// is set (the relays forward it on with `-oForwardAgent=yes`), otherwise with
/// whatever the relays have (cluster keys). Host keys are checked by the
/// relays (`StrictHostKeyChecking=yes`, `BatchMode=yes`): give them a
/// known_hosts file with [`ChainPut::relay_ssh_options`] if theirs lacks
/// the next hops. The nodes need `sh`, `base64`, `tee`, `ssh`, `sed`,
/// `wc` and `dirname`, and must reach each other directly (node `i`
/// connects to node `i+1`'s address and port as the client sees them).
///
/// The action holds, per file, a `chainput source` process (stdout:
/// `sent N bytes`) and one process per node that ends with exit code 0
/// once that node holds the whole file (1 otherwise, with the reason on
/// stderr); files are sent one after the other.
///
/// ```no_run
/// use oxscript_jobs::action::{ChainPut, Report};
/// # async fn demo(nodes: Vec<oxscript_jobs::ssh::SshNode>) -> oxscript_jobs::Result<()> {
/// let broadcast = ChainPut::new(&nodes, ["image.tar"], "/var/tmp")
///     .relay_ssh_options(["-oUserKnownHostsFile=~/.ssh/cluster_known_hosts"])
///     .build()?;
/// broadcast.run().await?;
/// println!("{}", Report::new("broadcast").action(&broadcast));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ChainPut {
    nodes: Vec<SshNode>,
    local_files: Vec<PathBuf>,
    remote_dir: String,
    substitutions: Substitutions,
    relay_options: Vec<String>,
    options: ProcessOptions,
}

impl ChainPut {
    /// `local_files` into `remote_dir` (relative to the login directory
    /// unless absolute) on every node, in the order of `nodes`.
    pub fn new<I, P>(nodes: &[SshNode], local_files: I, remote_dir: impl Into<String>) -> ChainPut
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        ChainPut {
            nodes: nodes.to_vec(),
            local_files: local_files
                .into_iter()
                .map(|p| p.as_ref().to_path_buf())
                .collect(),
            remote_dir: remote_dir.into(),
            substitutions: Substitutions::new(),
            relay_options: Vec::new(),
            options: ProcessOptions::default(),
        }
    }

    /// Named lists for `{{name}}` (and `{{{host}}}`) in the remote
    /// directory, per node.
    pub fn substitutions(mut self, substitutions: Substitutions) -> ChainPut {
        self.substitutions = substitutions;
        self
    }

    /// More options for the relays' `ssh` (each one word, such as
    /// `-oUserKnownHostsFile=~/.ssh/cluster_known_hosts`).
    pub fn relay_ssh_options<I, S>(mut self, options: I) -> ChainPut
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.relay_options = options.into_iter().map(Into::into).collect();
        self
    }

    /// The flags of the source and hop processes (a timeout, say).
    pub fn options(mut self, options: ProcessOptions) -> ChainPut {
        self.options = options;
        self
    }

    /// The action. `Err` for no node, a substitution that fails, a relay
    /// option with white space, or a file name that is not UTF-8.
    pub fn build(self) -> Result<Action> {
        if self.nodes.is_empty() {
            return Err(Error::msg("ChainPut needs at least one node"));
        }
        if let Some(bad) = self
            .relay_options
            .iter()
            .find(|o| o.is_empty() || o.contains(char::is_whitespace))
        {
            return Err(Error::msg(format!(
                "relay ssh option `{bad}` must be one word without white space"
            )));
        }
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| n.host().address().to_owned())
            .collect();
        let dirs: Vec<String> = (0..self.nodes.len())
            .map(|i| self.substitutions.apply(&self.remote_dir, &hosts, i))
            .collect::<Result<_>>()?;
        let forward = self
            .nodes
            .first()
            .is_some_and(|n| n.options().ssh.forward_agent);
        let mut words = vec![
            "-oBatchMode=yes".to_owned(),
            "-oStrictHostKeyChecking=yes".to_owned(),
        ];
        if forward {
            words.push("-oForwardAgent=yes".to_owned());
        }
        words.extend(self.relay_options.iter().cloned());
        let opts = b64(words.join("\n").as_bytes());
        let mut chains = Vec::new();
        for file in &self.local_files {
            let name = file.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                Error::msg(format!("`{}` has no UTF-8 file name", file.display()))
            })?;
            let specs: Vec<String> = self
                .nodes
                .iter()
                .zip(&dirs)
                .map(|(node, dir)| {
                    let user = node
                        .host()
                        .account()
                        .map(|a| a.name().to_owned())
                        .unwrap_or_default();
                    let dest = if dir.is_empty() || dir == "." {
                        name.to_owned()
                    } else {
                        format!("{}/{name}", dir.trim_end_matches('/'))
                    };
                    b64(format!(
                        "{user}\n{}\n{}\n{dest}",
                        node.host().port(),
                        node.host().address()
                    )
                    .as_bytes())
                })
                .collect();
            let script = b64(RELAY.as_bytes());
            let command = format!(
                "sh -c \"$(printf %s {script} | base64 -d)\" oxscript-chain {script} 0 {opts} {}",
                specs.join(" ")
            );
            chains.push(self.chain(file.clone(), command, forward));
        }
        Ok(Action::sequential(chains).named(format!("chainput -> {}", self.remote_dir)))
    }

    /// The action of one file: the source and one waiter per node.
    fn chain(&self, file: PathBuf, command: String, forward: bool) -> Action {
        let n = self.nodes.len();
        let (results, _) = watch::channel(Results::new(n));
        let results = Arc::new(results);
        let head = self.nodes[0].clone();
        let source = {
            let results = results.clone();
            let description = format!("chainput source {}", file.display());
            let file = file.clone();
            let work: TaskFn = Arc::new(move |out| {
                let (results, file, head, command) =
                    (results.clone(), file.clone(), head.clone(), command.clone());
                Box::pin(async move {
                    let sent = Arc::new(AtomicU64::new(0));
                    let outcome = stream(&head, &command, &file, forward, &sent).await;
                    out.stdout(&format!("sent {} bytes\n", sent.load(Ordering::Relaxed)));
                    let size = std::fs::metadata(&file).map(|m| m.len()).ok();
                    results.send_modify(|r| r.settle(&outcome, size));
                    match outcome {
                        Ok(r) if r.incomplete => Err(Error::msg(format!(
                            "the chain broke before the whole file was sent: {}",
                            Tail::of(&r.stderr)
                        ))),
                        Ok(_) => Ok(()),
                        Err(e) => Err(e),
                    }
                })
            });
            Process::task(None, description, work).with_options(self.options.clone())
        };
        let mut processes = vec![source];
        for (i, node) in self.nodes.iter().enumerate() {
            let results = results.clone();
            let work: TaskFn = Arc::new(move |out| {
                let mut rx = results.subscribe();
                Box::pin(async move {
                    let result = match rx.wait_for(|r| r.hops[i].is_some()).await {
                        Ok(r) => r.hops[i].clone().unwrap_or_else(|| Err("no result".into())),
                        Err(_) => Err("the chain's source went away".to_owned()),
                    };
                    match result {
                        Ok(bytes) => {
                            out.stdout(&format!("{bytes} bytes\n"));
                            Ok(())
                        }
                        Err(reason) => Err(Error::msg(reason)),
                    }
                })
            });
            processes.push(
                Process::task(
                    Some(node.name().to_owned()),
                    format!("chainput {} (hop {i})", file.display()),
                    work,
                )
                .with_options(self.options.clone()),
            );
        }
        Action::from_processes(format!("chainput {}", file.display()), processes)
            .max_parallel(n + 1)
    }
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// What the chain's hops reported.
#[derive(Clone, Debug)]
struct Results {
    hops: Vec<Option<std::result::Result<u64, String>>>,
}

/// What the head channel gave back: each hop's reported size, and stderr.
#[derive(Debug, Default)]
struct Reports {
    sizes: Vec<(usize, u64)>,
    stderr: Vec<u8>,
    status: Option<u32>,
    /// The client could not send the whole file.
    incomplete: bool,
}

impl Results {
    fn new(n: usize) -> Results {
        Results {
            hops: vec![None; n],
        }
    }

    /// Every hop gets its verdict: its reported size against the file's,
    /// or why it reported nothing.
    fn settle(&mut self, outcome: &Result<Reports>, size: Option<u64>) {
        match outcome {
            Ok(reports) => {
                for &(i, bytes) in &reports.sizes {
                    if let Some(slot) = self.hops.get_mut(i) {
                        *slot = Some(match size {
                            Some(s) if s == bytes => Ok(bytes),
                            Some(s) => Err(format!("received {bytes} of {s} bytes")),
                            None => Err("the source file cannot be read".to_owned()),
                        });
                    }
                }
                let why = format!(
                    "this hop reported nothing (chain exit status {}); the chain's stderr: {}",
                    reports.status.map_or("none".to_owned(), |s| s.to_string()),
                    Tail::of(&reports.stderr)
                );
                for slot in self.hops.iter_mut().filter(|s| s.is_none()) {
                    *slot = Some(Err(why.clone()));
                }
            }
            Err(e) => {
                for slot in self.hops.iter_mut().filter(|s| s.is_none()) {
                    *slot = Some(Err(format!("the chain did not run: {e}")));
                }
            }
        }
    }
}

/// Runs the chain: the file into the head's channel, the hops' reports out.
async fn stream(
    head: &SshNode,
    command: &str,
    file: &Path,
    forward: bool,
    sent: &AtomicU64,
) -> Result<Reports> {
    let conn = head.connection().await?;
    let channel = conn.open_session_channel().await?;
    let ssh_err = |e: russh::Error| Error::msg(format!("{}: {e}", head.name()));
    if forward {
        channel.agent_forward(false).await.map_err(ssh_err)?;
    }
    channel
        .exec(true, command.as_bytes())
        .await
        .map_err(ssh_err)?;
    let (mut read, write) = channel.split();
    let mut source = tokio::fs::File::open(file)
        .await
        .map_err(|e| Error::msg(format!("opening {}: {e}", file.display())))?;
    let feed = async {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = source
                .read(&mut buf)
                .await
                .map_err(|e| Error::msg(format!("reading {}: {e}", file.display())))?;
            let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
                break;
            };
            sent.fetch_add(n as u64, Ordering::Relaxed);
            write.data(chunk).await.map_err(ssh_err)?;
        }
        write.eof().await.map_err(ssh_err)
    };
    let collect = async {
        let mut reports = Reports::default();
        let mut stdout = Vec::new();
        while let Some(msg) = read.wait().await {
            match msg {
                ChannelMsg::Failure => {
                    return Err(Error::msg(format!(
                        "{}: the server refused the chain's relay",
                        head.name()
                    )));
                }
                ChannelMsg::Data { data } => stdout.extend_from_slice(&data),
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    reports.stderr.extend_from_slice(&data)
                }
                ChannelMsg::ExitStatus { exit_status } => reports.status = Some(exit_status),
                _ => {}
            }
        }
        for line in String::from_utf8_lossy(&stdout).lines() {
            let mut words = line.split_whitespace();
            if let (Some("oxscript-chain"), Some(i), Some(n)) =
                (words.next(), words.next(), words.next())
                && let (Ok(i), Ok(n)) = (i.parse(), n.parse())
            {
                reports.sizes.push((i, n));
            }
        }
        Ok(reports)
    };
    let (fed, reports) = tokio::join!(feed, collect);
    let mut reports = reports?;
    if let Err(e) = fed {
        // The chain broke early: what the hops said still counts, and the
        // reason joins the chain's stderr.
        tracing::warn!(node = %head.name(), error = %e, "ChainPut: sending the file did not complete");
        reports
            .stderr
            .extend_from_slice(format!("\nsending the file did not complete: {e}").as_bytes());
        reports.incomplete = true;
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_compare_sizes_and_explain_silence() {
        let mut r = Results::new(3);
        let reports = Reports {
            sizes: vec![(2, 10), (0, 7)],
            stderr: b"ssh: connect to host x port 22: Connection refused\n".to_vec(),
            status: Some(0),
            incomplete: false,
        };
        r.settle(&Ok(reports), Some(10));
        assert_eq!(r.hops[2], Some(Ok(10)));
        assert_eq!(r.hops[0], Some(Err("received 7 of 10 bytes".to_owned())));
        let silent = r.hops[1].clone().unwrap().unwrap_err();
        assert!(silent.contains("Connection refused"), "{silent}");
        let mut failed = Results::new(1);
        failed.settle(&Err(Error::msg("no route")), Some(1));
        assert!(
            failed.hops[0]
                .clone()
                .unwrap()
                .unwrap_err()
                .contains("no route")
        );
    }

    #[test]
    fn bad_relay_options_and_empty_groups_are_refused() {
        let err = ChainPut::new(&[], ["f"], "d").build().unwrap_err();
        assert!(err.to_string().contains("at least one node"));
        let node = SshNode::new(
            oxscript_core::Host::new("ssh://u@h").unwrap(),
            oxscript_transport::ssh::SshOptions::default(),
        );
        let err = ChainPut::new(&[node], ["f"], "d")
            .relay_ssh_options(["-o Bad"])
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("without white space"), "{err}");
    }
}
