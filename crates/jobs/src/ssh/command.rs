//! The commands of an [`SshJob`](super::SshJob): [`Run`], [`Script`]
//! (apssh's `RunScript` and `RunString`), [`Push`] and [`Pull`] (apssh's
//! command classes).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings shared by the commands that run something ([`Run`] and
/// [`Script`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecSettings {
    /// Exit statuses that count as success; 0 always does. Default `[0]`.
    pub allowed_exits: Vec<u32>,
    /// Store the command's stdout (trailing whitespace removed) in this
    /// variable of the job's [`Variables`](crate::vars::Variables).
    pub capture: Option<String>,
    /// How long the command may take (default: the node's; for SSH nodes
    /// [`SshOptions::exec_timeout`](oxscript_transport::ssh::SshOptions::exec_timeout)).
    pub timeout: Option<Duration>,
    /// The command's text and arguments are templates (`{{name}}`),
    /// rendered from the job's variables when the command is about to run
    /// (apssh `Deferred`).
    pub deferred: bool,
    /// How the command shows in labels (default: built from the command).
    pub label: Option<String>,
}

impl Default for ExecSettings {
    fn default() -> Self {
        ExecSettings {
            allowed_exits: vec![0],
            capture: None,
            timeout: None,
            deferred: false,
            label: None,
        }
    }
}

impl ExecSettings {
    /// Whether `status` is allowed.
    pub fn allows(&self, status: u32) -> bool {
        status == 0 || self.allowed_exits.contains(&status)
    }

    fn suffix(&self) -> String {
        match &self.capture {
            Some(var) => format!(" > {{{{{var}}}}}"),
            None => String::new(),
        }
    }
}

/// Builder methods shared by [`Run`] and [`Script`].
macro_rules! exec_builders {
    ($ty:ident) => {
        impl $ty {
            /// Exit statuses that count as success besides 0 (apssh
            /// `allowed_exits`), e.g. `[1]` for `grep` that may find nothing.
            pub fn allowed_exits(mut self, codes: impl IntoIterator<Item = u32>) -> $ty {
                let mut codes: Vec<u32> = codes.into_iter().collect();
                if !codes.contains(&0) {
                    codes.insert(0, 0);
                }
                self.settings.allowed_exits = codes;
                self
            }

            /// Stores the command's stdout, trailing whitespace removed, in
            /// the variable `var` of the job's variables (apssh `Capture`).
            pub fn capture(mut self, var: impl Into<String>) -> $ty {
                self.settings.capture = Some(var.into());
                self
            }

            /// How long the command may take.
            pub fn timeout(mut self, timeout: Duration) -> $ty {
                self.settings.timeout = Some(timeout);
                self
            }

            /// How the command shows in labels.
            pub fn label(mut self, label: impl Into<String>) -> $ty {
                self.settings.label = Some(label.into());
                self
            }

            /// The shared settings.
            pub fn settings(&self) -> &ExecSettings {
                &self.settings
            }
        }
    };
}

/// Runs a command line on the node (apssh `Run`): with a remote shell for
/// SSH nodes, with `sh -c` for a local node. A status outside the allowed
/// exits fails the job with the command, the status and the end of stderr.
///
/// ```
/// use oxscript_jobs::ssh::Run;
///
/// let grep = Run::new("grep -c ssh /etc/services").allowed_exits([1]).capture("count");
/// assert_eq!(grep.describe(), "grep -c ssh /etc/services > {{count}}");
/// assert!(grep.settings().allows(1) && !grep.settings().allows(2));
/// let ping = Run::deferred("ping -c 1 {{peer}}");
/// assert!(ping.settings().deferred);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Run {
    /// The command line (a template when [`deferred`](ExecSettings::deferred)).
    pub command: String,
    /// Allowed exits, capture, timeout, label.
    pub settings: ExecSettings,
}

impl Run {
    /// Runs `command`.
    pub fn new(command: impl Into<String>) -> Run {
        Run {
            command: command.into(),
            settings: ExecSettings::default(),
        }
    }

