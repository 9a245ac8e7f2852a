//! `file.*`: files on the machine running the template (refused in
//! secure mode).

use std::path::Path;

use super::{arg, done, first_str, strings};
use crate::functions::{Call, FunctionError};
use crate::value::{Item, Value};

fn io_error(what: &str, path: &str, e: std::io::Error) -> FunctionError {
    FunctionError::Message(format!("{what} {path}: {e}"))
}

/// The mode argument: an integer (write it in octal, `0644`).
fn mode(args: &[Value], i: usize) -> Result<u32, FunctionError> {
    let item = arg(args, i).first().ok_or("the mode is an empty list")?;
    match item {
        Item::Int(m) => u32::try_from(*m)
            .ok()
            .filter(|m| *m <= 0o7777)
            .ok_or_else(|| FunctionError::Message(format!("mode {m:o} is not a file mode"))),
        other => Err(format!("the mode must be a number such as 0644, not \"{other}\"").into()),
    }
}

/// `file.chmod(filenames, mode)`.
pub(super) async fn chmod(args: &[Value]) -> Result<Value, FunctionError> {
    let mode = mode(args, 1)?;
    for path in strings(args, 0) {
        set_mode(&path, mode).await?;
    }
    done()
}

#[cfg(unix)]
async fn set_mode(path: &str, mode: u32) -> Result<(), FunctionError> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .await
        .map_err(|e| io_error("cannot change the mode of", path, e))
}

#[cfg(not(unix))]
async fn set_mode(path: &str, _mode: u32) -> Result<(), FunctionError> {
    Err(format!("cannot change the mode of {path}: file modes exist on Unix only").into())
}

/// `file.clear(filename)`: empties the file, creating it if needed.
pub(super) async fn clear(args: &[Value]) -> Result<Value, FunctionError> {
    let path = first_str(args, 0, "the file name")?;
    tokio::fs::write(&path, b"")
        .await
        .map_err(|e| io_error("cannot clear", &path, e))?;
    done()
}

/// `file.exists(filenames)`: whether each file exists.
pub(super) async fn exists(args: &[Value]) -> Result<Value, FunctionError> {
    let mut out = Vec::new();
    for path in strings(args, 0) {
        out.push(Item::Bool(
            tokio::fs::try_exists(&path).await.unwrap_or(false),
        ));
    }
    Ok(Value::from(out))
}

/// `file.mkdir(dirnames[, mode])`: creates each directory and its parents;
/// an existing one is an error.
pub(super) async fn mkdir(args: &[Value]) -> Result<Value, FunctionError> {
    let mode = if args.len() > 1 {
        Some(mode(args, 1)?)
    } else {
        None
    };
    for path in strings(args, 0) {
        if Path::new(&path).exists() {
            return Err(format!("cannot create directory {path}: it exists").into());
        }
        let mut builder = tokio::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        if let Some(mode) = mode {
            builder.mode(mode);
        }
        builder
            .create(&path)
            .await
            .map_err(|e| io_error("cannot create directory", &path, e))?;
    }
    done()
}

/// `file.read(filename)`: the file's lines, each with its line break (as
/// Python's `readlines`); also stored in `__response__`.
pub(super) async fn read(call: &mut Call<'_>, args: &[Value]) -> Result<Value, FunctionError> {
    let path = first_str(args, 0, "the file name")?;
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| io_error("cannot read", &path, e))?;
    let lines = Value::from(
        text.split_inclusive('\n')
            .map(Item::from)
            .collect::<Vec<_>>(),
    );
    call.set("__response__", lines.clone());
    Ok(lines)
}

/// `file.rm(filenames)`: deletes each file.
pub(super) async fn rm(args: &[Value]) -> Result<Value, FunctionError> {
    for path in strings(args, 0) {
        tokio::fs::remove_file(&path)
            .await
            .map_err(|e| io_error("cannot remove", &path, e))?;
    }
    done()
}

/// `file.write(filename, lines[, mode])`: writes each line (trailing
/// blanks removed) and a line break; mode `a` (the default) appends, `w`
/// replaces the file.
pub(super) async fn write(args: &[Value]) -> Result<Value, FunctionError> {
    use tokio::io::AsyncWriteExt;

    let path = first_str(args, 0, "the file name")?;
    let append = match arg(args, 2).first().map(Item::to_string).as_deref() {
        None | Some("a") => true,
        Some("w") => false,
        Some(other) => {
            return Err(format!("mode {other:?} is neither \"a\" nor \"w\"").into());
        }
    };
    let mut text = String::new();
    for line in strings(args, 1) {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(&path)
        .await
        .map_err(|e| io_error("cannot open", &path, e))?;
    file.write_all(text.as_bytes())
        .await
        .map_err(|e| io_error("cannot write", &path, e))?;
    file.flush()
        .await
        .map_err(|e| io_error("cannot write", &path, e))?;
    done()
}
