//! The SFTP subsystem of the emulator's SSH server: an in-memory file
//! tree shared by every connection of one server, so what one client
//! puts another can get. Enough of SFTP v3 for uploads, downloads,
//! directories and listings (russh-sftp's server side speaks the
//! protocol; this is the file system behind it).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use russh_sftp::protocol::{
    Attrs, Data, File, FileAttributes, Handle, Name, OpenFlags, Status, StatusCode,
};
use russh_sftp::server::{Handler, StatusReply};

/// The most bytes one file may hold (a runaway client cannot exhaust memory).
const MAX_FILE: usize = 1 << 30;

#[derive(Clone, Debug)]
enum Node {
    Dir,
    File { data: Vec<u8>, mode: u32 },
}

/// The files of one server: absolute paths to nodes (`/` always exists).
#[derive(Clone, Debug, Default)]
pub(crate) struct Tree(Arc<Mutex<BTreeMap<String, Node>>>);

impl Tree {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Node>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Creates `dir` and its parents.
    fn make_dirs(&self, dir: &str) {
        let mut tree = self.lock();
        let mut path = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            path.push('/');
            path.push_str(part);
            tree.entry(path.clone()).or_insert(Node::Dir);
        }
    }
}

enum Open {
    File(String),
    Dir { entries: Vec<File>, sent: bool },
}

/// One client's SFTP session over the server's [`Tree`].
pub(crate) struct Session {
    tree: Tree,
    home: String,
    handles: HashMap<String, Open>,
    next: u64,
}

impl Session {
    /// A session for `user`, whose home directory (created if needed) is
    /// where relative paths start.
    pub(crate) fn new(tree: Tree, user: Option<&str>) -> Session {
        let home = format!("/home/{}", user.unwrap_or("anonymous"));
        tree.make_dirs(&home);
        Session {
            tree,
            home,
            handles: HashMap::new(),
            next: 0,
        }
    }

    /// `path` made absolute and normal (`.`, `..` and repeated `/` resolved).
    fn resolve(&self, path: &str) -> String {
        let joined = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("{}/{path}", self.home)
        };
        crate::text::normalize_path(&joined)
    }

    fn handle(&mut self, open: Open) -> String {
        self.next += 1;
        let handle = format!("h{}", self.next);
        self.handles.insert(handle.clone(), open);
        handle
    }

    fn file_of(&self, handle: &str) -> Result<String, StatusReply> {
        match self.handles.get(handle) {
            Some(Open::File(path)) => Ok(path.clone()),
            _ => Err(fail(StatusCode::Failure, "not an open file")),
        }
    }

    fn attrs_of(&self, path: &str) -> Result<FileAttributes, StatusReply> {
        let tree = self.tree.lock();
        let node = if path == "/" {
            Some(&Node::Dir)
        } else {
            tree.get(path)
        };
        node.map(attributes)
            .ok_or_else(|| fail(StatusCode::NoSuchFile, format!("{path}: no such file")))
    }
}

fn attributes(node: &Node) -> FileAttributes {
    let mut attrs = FileAttributes::default();
    match node {
        Node::Dir => {
            attrs.permissions = Some(0o040_755);
            attrs.size = Some(0);
        }
        Node::File { data, mode } => {
            attrs.permissions = Some(0o100_000 | (mode & 0o7777));
            attrs.size = Some(data.len() as u64);
        }
    }
    attrs.uid = Some(1000);
    attrs.gid = Some(1000);
    attrs.atime = Some(0);
    attrs.mtime = Some(0);
    attrs
}

fn fail(code: StatusCode, message: impl Into<String>) -> StatusReply {
    StatusReply::new(code).with_message(message)
}

