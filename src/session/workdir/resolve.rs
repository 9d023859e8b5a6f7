//! Opening a path beneath a folder handle without following a link at any component.
//!
//! `openat2` does it in one call, in the kernel: `RESOLVE_BENEATH` refuses `..` past the
//! handle and absolute paths, `RESOLVE_NO_SYMLINKS` refuses a link anywhere on the way.
//! Kernels before 5.6 lack it, and container seccomp profiles often answer it with `ENOSYS` or
//! `EPERM`; then the path is walked one component at a time, each opened with `O_NOFOLLOW`
//! relative to the handle of the one before, which gives the same guarantee (cap-std's
//! no-follow only covers the last component, so it would not do). Components are plain names:
//! `.`, `..` and empty ones are refused before anything is opened.

use std::cell::Cell;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

/// Set once the kernel has refused `openat2`: from then on every open walks.
static REFUSED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Tests exercise the walk on this thread with [`walk_only`].
    static WALK_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// Whether the kernel refused `openat2` in this process (`CODEXMCP_NO_OPENAT2=1` makes it so,
/// to run the walk end to end).
pub fn openat2_refused() -> bool {
    static FROM_ENV: std::sync::Once = std::sync::Once::new();
    FROM_ENV.call_once(|| {
        if std::env::var_os("CODEXMCP_NO_OPENAT2").is_some_and(|v| v == "1") {
            REFUSED.store(true, Ordering::Relaxed);
        }
    });
    REFUSED.load(Ordering::Relaxed)
}

/// Runs `f` with every open on this thread walking component by component (for tests).
pub fn walk_only<R>(f: impl FnOnce() -> R) -> R {
    let before = WALK_ONLY.with(|w| w.replace(true));
    let out = f();
    WALK_ONLY.with(|w| w.set(before));
    out
}

/// Opens `rel` (`/`-separated plain names; empty: `root` itself again) beneath `root` with
/// `flags`, following no link.
pub fn beneath(root: &OwnedFd, rel: &[u8], flags: OFlags) -> io::Result<OwnedFd> {
    let parts = components(rel)?;
    let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    if parts.is_empty() {
        return Ok(rustix::fs::openat(root, c".", flags, Mode::empty())?);
    }
    if !WALK_ONLY.with(Cell::get) && !openat2_refused() {
        let how = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        for _ in 0..3 {
            match rustix::fs::openat2(root, rel, flags, Mode::empty(), how) {
                Ok(fd) => return Ok(fd),
                // A rename raced the lookup: the kernel asks to try again.
                Err(Errno::AGAIN) => continue,
                Err(Errno::NOSYS | Errno::PERM) => {
                    tracing::info!("openat2 refused by the kernel; walking paths instead");
                    REFUSED.store(true, Ordering::Relaxed);
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    walk(root, &parts, flags)
}

/// One component at a time, each with `O_NOFOLLOW` beneath the last one's handle.
fn walk(root: &OwnedFd, parts: &[&[u8]], flags: OFlags) -> io::Result<OwnedFd> {
    let through = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let (last, dirs) = parts.split_last().ok_or(io::ErrorKind::InvalidInput)?;
    let mut at: Option<OwnedFd> = None;
    for part in dirs {
        let next = match &at {
            None => rustix::fs::openat(root, *part, through, Mode::empty()),
            Some(fd) => rustix::fs::openat(fd, *part, through, Mode::empty()),
        };
        // A link where a folder should be: name it as the link it is.
        at = Some(next.map_err(|e| {
            if e == Errno::NOTDIR {
                symlink_or(e, &at, root, part)
            } else {
                e.into()
            }
        })?);
    }
    let opened = match &at {
        None => rustix::fs::openat(root, *last, flags, Mode::empty()),
        Some(fd) => rustix::fs::openat(fd, *last, flags, Mode::empty()),
    };
    Ok(opened?)
}

/// `ELOOP` if `name` in the folder is a symlink (what openat2 says), else `e`.
fn symlink_or(e: Errno, at: &Option<OwnedFd>, root: &OwnedFd, name: &[u8]) -> io::Error {
    let st = match at {
        None => rustix::fs::statat(root, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW),
        Some(fd) => rustix::fs::statat(fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW),
    };
    match st {
        Ok(st)
            if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink =>
        {
            Errno::LOOP.into()
        }
        _ => e.into(),
    }
}

/// The plain names of `rel`; anything that could climb or alias is refused.
fn components(rel: &[u8]) -> io::Result<Vec<&[u8]>> {
    if rel.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&[u8]> = rel.split(|&b| b == b'/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == b"." || *p == b".." || p.contains(&0))
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "not a plain relative path: {}",
                crate::text::bytes_literal(rel)
            ),
        ));
    }
    Ok(parts)
}
