//! [`SshJob`]: commands run in order on an SSH or local node, as a graph
//! job (apssh `SshJob`).

use std::fmt;
use std::path::PathBuf;

use oxscript_transport::Tail;
use oxscript_transport::ssh::ExecOutput;

use super::command::{ExecSettings, Pull, Push, Run, Script, ScriptSource, SshCommand};
use super::target::{JobNode, ScriptRun};
use super::util::is_plain_file_name;
use crate::error::{Error, Result};
use crate::format::SharedFormatter;
use crate::graph::Job;
use crate::job_base::{JobBase, job_base_methods};
use crate::value::Value;
use crate::vars::Template;

/// Commands run one after the other on a node (apssh `SshJob`): remote
/// commands with allowed exit codes, scripts, file transfers, captures
/// into [`Variables`](crate::vars::Variables) and deferred commands rendered from them.
///
/// As a graph job ([`into_job`](SshJob::into_job)) it is critical unless
/// told otherwise (set `critical`, `forever` and `requires` on the
/// returned [`Job`]); the first command that fails fails the job with the
/// command, its status and the end of its stderr. Its value is a
/// [`Value::List`] with one entry per command: the stdout of commands that
/// run something, the number of files copied for [`Push`] and [`Pull`].
///
/// ```no_run
/// use oxscript_core::Host;
/// use oxscript_jobs::graph::{Scheduler, Sequence};
/// use oxscript_jobs::ssh::{Run, Script, SshJob, SshNode};
/// use oxscript_jobs::vars::Variables;
/// use oxscript_transport::ssh::{SshOptions, SshPool};
///
/// # async fn demo() -> oxscript_jobs::Result<()> {
/// let ssh = SshOptions { pool: Some(SshPool::new()), ..SshOptions::default() };
/// let mut gateway = Host::new("ssh://jump@gw.example.net")?;
/// let mut server = Host::new("ssh://root@10.0.0.5")?;
/// server.set_gateway(Some(gateway));
/// let node = SshNode::new(server, ssh);
///
/// let vars = Variables::new();
/// let scheduler = Scheduler::new();
/// scheduler.add_sequence(&Sequence::new([
///     SshJob::new(&node)
///         .push(["setup.sh", "configs"], "/tmp/deploy")
///         .command(Script::file("check.sh").args(["--quick"]).includes(["lib.sh"]))
///         .capture("hostname", "name")
///         .with_variables(&vars)
///         .into_job(),
///     SshJob::new(&node)
///         .command(Run::new("grep -q ready /tmp/deploy/state").allowed_exits([1]))
///         .run_deferred("logger deployed on {{name}}")
///         .with_variables(&vars)
///         .into_job(),
/// ]));
/// scheduler.run().await?; // connections, then gateways, closed at the end
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SshJob {
    node: JobNode,
    commands: Vec<SshCommand>,
    /// The templates of each command, parsed when it was added.
    texts: Vec<Texts>,
    base: JobBase,
    keep_connection: bool,
    formatter: Option<SharedFormatter>,
}

/// What a command sends, as templates (literal text unless deferred).
#[derive(Clone, Debug)]
enum Texts {
    /// The command line of a [`Run`].
    Run(Template),
    /// The arguments of a [`Script`], and its text when it is given as text.
    Script {
        text: Option<Template>,
        args: Vec<Template>,
    },
    /// File transfers send no text.
    Transfer,
}

impl fmt::Debug for SshJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshJob")
            .field("node", &self.node.label())
            .field("commands", &self.commands)
            .field("label", &self.base.label)
            .field("keep_connection", &self.keep_connection)
            .field("formatter", &self.formatter.is_some())
            .finish_non_exhaustive()
    }
}

job_base_methods!(SshJob);

impl SshJob {
    /// An empty job on `node` (an [`SshNode`](super::SshNode) or a
    /// [`LocalNode`](super::LocalNode)), with a variables map of its own.
    pub fn new(node: impl Into<JobNode>) -> SshJob {
        SshJob {
            node: node.into(),
            commands: Vec::new(),
            texts: Vec::new(),
            base: JobBase::default(),
            keep_connection: false,
            formatter: None,
        }
    }

    /// Adds a [`Run`] of `command` (only exit status 0 allowed).
    pub fn run(self, command: impl Into<String>) -> SshJob {
        self.command(Run::new(command))
    }

    /// Adds a [`Run`] of `command` that also accepts the exit statuses `codes`.
    pub fn run_allowing(
        self,
        command: impl Into<String>,
        codes: impl IntoIterator<Item = u32>,
    ) -> SshJob {
        self.command(Run::new(command).allowed_exits(codes))
    }