fn ok(id: u32) -> Status {
    Status {
        id,
        status_code: StatusCode::Ok,
        error_message: "Ok".to_owned(),
        language_tag: "en-US".to_owned(),
    }
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn is_dir(tree: &BTreeMap<String, Node>, path: &str) -> bool {
    path == "/" || matches!(tree.get(path), Some(Node::Dir))
}

impl Handler for Session {
    type Error = StatusReply;

    fn unimplemented(&self) -> Self::Error {
        StatusReply::new(StatusCode::OpUnsupported)
    }

    async fn open(
        &mut self,
        id: u32,
        filename: String,
        pflags: OpenFlags,
        attrs: FileAttributes,
    ) -> Result<Handle, Self::Error> {
        let path = self.resolve(&filename);
        {
            let mut tree = self.tree.lock();
            match tree.get_mut(&path) {
                Some(Node::Dir) => {
                    return Err(fail(StatusCode::Failure, format!("{path} is a directory")));
                }
                Some(Node::File { data, .. }) => {
                    if pflags.contains(OpenFlags::CREATE) && pflags.contains(OpenFlags::EXCLUDE) {
                        return Err(fail(StatusCode::Failure, format!("{path} exists")));
                    }
                    if pflags.contains(OpenFlags::TRUNCATE) {
                        data.clear();
                    }
                }
                None if pflags.contains(OpenFlags::CREATE) => {
                    if !is_dir(&tree, parent(&path)) {
                        return Err(fail(
                            StatusCode::NoSuchFile,
                            format!("{}: no such directory", parent(&path)),
                        ));
                    }
                    let mode = attrs.permissions.unwrap_or(0o644) & 0o7777;
                    tree.insert(
                        path.clone(),
                        Node::File {
                            data: Vec::new(),
                            mode,
                        },
                    );
                }
                None => {
                    return Err(fail(
                        StatusCode::NoSuchFile,
                        format!("{path}: no such file"),
                    ));
                }
            }
        }
        Ok(Handle {
            id,
            handle: self.handle(Open::File(path)),
        })
    }

    async fn close(&mut self, id: u32, handle: String) -> Result<Status, Self::Error> {
        self.handles.remove(&handle);
        Ok(ok(id))
    }

    async fn read(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        len: u32,
    ) -> Result<Data, Self::Error> {
        let path = self.file_of(&handle)?;
        let tree = self.tree.lock();
        let Some(Node::File { data, .. }) = tree.get(&path) else {
            return Err(fail(
                StatusCode::NoSuchFile,
                format!("{path}: no such file"),
            ));
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        if start >= data.len() {
            return Err(StatusReply::new(StatusCode::Eof));
        }
        let end = start.saturating_add(len as usize).min(data.len());
        Ok(Data {
            id,
            data: data.get(start..end).unwrap_or_default().to_vec(),
        })
    }

    async fn write(
        &mut self,
        id: u32,
        handle: String,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Result<Status, Self::Error> {
        let path = self.file_of(&handle)?;
        let mut tree = self.tree.lock();
        let Some(Node::File { data, .. }) = tree.get_mut(&path) else {
            return Err(fail(
                StatusCode::NoSuchFile,
                format!("{path}: no such file"),
            ));
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(bytes.len());
        if end > MAX_FILE {
            return Err(fail(
                StatusCode::Failure,
                format!("{path}: the emulator keeps files of at most {MAX_FILE} bytes"),
            ));
        }
        if data.len() < end {
            data.resize(end, 0);
        }
        if let Some(target) = data.get_mut(start..end) {
            target.copy_from_slice(&bytes);
        }
        Ok(ok(id))
    }

    async fn lstat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        let path = self.resolve(&path);
        Ok(Attrs {
            id,
            attrs: self.attrs_of(&path)?,
        })
    }

    async fn stat(&mut self, id: u32, path: String) -> Result<Attrs, Self::Error> {
        self.lstat(id, path).await
    }

    async fn fstat(&mut self, id: u32, handle: String) -> Result<Attrs, Self::Error> {
        let path = self.file_of(&handle)?;
        Ok(Attrs {
            id,
            attrs: self.attrs_of(&path)?,
        })
    }

    async fn setstat(
        &mut self,
        id: u32,
        path: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let path = self.resolve(&path);
        let mut tree = self.tree.lock();
        match tree.get_mut(&path) {
            Some(Node::File { mode, .. }) => {
                if let Some(p) = attrs.permissions {
                    *mode = p & 0o7777;
                }
                Ok(ok(id))
            }
            Some(Node::Dir) => Ok(ok(id)),
            None if path == "/" => Ok(ok(id)),
            None => Err(fail(
                StatusCode::NoSuchFile,
                format!("{path}: no such file"),
            )),
        }
    }

    async fn fsetstat(
        &mut self,
        id: u32,
        handle: String,
        attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let path = self.file_of(&handle)?;
        self.setstat(id, path, attrs).await
    }

    async fn opendir(&mut self, id: u32, path: String) -> Result<Handle, Self::Error> {
        let path = self.resolve(&path);
        let entries = {
            let tree = self.tree.lock();
            if !is_dir(&tree, &path) {
                return Err(fail(
                    StatusCode::NoSuchFile,
                    format!("{path}: no such directory"),
                ));
            }
            let prefix = if path == "/" {
                "/".to_owned()
            } else {
                format!("{path}/")
            };
            tree.range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .filter(|(k, _)| !k[prefix.len()..].contains('/'))
                .map(|(k, node)| File {
                    filename: k[prefix.len()..].to_owned(),
                    longname: k[prefix.len()..].to_owned(),
                    attrs: attributes(node),
                })
                .collect()
        };
        Ok(Handle {
            id,
            handle: self.handle(Open::Dir {
                entries,
                sent: false,
            }),
        })
    }

    async fn readdir(&mut self, id: u32, handle: String) -> Result<Name, Self::Error> {
        match self.handles.get_mut(&handle) {
            Some(Open::Dir { entries, sent }) if !*sent => {
                *sent = true;
                Ok(Name {
                    id,
                    files: std::mem::take(entries),
                })
            }
            Some(Open::Dir { .. }) => Err(StatusReply::new(StatusCode::Eof)),
            _ => Err(fail(StatusCode::Failure, "not an open directory")),
        }
    }

    async fn remove(&mut self, id: u32, filename: String) -> Result<Status, Self::Error> {
        let path = self.resolve(&filename);
        let mut tree = self.tree.lock();
        match tree.get(&path) {
            Some(Node::File { .. }) => {
                tree.remove(&path);
                Ok(ok(id))
            }
            Some(Node::Dir) => Err(fail(StatusCode::Failure, format!("{path} is a directory"))),
            None => Err(fail(
                StatusCode::NoSuchFile,
                format!("{path}: no such file"),
            )),
        }
    }

    async fn mkdir(
        &mut self,
        id: u32,
        path: String,
        _attrs: FileAttributes,
    ) -> Result<Status, Self::Error> {
        let path = self.resolve(&path);
        let mut tree = self.tree.lock();
        if path == "/" || tree.contains_key(&path) {
            return Err(fail(StatusCode::Failure, format!("{path} exists")));
        }
        if !is_dir(&tree, parent(&path)) {
            return Err(fail(
                StatusCode::NoSuchFile,
                format!("{}: no such directory", parent(&path)),
            ));
        }
        tree.insert(path, Node::Dir);
        Ok(ok(id))
    }

    async fn rmdir(&mut self, id: u32, path: String) -> Result<Status, Self::Error> {
        let path = self.resolve(&path);
        let mut tree = self.tree.lock();
        let prefix = format!("{path}/");
        let empty = !tree
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix));
        match tree.get(&path) {
            Some(Node::Dir) if empty => {
                tree.remove(&path);
                Ok(ok(id))
            }
            Some(Node::Dir) => Err(fail(StatusCode::Failure, format!("{path} is not empty"))),
            _ => Err(fail(
                StatusCode::NoSuchFile,
                format!("{path}: no such directory"),
            )),
        }
    }

    async fn realpath(&mut self, id: u32, path: String) -> Result<Name, Self::Error> {
        Ok(Name {
            id,
            files: vec![File::dummy(self.resolve(&path))],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_and_directories_in_memory() {
        let tree = Tree::default();
        let mut s = Session::new(tree.clone(), Some("alice"));
        assert_eq!(s.resolve("a/../b/./c"), "/home/alice/b/c");
        assert_eq!(s.resolve("/x//y/"), "/x/y");
        s.mkdir(1, "d".into(), FileAttributes::default())
            .await
            .unwrap();
        assert!(
            s.mkdir(2, "d".into(), FileAttributes::default())
                .await
                .is_err()
        );
        assert!(
            s.mkdir(2, "no/such".into(), FileAttributes::default())
                .await
                .is_err()
        );
        let h = s
            .open(
                3,
                "d/f".into(),
                OpenFlags::CREATE | OpenFlags::WRITE | OpenFlags::TRUNCATE,
                FileAttributes::default(),
            )
            .await
            .unwrap()
            .handle;
        s.write(4, h.clone(), 0, b"hello".to_vec()).await.unwrap();
        s.write(5, h.clone(), 5, b" world".to_vec()).await.unwrap();
        assert_eq!(s.fstat(6, h.clone()).await.unwrap().attrs.size, Some(11));
        s.close(7, h).await.unwrap();
        // Another session of the same server sees it.
        let mut other = Session::new(tree, Some("alice"));
        let h = other
            .open(
                8,
                "/home/alice/d/f".into(),
                OpenFlags::READ,
                FileAttributes::default(),
            )
            .await
            .unwrap()
            .handle;
        assert_eq!(
            other.read(9, h.clone(), 6, 100).await.unwrap().data,
            b"world"
        );
        assert_eq!(
            other.read(10, h, 11, 100).await.unwrap_err().status_code,
            StatusCode::Eof
        );
        let d = other.opendir(11, "d".into()).await.unwrap().handle;
        let names: Vec<String> = other
            .readdir(12, d.clone())
            .await
            .unwrap()
            .files
            .into_iter()
            .map(|f| f.filename)
            .collect();
        assert_eq!(names, ["f"]);
        assert!(other.readdir(13, d).await.is_err());
        assert!(other.rmdir(14, "d".into()).await.is_err(), "not empty");
        other.remove(15, "d/f".into()).await.unwrap();
        other.rmdir(16, "d".into()).await.unwrap();
        assert_eq!(
            other.stat(17, "d".into()).await.unwrap_err().status_code,
            StatusCode::NoSuchFile
        );
        assert_eq!(
            other.realpath(18, ".".into()).await.unwrap().files[0].filename,
            "/home/alice"
        );
    }
}