    /// Runs the command rendered from `template` and the job's variables
    /// when its turn comes (apssh `Deferred`): `ping {{peer}}`.
    pub fn deferred(template: impl Into<String>) -> Run {
        let mut run = Run::new(template);
        run.settings.deferred = true;
        run
    }

    /// How the command shows in labels.
    pub fn describe(&self) -> String {
        match &self.settings.label {
            Some(label) => label.clone(),
            None => format!("{}{}", self.command, self.settings.suffix()),
        }
    }
}

exec_builders!(Run);

/// Where the text of a [`Script`] comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum ScriptSource {
    /// A local file, read when the script is about to run (apssh `RunScript`).
    File(PathBuf),
    /// The script's text (apssh `RunString`; a template when deferred).
    Text(String),
}

impl fmt::Debug for ScriptSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptSource::File(path) => f.debug_tuple("File").field(path).finish(),
            // Scripts may hold secrets: show their size only.
            ScriptSource::Text(text) => write!(f, "Text({} bytes)", text.len()),
        }
    }
}

/// Copies a script to the node and runs it with arguments (apssh
/// `RunScript` for a local file, `RunString` for a script's text).
///
/// The script and its include files are copied (SFTP) into a fresh
/// directory with a random name under `.oxscript-remote/` in the login
/// directory; the script keeps its file name (or the
/// [`remote_name`](Script::remote_name) given), with mode 755. It runs as
/// `.oxscript-remote/<dir>/<name> <args>` from the login directory, and the
/// same command removes the directory afterwards, keeping the script's
/// exit status. Find include files from the script with
/// `"$(dirname "$0")/lib.sh"`. As in apssh, arguments are joined with
/// spaces and split again by the remote shell: quote them yourself when
/// they hold spaces.
///
/// ```
/// use oxscript_jobs::ssh::{RunScript, RunString, Script};
///
/// let setup = Script::file("scripts/setup.sh")
///     .args(["eth0", "10.0.0.1/24"])
///     .includes(["scripts/lib.sh"]);
/// assert_eq!(setup.describe(), "RunScript setup.sh eth0 10.0.0.1/24");
/// assert_eq!(setup, RunScript::new("scripts/setup.sh").args(["eth0", "10.0.0.1/24"]).includes(["scripts/lib.sh"]));
///
/// let hello = Script::text("#!/bin/sh\necho \"hello $1\"\n").args(["world"]).remote_name("hello.sh");
/// assert_eq!(hello.describe(), "RunString hello.sh world");
/// assert_eq!(hello, RunString::new("#!/bin/sh\necho \"hello $1\"\n").args(["world"]).remote_name("hello.sh"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Script {
    /// The script: a local file or its text.
    pub source: ScriptSource,
    /// Its arguments (templates when deferred).
    pub args: Vec<String>,
    /// Local files copied beside the script.
    pub includes: Vec<PathBuf>,
    /// The script's file name on the node (default: the local file's
    /// name; `run-string` for a text).
    pub remote_name: Option<String>,
    /// Allowed exits, capture, timeout, label.
    pub settings: ExecSettings,
}

impl Script {
    /// Runs the local script `local_path`.
    pub fn file(local_path: impl Into<PathBuf>) -> Script {
        Script::of(ScriptSource::File(local_path.into()))
    }

    /// Runs the script `text` (start it with a `#!` line).
    pub fn text(text: impl Into<String>) -> Script {
        Script::of(ScriptSource::Text(text.into()))
    }

    fn of(source: ScriptSource) -> Script {
        Script {
            source,
            args: Vec::new(),
            includes: Vec::new(),
            remote_name: None,
            settings: ExecSettings::default(),
        }
    }

    /// Adds arguments.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Script {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds local files to copy beside the script.
    pub fn includes<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Script {
        self.includes.extend(paths.into_iter().map(Into::into));
        self
    }

    /// The script's file name on the node: a plain file name (`/`, `.`
    /// and `..` are refused when the command is added to a job).
    pub fn remote_name(mut self, name: impl Into<String>) -> Script {
        self.remote_name = Some(name.into());
        self
    }