    /// Adds a [`Run`] of `command` whose stdout is stored in `var`.
    pub fn capture(self, command: impl Into<String>, var: impl Into<String>) -> SshJob {
        self.command(Run::new(command).capture(var))
    }

    /// Adds a [`Run`] of a template rendered from the variables when its
    /// turn comes ([`Run::deferred`]).
    pub fn run_deferred(self, template: impl Into<String>) -> SshJob {
        self.command(Run::deferred(template))
    }

    /// Adds a [`Script::file`] run with arguments (apssh `RunScript`).
    pub fn run_script<S: Into<String>>(
        self,
        local_path: impl Into<PathBuf>,
        args: impl IntoIterator<Item = S>,
    ) -> SshJob {
        self.command(Script::file(local_path).args(args))
    }

    /// Adds a [`Script::text`] run with arguments (apssh `RunString`).
    pub fn run_string<S: Into<String>>(
        self,
        script: impl Into<String>,
        args: impl IntoIterator<Item = S>,
    ) -> SshJob {
        self.command(Script::text(script).args(args))
    }

    /// Adds a [`Push`] of local paths into a remote directory.
    pub fn push<P: Into<PathBuf>>(
        self,
        local_paths: impl IntoIterator<Item = P>,
        remote_dir: impl Into<String>,
    ) -> SshJob {
        self.command(Push::new(local_paths, remote_dir))
    }

    /// Adds a [`Pull`] of remote paths into a local directory.
    pub fn pull<S: Into<String>>(
        self,
        remote_paths: impl IntoIterator<Item = S>,
        local_dir: impl Into<PathBuf>,
    ) -> SshJob {
        self.command(Pull::new(remote_paths, local_dir))
    }

    /// Adds any command (a `&str` is a [`Run`]). Deferred templates are
    /// parsed now, and a script's remote name checked: a problem is
    /// reported by [`check`](SshJob::check), before anything runs.
    pub fn command(mut self, command: impl Into<SshCommand>) -> SshJob {
        let command = command.into();
        let texts = match &command {
            SshCommand::Run(run) => {
                Texts::Run(self.base.template(&run.command, run.settings.deferred))
            }
            SshCommand::Script(script) => {
                let deferred = script.settings.deferred;
                if let Some(name) = &script.remote_name
                    && !is_plain_file_name(name)
                {
                    self.base.problem.get_or_insert_with(|| {
                        Error::msg(format!(
                            "remote_name `{name}` of a script must be a plain file name (no `/`, not `.` or `..`)"
                        ))
                    });
                }
                let text = match &script.source {
                    ScriptSource::Text(text) => Some(self.base.template(text, deferred)),
                    ScriptSource::File(_) => None,
                };
                let args = script
                    .args
                    .iter()
                    .map(|a| self.base.template(a, deferred))
                    .collect();
                Texts::Script { text, args }
            }
            SshCommand::Push(_) | SshCommand::Pull(_) => Texts::Transfer,
        };
        self.commands.push(command);
        self.texts.push(texts);
        self
    }

    /// Adds several commands.
    pub fn commands<C: Into<SshCommand>>(self, commands: impl IntoIterator<Item = C>) -> SshJob {
        commands.into_iter().fold(self, SshJob::command)
    }

    /// Keeps the node's connection open when the job ends (apssh
    /// `keep_connection`). Otherwise a scheduler closes it as soon as no
    /// other job of its run still needs the node.
    pub fn keep_connection(mut self, keep: bool) -> SshJob {
        self.keep_connection = keep;
        self
    }

    /// Sends this job's output lines to `formatter` instead of the node's
    /// (lines are still labelled with the node's name).
    pub fn with_formatter(mut self, formatter: SharedFormatter) -> SshJob {
        self.formatter = Some(formatter);
        self
    }

    /// Where this job's output lines go: its own formatter, else the node's.
    pub fn formatter(&self) -> Option<&SharedFormatter> {
        self.formatter.as_ref().or_else(|| self.node.formatter())
    }

    /// The commands.
    pub fn command_list(&self) -> &[SshCommand] {
        &self.commands
    }

    /// The node.
    pub fn node(&self) -> &JobNode {
        &self.node
    }

    fn node_label(&self) -> &str {
        self.node.label()
    }

    /// Whether the job keeps the node's connection.
    pub fn keeps_connection(&self) -> bool {
        self.keep_connection
    }

