//! The working-dir gateway: every file codexmcp reads, writes, renames or removes inside a
//! folder Codex can write goes through here (DESIGN §8, rule 1).
//!
//! Codex, driven by a model, shapes the working dir; codexmcp then acts on it as the user,
//! outside Codex's sandbox — checkpoints, undo, the file pane. A path is a plan the other side
//! can change between the check and the act: a folder swapped for a symlink to `~`, a file
//! swapped for a FIFO or a link to `/dev/zero`. So nothing here walks a path from the top by
//! name: [`WorkDir`] holds a handle on the root folder; a path below it is opened with
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, or, where the kernel refuses `openat2`,
//! one component at a time with `O_NOFOLLOW` (see `resolve`); and every act on a name is made
//! relative to the handle of the folder that holds it ([`Dir`]). A link is never followed at
//! any component, the type of what was opened is checked on the open handle (`fstat`), never on
//! the path before, and a write is a new file under a temporary name renamed over the old one:
//! a rename replaces a link, it never writes through it.

mod resolve;

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

pub use resolve::{openat2_refused, walk_only};
pub use rustix::fs::Stat;

/// A working dir, held open.
pub struct WorkDir {
    root: Dir,
    path: PathBuf,
}

impl WorkDir {
    /// Opens `path` (the user's own choice, so a link there is followed, once, now).
    pub fn open(path: &Path) -> io::Result<Self> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self {
            root: Dir { fd },
            path: path.to_path_buf(),
        })
    }

    /// The path it was opened by (for messages; never used to reach a file).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn root(&self) -> &Dir {
        &self.root
    }

    /// The folder at `rel` (`/`-separated; empty: the root itself), no link followed.
    pub fn dir(&self, rel: &[u8]) -> io::Result<Dir> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY;
        resolve::beneath(&self.root.fd, rel, flags).map(|fd| Dir { fd })
    }

    /// The folder that holds `rel`, and `rel`'s last name. With `create`, missing folders on
    /// the way are made with that mode (a folder never replaces anything else).
    pub fn parent<'a>(&self, rel: &'a [u8], create: Option<u32>) -> io::Result<(Dir, &'a [u8])> {
        let (dir, name) = match rel.iter().rposition(|&b| b == b'/') {
            Some(i) => (&rel[..i], &rel[i + 1..]),
            None => (&rel[..0], rel),
        };
        check_name(name)?;
        let holder = match create {
            None => self.dir(dir)?,
            Some(mode) => {
                let mut at = self.dir(&[])?;
                for part in dir.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
                    at = match at.dir(part) {
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {
                            at.make_dir(part, mode)?;
                            at.dir(part)?
                        }
                        other => other?,
                    };
                }
                at
            }
        };
        Ok((holder, name))
    }

    /// The regular file at `rel`, open for reading, with its status (taken on the handle).
    pub fn open_file(&self, rel: &[u8]) -> io::Result<(File, Stat)> {
        let (dir, name) = self.parent(rel, None)?;
        dir.open_read(name)
    }
}

/// An open folder beneath a [`WorkDir`]: every act on a name in it goes through its handle.
pub struct Dir {
    fd: OwnedFd,
}