    /// The arguments, and the text of a [`ScriptSource::Text`], are
    /// templates rendered from the job's variables when the script is
    /// about to run.
    pub fn deferred(mut self) -> Script {
        self.settings.deferred = true;
        self
    }

    /// The script's file name on the node.
    pub fn file_name(&self) -> String {
        match (&self.remote_name, &self.source) {
            (Some(name), _) => name.clone(),
            (None, ScriptSource::File(path)) => file_name(path),
            (None, ScriptSource::Text(_)) => "run-string".to_owned(),
        }
    }

    /// How the command shows in labels.
    pub fn describe(&self) -> String {
        if let Some(label) = &self.settings.label {
            return label.clone();
        }
        let (kind, name) = match (&self.source, &self.remote_name) {
            (ScriptSource::File(path), _) => ("RunScript", file_name(path)),
            (ScriptSource::Text(_), Some(name)) => ("RunString", name.clone()),
            (ScriptSource::Text(_), None) => ("RunString", "script".to_owned()),
        };
        format!(
            "{kind} {}{}",
            with_args(&name, &self.args),
            self.settings.suffix()
        )
    }
}

exec_builders!(Script);

/// apssh's name for a [`Script`] copied from a local file.
#[derive(Clone, Copy, Debug)]
pub struct RunScript;

impl RunScript {
    /// [`Script::file`]: runs the local script `local_path`.
    #[allow(clippy::new_ret_no_self)] // apssh's spelling of Script::file
    pub fn new(local_path: impl Into<PathBuf>) -> Script {
        Script::file(local_path)
    }
}

/// apssh's name for a [`Script`] given as text.
#[derive(Clone, Copy, Debug)]
pub struct RunString;

impl RunString {
    /// [`Script::text`]: runs the script `text`.
    #[allow(clippy::new_ret_no_self)] // apssh's spelling of Script::text
    pub fn new(text: impl Into<String>) -> Script {
        Script::text(text)
    }
}

/// Copies local files or directories into a directory of the node over
/// SFTP (apssh `Push`); the remote directory is created when missing.
/// Directories are copied recursively, under their own name.
///
/// ```
/// use oxscript_jobs::ssh::Push;
///
/// let push = Push::new(["configs", "firmware.bin"], "/tmp/deploy");
/// assert_eq!(push.describe(), "Push configs, firmware.bin -> /tmp/deploy");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Push {
    /// Local files and directories.
    pub local_paths: Vec<PathBuf>,
    /// The remote directory they go into.
    pub remote_dir: String,
    /// How the command shows in labels.
    pub label: Option<String>,
}

impl Push {
    /// Copies `local_paths` into `remote_dir`.
    pub fn new<P: Into<PathBuf>>(
        local_paths: impl IntoIterator<Item = P>,
        remote_dir: impl Into<String>,
    ) -> Push {
        Push {
            local_paths: local_paths.into_iter().map(Into::into).collect(),
            remote_dir: remote_dir.into(),
            label: None,
        }
    }

    /// How the command shows in labels.
    pub fn label(mut self, label: impl Into<String>) -> Push {
        self.label = Some(label.into());
        self
    }

    /// How the command shows in labels.
    pub fn describe(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let names: Vec<String> = self
            .local_paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        format!("Push {} -> {}", names.join(", "), self.remote_dir)
    }
}

/// Copies remote files or directories of the node into a local directory
/// over SFTP (apssh `Pull`); the local directory is created when missing.
///
/// ```
/// use oxscript_jobs::ssh::Pull;
///
/// let pull = Pull::new(["/etc/hostname", "/var/log/app"], "collected");
/// assert_eq!(pull.describe(), "Pull /etc/hostname, /var/log/app -> collected");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pull {
    /// Remote files and directories.
    pub remote_paths: Vec<String>,
    /// The local directory they go into.
    pub local_dir: PathBuf,
    /// How the command shows in labels.
    pub label: Option<String>,
}

impl Pull {
    /// Copies `remote_paths` into `local_dir`.
    pub fn new<S: Into<String>>(
        remote_paths: impl IntoIterator<Item = S>,
        local_dir: impl Into<PathBuf>,
    ) -> Pull {
        Pull {
            remote_paths: remote_paths.into_iter().map(Into::into).collect(),
            local_dir: local_dir.into(),
            label: None,
        }
    }

