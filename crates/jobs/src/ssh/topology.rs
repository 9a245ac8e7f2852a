//! DOT export of nodes and their gateway chains (apssh `topology_dot`).

use std::collections::{HashMap, HashSet};

use oxscript_core::Host;
use oxscript_transport::ssh::HopId;

use super::SshNode;
use crate::graph::{Scheduler, scheduler_attachments};
use crate::node::as_node;

struct Vertex {
    /// Already escaped for DOT.
    label: String,
    is_node: bool,
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn describe(host: &Host) -> String {
    let user = host
        .account()
        .map(|a| format!("{}@", a.name()))
        .unwrap_or_default();
    let address = if host.address().contains(':') {
        format!("[{}]", host.address())
    } else {
        host.address().to_owned()
    };
    let place = escape(&format!("{user}{address}:{}", host.port()));
    if host.name() == host.address() {
        place
    } else {
        // `\n` is a line break in a DOT label.
        format!("{}\\n{place}", escape(host.name()))
    }
}

/// The nodes and their gateways in Graphviz DOT (apssh `topology_dot`):
/// one vertex per host (nodes bold, gateways plain), an arrow from this
/// machine to each first hop and from each gateway to the host it is used
/// to reach. A gateway shared by several nodes appears once. Render with
/// `dot -Tsvg`.
///
/// ```
/// use oxscript_core::Host;
/// use oxscript_jobs::ssh::{topology_dot, SshNode};
/// use oxscript_transport::ssh::SshOptions;
///
/// let gw = Host::new("ssh://jump@gw:2222")?;
/// let mut r1 = Host::new("ssh://admin@r1")?;
/// r1.set_gateway(Some(gw.clone()));
/// let mut r2 = Host::new("ssh://admin@r2")?;
/// r2.set_gateway(Some(gw));
/// let nodes = [SshNode::new(r1, SshOptions::default()), SshNode::new(r2, SshOptions::default())];
/// let dot = topology_dot(&nodes);
/// assert!(dot.contains("\"h1\" [label=\"jump@gw:2222\"]"));
/// assert!(dot.contains("\"local\" -> \"h1\""));
/// assert!(dot.contains("\"h1\" -> \"h2\""));
/// assert!(dot.contains("\"h1\" -> \"h3\""));
/// # Ok::<(), oxscript_core::Error>(())
/// ```
pub fn topology_dot<'a>(nodes: impl IntoIterator<Item = &'a SshNode>) -> String {
    hosts_dot(nodes.into_iter().map(SshNode::host))
}

/// The DOT graph of `hosts` and their gateway chains.
fn hosts_dot<'a>(hosts: impl Iterator<Item = &'a Host>) -> String {
    // Hops are identified as the SSH pool shares them.
    let mut ids: HashMap<HopId, usize> = HashMap::new();
    let mut vertices: Vec<Vertex> = Vec::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut seen_edges: HashSet<(usize, usize)> = HashSet::new();
    for node in hosts {
        // The chain from the first hop to the node.
        let mut chain: Vec<&Host> = std::iter::successors(Some(node), |h| h.gateway()).collect();
        chain.reverse();
        // 0 is this machine; hosts count from 1.
        let mut previous = 0;
        let last = chain.len().saturating_sub(1);
        for (i, host) in chain.into_iter().enumerate() {
            let id = *ids.entry(HopId::of(host)).or_insert_with(|| {
                vertices.push(Vertex {
                    label: describe(host),
                    is_node: false,
                });
                vertices.len()
            });
            if i == last
                && let Some(v) = vertices.get_mut(id - 1)
            {
                v.is_node = true;
            }
            if seen_edges.insert((previous, id)) {
                edges.push((previous, id));
            }
            previous = id;
        }
    }
    let mut out = String::from(
        "digraph \"topology\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n  \"local\" [label=\"this machine\", shape=ellipse];\n",
    );
    for (i, v) in vertices.iter().enumerate() {
        let bold = if v.is_node { ", penwidth=2" } else { "" };
        out.push_str(&format!(
            "  \"h{}\" [label=\"{}\"{bold}];\n",
            i + 1,
            v.label
        ));
    }
    let name = |id: usize| {
        if id == 0 {
            "local".to_owned()
        } else {
            format!("h{id}")
        }
    };
    for &(from, to) in &edges {
        out.push_str(&format!("  \"{}\" -> \"{}\";\n", name(from), name(to)));
    }
    out.push_str("}\n");
    out
}

/// [`topology_dot`] of the nodes the jobs of `scheduler` run on (nested
/// schedulers included): [`SshNode`]s and [`Node`](crate::node::Node)s.
pub fn scheduler_topology_dot(scheduler: &Scheduler) -> String {
    let attachments = scheduler_attachments(scheduler);
    hosts_dot(
        attachments
            .iter()
            .filter_map(|a| as_node(a.as_ref()))
            .map(|n| n.host()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxscript_transport::ssh::SshOptions;

    #[test]
    fn shared_hops_appear_once_and_nodes_are_bold() {
        let a = Host::new("ssh://j@a:2201").unwrap();
        let mut b = Host::new("ssh://j@b").unwrap();
        b.set_gateway(Some(a.clone()));
        let mut t1 = Host::new("ssh://admin@10.0.0.1").unwrap();
        t1.set_name("core1");
        t1.set_gateway(Some(b.clone()));
        let mut t2 = Host::new("ssh://admin@10.0.0.2").unwrap();
        t2.set_gateway(Some(b.clone()));
        let gateway_node = SshNode::new(a, SshOptions::default());
        let nodes = [
            SshNode::new(t1, SshOptions::default()),
            SshNode::new(t2, SshOptions::default()),
            gateway_node,
        ];
        let dot = topology_dot(&nodes);
        assert_eq!(
            dot,
            "digraph \"topology\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n  \"local\" [label=\"this machine\", shape=ellipse];\n  \"h1\" [label=\"j@a:2201\", penwidth=2];\n  \"h2\" [label=\"j@b:22\"];\n  \"h3\" [label=\"core1\\n" .to_owned()
                + "admin@10.0.0.1:22\", penwidth=2];\n  \"h4\" [label=\"admin@10.0.0.2:22\", penwidth=2];\n  \"local\" -> \"h1\";\n  \"h1\" -> \"h2\";\n  \"h2\" -> \"h3\";\n  \"h2\" -> \"h4\";\n}\n"
        );
        assert_eq!(scheduler_topology_dot(&Scheduler::new()).lines().count(), 5);
    }
}