    /// Runs the commands now, in order, on the node's connection (opened
    /// if needed; left open: a scheduler closes it, or call
    /// [`SshNode::close`](super::SshNode::close)).
    pub async fn execute(&self) -> Result<Value> {
        self.check()?;
        if self.keep_connection
            && let Some(node) = self.node.as_ssh()
        {
            node.keep_connection();
        }
        let mut values = Vec::with_capacity(self.commands.len());
        for (command, texts) in self.commands.iter().zip(&self.texts) {
            values.push(self.run_one(command, texts).await?);
        }
        Ok(Value::List(values))
    }

    async fn run_one(&self, command: &SshCommand, texts: &Texts) -> Result<Value> {
        let vars = &self.base.vars;
        match (command, texts) {
            (SshCommand::Run(run), Texts::Run(line)) => {
                let line = line.render(vars)?;
                let output = self
                    .node
                    .exec(&line, run.settings.timeout, self.formatter())
                    .await?;
                self.judge(&line, &output, &run.settings)
            }
            (SshCommand::Script(script), Texts::Script { text, args }) => {
                let content = match (&script.source, text) {
                    (_, Some(text)) => text.render(vars)?.into_bytes(),
                    (ScriptSource::File(path), None) => {
                        tokio::fs::read(path).await.map_err(|e| {
                            Error::io(format!("reading the script {}", path.display()), e)
                        })?
                    }
                    (ScriptSource::Text(text), None) => text.clone().into_bytes(),
                };
                let args: Result<Vec<String>> = args.iter().map(|a| a.render(vars)).collect();
                let (line, output) = self
                    .node
                    .run_script(&ScriptRun {
                        name: &script.file_name(),
                        content: &content,
                        includes: &script.includes,
                        args: &args?.join(" "),
                        timeout: script.settings.timeout,
                        formatter: self.formatter(),
                    })
                    .await?;
                self.judge(&line, &output, &script.settings)
            }
            (SshCommand::Push(push), _) => {
                let t = self
                    .node
                    .push(&push.describe(), &push.local_paths, &push.remote_dir)
                    .await?;
                Ok(Value::Int(i64::try_from(t.files).unwrap_or(i64::MAX)))
            }
            (SshCommand::Pull(pull), _) => {
                let t = self
                    .node
                    .pull(&pull.describe(), &pull.remote_paths, &pull.local_dir)
                    .await?;
                Ok(Value::Int(i64::try_from(t.files).unwrap_or(i64::MAX)))
            }
            (command, _) => Err(Error::msg(format!(
                "`{}` was not prepared when it was added",
                command.describe()
            ))),
        }
    }

    /// Checks the status against the allowed exits, stores a capture, and
    /// returns stdout as the command's value.
    fn judge(&self, line: &str, output: &ExecOutput, settings: &ExecSettings) -> Result<Value> {
        if !(output.success() || output.allows(&settings.allowed_exits)) {
            return Err(Error::CommandFailed {
                node: self.node.label().to_owned(),
                command: line.to_owned(),
                status: output.status_text(),
                stderr: Tail::of(&output.stderr),
                output: Tail::of(&output.stdout),
            });
        }
        let stdout = output.stdout_text();
        if let Some(var) = &settings.capture {
            self.base.store(var, &stdout);
        }
        Ok(Value::Text(stdout))
    }