impl Dir {
    /// The names in the folder (`.` and `..` left out), as bytes.
    pub fn names(&self) -> io::Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let name = entry?.file_name().to_bytes().to_vec();
            if name != b"." && name != b".." {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// The names in the folder with whether each is a folder, as the directory itself says
    /// (no status call; `None` where the file system does not say).
    pub fn typed_names(&self) -> io::Result<Vec<(Vec<u8>, Option<bool>)>> {
        let mut out = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                let is_dir = match entry.file_type() {
                    FileType::Unknown => None,
                    t => Some(t == FileType::Directory),
                };
                out.push((name.to_vec(), is_dir));
            }
        }
        Ok(out)
    }

    /// The folder's own status.
    pub fn status(&self) -> io::Result<Stat> {
        Ok(rustix::fs::fstat(&self.fd)?)
    }

    /// What `name` is, never following it.
    pub fn stat(&self, name: &[u8]) -> io::Result<Stat> {
        check_name(name)?;
        Ok(rustix::fs::statat(
            &self.fd,
            name,
            AtFlags::SYMLINK_NOFOLLOW,
        )?)
    }

    /// The folder `name` (a link there is refused, not followed).
    pub fn dir(&self, name: &[u8]) -> io::Result<Dir> {
        check_name(name)?;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        Ok(Dir { fd })
    }

    /// The regular file `name`, open for reading: never through a link, never waiting on a
    /// FIFO, and refused unless what was opened is a regular file.
    pub fn open_read(&self, name: &[u8]) -> io::Result<(File, Stat)> {
        check_name(name)?;
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        let st = rustix::fs::fstat(&fd)?;
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            return Err(not_regular(st.st_mode));
        }
        Ok((File::from(fd), st))
    }

    /// Where the link `name` points, as bytes.
    pub fn read_link(&self, name: &[u8]) -> io::Result<Vec<u8>> {
        check_name(name)?;
        Ok(rustix::fs::readlinkat(&self.fd, name, Vec::new())?.into_bytes())
    }

    /// Puts `bytes` at `name` with `mode`: written whole under a new temporary name, then
    /// renamed over whatever `name` was (a file or a link is replaced, a folder refused).
    pub fn write_file(&self, name: &[u8], bytes: &[u8], mode: u32) -> io::Result<()> {
        check_name(name)?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        self.via_temp(name, |dir, tmp| {
            let fd = rustix::fs::openat(&dir.fd, tmp, flags, Mode::from_raw_mode(0o600))?;
            let mut file = File::from(fd);
            io::Write::write_all(&mut file, bytes)?;
            rustix::fs::fchmod(&file, Mode::from_raw_mode(mode & 0o7777))?;
            Ok(())
        })
    }

    /// Makes `name` a symlink to `target` (a new link renamed over whatever was there).
    pub fn write_link(&self, name: &[u8], target: &[u8]) -> io::Result<()> {
        check_name(name)?;
        self.via_temp(name, |dir, tmp| {
            Ok(rustix::fs::symlinkat(target, &dir.fd, tmp)?)
        })
    }

    /// Makes the temporary `make` writes, then renames it to `name`; removes it on failure.
    fn via_temp(
        &self,
        name: &[u8],
        make: impl Fn(&Dir, &[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut tries = 0;
        let tmp = loop {
            let tmp = temp_name();
            match make(self, &tmp) {
                Ok(()) => break tmp,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => {
                    let _ = rustix::fs::unlinkat(&self.fd, &tmp[..], AtFlags::empty());
                    return Err(e);
                }
            }
        };
        rustix::fs::renameat(&self.fd, &tmp[..], &self.fd, name).map_err(|e| {
            let _ = rustix::fs::unlinkat(&self.fd, &tmp[..], AtFlags::empty());
            io::Error::from(e)
        })
    }

    /// Makes the folder `name`.
    pub fn make_dir(&self, name: &[u8], mode: u32) -> io::Result<()> {
        check_name(name)?;
        Ok(rustix::fs::mkdirat(
            &self.fd,
            name,
            Mode::from_raw_mode(mode & 0o7777),
        )?)
    }

    /// Removes the file or link `name` (a link itself, never what it points to).
    pub fn remove_file(&self, name: &[u8]) -> io::Result<()> {
        check_name(name)?;
        Ok(rustix::fs::unlinkat(&self.fd, name, AtFlags::empty())?)
    }

    /// Removes the empty folder `name`.
    pub fn remove_dir(&self, name: &[u8]) -> io::Result<()> {
        check_name(name)?;
        Ok(rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR)?)
    }

    /// Sets the permission bits of the file or folder `name` (refused for a link): opened as a
    /// handle without following it, checked, then changed through that very handle.
    pub fn set_mode(&self, name: &[u8], mode: u32) -> io::Result<()> {
        check_name(name)?;
        let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        let st = rustix::fs::fstat(&fd)?;
        if FileType::from_raw_mode(st.st_mode) == FileType::Symlink {
            return Err(io::Error::from_raw_os_error(libc_eloop()));
        }
        // An `O_PATH` handle takes no fchmod; its /proc name reaches exactly that file.
        let via = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
        Ok(rustix::fs::chmodat(
            rustix::fs::CWD,
            via.as_str(),
            Mode::from_raw_mode(mode & 0o7777),
            AtFlags::empty(),
        )?)
    }

    pub fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Reads at most `cap` bytes of `file`; `None` when it holds more (it is never read past
/// that). `stop` is asked between chunks: a stop ends the read with `Interrupted`.
pub fn read_capped(
    file: &mut File,
    cap: u64,
    stop: &dyn Fn() -> bool,
) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if stop() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "stopped"));
        }
        let n = match file.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(Some(out));
        }
        if out.len() as u64 + n as u64 > cap {
            return Ok(None);
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// What kind of thing a status describes.
pub fn kind_of(st: &Stat) -> FileType {
    FileType::from_raw_mode(st.st_mode)
}

/// A name that can only mean one entry of one folder.
fn check_name(name: &[u8]) -> io::Result<()> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0)
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "not a plain file name: {}",
                crate::text::bytes_literal(name)
            ),
        ));
    }
    Ok(())
}

fn not_regular(mode: u32) -> io::Error {
    let what = match FileType::from_raw_mode(mode) {
        FileType::Directory => "a folder",
        FileType::Symlink => "a symlink",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice | FileType::BlockDevice => "a device",
        _ => "not a regular file",
    };
    io::Error::other(format!("{what}, not a regular file"))
}

fn libc_eloop() -> i32 {
    rustix::io::Errno::LOOP.raw_os_error()
}

fn temp_name() -> Vec<u8> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        ".codexmcp-{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
    .into_bytes()
}

/// A failure in words a user can act on: why the gateway would not, or could not.
pub fn describe(e: &io::Error) -> String {
    use rustix::io::Errno;
    match e.raw_os_error().map(Errno::from_raw_os_error) {
        Some(Errno::LOOP) => "a symlink is in the way (links are never followed)".into(),
        Some(Errno::XDEV) => "it leads outside the working dir".into(),
        Some(Errno::ACCESS) | Some(Errno::PERM) => "permission denied".into(),
        Some(Errno::NOENT) => "it is missing".into(),
        Some(Errno::NOTDIR) => "something that is not a folder is in the way".into(),
        Some(Errno::ISDIR) => "a folder is in the way".into(),
        Some(Errno::NOTEMPTY) => "the folder is not empty".into(),
        _ => e.to_string(),
    }
}