    /// How the command shows in labels.
    pub fn label(mut self, label: impl Into<String>) -> Pull {
        self.label = Some(label.into());
        self
    }

    /// How the command shows in labels.
    pub fn describe(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        format!(
            "Pull {} -> {}",
            self.remote_paths.join(", "),
            self.local_dir.display()
        )
    }
}

/// One step of an [`SshJob`](super::SshJob).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SshCommand {
    /// See [`Run`].
    Run(Run),
    /// See [`Script`] (apssh `RunScript` and `RunString`).
    Script(Script),
    /// See [`Push`].
    Push(Push),
    /// See [`Pull`].
    Pull(Pull),
}

impl SshCommand {
    /// How the command shows in labels.
    pub fn describe(&self) -> String {
        match self {
            SshCommand::Run(c) => c.describe(),
            SshCommand::Script(c) => c.describe(),
            SshCommand::Push(c) => c.describe(),
            SshCommand::Pull(c) => c.describe(),
        }
    }
}

impl From<Run> for SshCommand {
    fn from(c: Run) -> SshCommand {
        SshCommand::Run(c)
    }
}

impl From<Script> for SshCommand {
    fn from(c: Script) -> SshCommand {
        SshCommand::Script(c)
    }
}

impl From<Push> for SshCommand {
    fn from(c: Push) -> SshCommand {
        SshCommand::Push(c)
    }
}

impl From<Pull> for SshCommand {
    fn from(c: Pull) -> SshCommand {
        SshCommand::Pull(c)
    }
}

/// A command line, as apssh builds it: `Run("uname -a")`.
impl From<&str> for SshCommand {
    fn from(c: &str) -> SshCommand {
        SshCommand::Run(Run::new(c))
    }
}

/// A command line, as apssh builds it.
impl From<String> for SshCommand {
    fn from(c: String) -> SshCommand {
        SshCommand::Run(Run::new(c))
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn with_args(name: &str, args: &[String]) -> String {
    if args.is_empty() {
        name.to_owned()
    } else {
        format!("{name} {}", args.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_always_allowed_and_labels_win() {
        let run = Run::new("false").allowed_exits([3, 4]);
        assert_eq!(run.settings().allowed_exits, [0, 3, 4]);
        assert!(run.settings().allows(0) && run.settings().allows(4));
        assert!(!run.settings().allows(1));
        let run = Run::new("x").allowed_exits([0, 1]);
        assert_eq!(run.settings().allowed_exits, [0, 1]);
        assert_eq!(Run::new("x").label("step 1").describe(), "step 1");
        assert_eq!(
            Run::new("x")
                .timeout(Duration::from_secs(2))
                .settings()
                .timeout,
            Some(Duration::from_secs(2))
        );
        let script = RunScript::new("a/b.sh").capture("out").deferred();
        assert_eq!(script.describe(), "RunScript b.sh > {{out}}");
        assert_eq!(script.file_name(), "b.sh");
        assert!(script.settings().deferred);
        let string = RunString::new("#!/bin/sh\n")
            .includes(["lib.sh"])
            .deferred();
        assert_eq!(string.describe(), "RunString script");
        assert_eq!(string.file_name(), "run-string");
        assert_eq!(string.includes, [PathBuf::from("lib.sh")]);
        assert!(
            !format!("{string:?}").contains("#!/bin/sh"),
            "scripts are not dumped"
        );
        let renamed = Script::file("x/y.sh").remote_name("z.sh");
        assert_eq!(renamed.file_name(), "z.sh");
        assert_eq!(renamed.describe(), "RunScript y.sh");
        assert_eq!(Push::new(["a"], "d").label("p").describe(), "p");
        assert_eq!(Pull::new(["a"], "d").label("q").describe(), "q");
        assert_eq!(
            SshCommand::from("uname -a"),
            SshCommand::Run(Run::new("uname -a"))
        );
        assert_eq!(SshCommand::from(String::from("id")).describe(), "id");
    }
}