    /// A graph job running [`execute`](SshJob::execute). The scheduler
    /// that runs it closes the node's connection once no job of the run
    /// needs it any more (unless a job keeps it), and the gateway hops at
    /// the end of the run. A problem found when a command was added (a
    /// malformed template) fails the graph's check, before anything runs.
    pub fn into_job(self) -> Job {
        let label = self.label();
        let node = self.node.attachment();
        let job = Job::new_checked(label, self.base.problem.clone(), move || {
            let this = self.clone();
            async move { this.execute().await }
        });
        if let Some(node) = node {
            job.attach(node);
        }
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::{LocalNode, RunString, SshNode};
    use crate::vars::Variables;
    use oxscript_core::Host;
    use oxscript_transport::ssh::SshOptions;

    #[test]
    fn labels_and_builders() {
        let node = SshNode::new(Host::new("ssh://u@r1").unwrap(), SshOptions::default());
        let job = SshJob::new(&node);
        assert_eq!(job.label(), "r1: (no command)");
        let job = job
            .run("uname -a")
            .run_allowing("grep x y", [1])
            .capture("hostname", "h")
            .run_deferred("echo {{h}}")
            .run_script("a/b.sh", ["1", "2"])
            .run_string("#!/bin/sh\n", ["x"])
            .push(["f"], "/tmp")
            .pull(["/etc/hostname"], "out")
            .command("id")
            .commands(["a", "b"])
            .keep_connection(true);
        assert_eq!(job.label(), "r1: uname -a (+10 more)");
        assert_eq!(job.command_list().len(), 11);
        assert!(job.keeps_connection());
        assert_eq!(
            job.command_list()[1],
            SshCommand::Run(Run::new("grep x y").allowed_exits([0, 1]))
        );
        assert_eq!(job.command_list()[4].describe(), "RunScript b.sh 1 2");
        assert_eq!(job.clone().with_label("x").label(), "x");
        assert!(format!("{job:?}").contains("r1"));
        let local = SshJob::new(LocalNode::new()).run("true");
        assert_eq!(local.label(), "localhost: true");
        assert!(local.node().as_ssh().is_none());
        assert!(job.node().as_ssh().is_some());
    }

    #[tokio::test]
    async fn local_commands_capture_defer_and_fail_with_details() {
        let vars = Variables::new();
        let job = SshJob::new(LocalNode::new())
            .capture("echo 10.0.0.1", "peer")
            .run_deferred("echo ping {{peer}}")
            .run_allowing("exit 3", [3])
            .run_string("#!/bin/sh\necho \"$1-$2\"\n", ["a", "b"])
            .with_variables(&vars);
        let value = job.execute().await.unwrap();
        assert_eq!(vars.get("peer").as_deref(), Some("10.0.0.1"));
        assert_eq!(
            value,
            Value::List(vec![
                Value::Text("10.0.0.1\n".into()),
                Value::Text("ping 10.0.0.1\n".into()),
                Value::Text(String::new()),
                Value::Text("a-b\n".into()),
            ])
        );

        let err = SshJob::new(LocalNode::new())
            .run("echo partial; echo 'no such thing' >&2; exit 4")
            .execute()
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "command `echo partial; echo 'no such thing' >&2; exit 4` on localhost failed with status 4; stderr: \"no such thing\\n\""
        );
        let err = SshJob::new(LocalNode::new())
            .run("echo '% Invalid input'; exit 1")
            .execute()
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .ends_with("status 1; output: \"% Invalid input\\n\""),
            "{err}"
        );
        let err = SshJob::new(LocalNode::new())
            .run_deferred("echo {{missing}}")
            .execute()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::MissingVariable { .. }), "{err}");
        let err = SshJob::new(LocalNode::new())
            .push(["x"], "/tmp")
            .execute()
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Push x -> /tmp cannot run on localhost: file transfers need an SSH node"
        );
        // The job's own formatter wins over the node's.
        let node_lines = std::sync::Arc::new(crate::format::CaptureFormatter::new());
        let job_lines = std::sync::Arc::new(crate::format::CaptureFormatter::new());
        let local = LocalNode::new().with_formatter(node_lines.clone());
        SshJob::new(&local)
            .run("echo to node")
            .execute()
            .await
            .unwrap();
        let job = SshJob::new(&local)
            .run_string("#!/bin/sh\necho to job\n", Vec::<String>::new())
            .with_formatter(job_lines.clone());
        assert!(job.formatter().is_some());
        job.execute().await.unwrap();
        assert_eq!(node_lines.lines_of("localhost"), ["to node"]);
        assert_eq!(job_lines.lines_of("localhost"), ["to job"]);

        let bad_name = SshJob::new(LocalNode::new())
            .command(RunString::new("#!/bin/sh\n").remote_name("../x"));
        let err = bad_name.check().unwrap_err();
        assert!(err.to_string().contains("plain file name"), "{err}");
        let err = bad_name.execute().await.unwrap_err();
        assert!(err.to_string().contains("plain file name"), "{err}");
    }

    #[tokio::test]
    async fn malformed_templates_fail_before_anything_runs() {
        let vars = Variables::new();
        let job = SshJob::new(LocalNode::new())
            .capture("echo ran", "ran")
            .command(RunString::new("#!/bin/sh\necho {{x").deferred())
            .run_deferred("echo {{ a b }}")
            .with_variables(&vars);
        match job.check() {
            Err(Error::Template { template, reason }) => {
                assert_eq!(template, "#!/bin/sh\necho {{x", "the first problem is kept");
                assert!(reason.contains("never closed"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(job.execute().await.is_err());
        assert!(vars.get("ran").is_none(), "nothing ran");
        let s = crate::graph::Scheduler::new();
        let graph_job = s.add(job.with_label("broken").into_job());
        let err = s.run().await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("job `broken` cannot run: invalid template"),
            "{err}"
        );
        assert_eq!(graph_job.state(), crate::graph::JobState::Idle);
        // Not deferred: braces are sent as they are.
        let literal = SshJob::new(LocalNode::new())
            .capture("echo '{{x'", "out")
            .with_variables(&vars);
        literal.execute().await.unwrap();
        assert_eq!(vars.get("out").as_deref(), Some("{{x"));
    }
}
