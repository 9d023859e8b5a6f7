//! Asks the terminal for its background colour (OSC 11), so the palette suits it.
//!
//! The question is followed by a Primary Device Attributes request (`ESC [ c`), which every
//! terminal answers: once that answer is in, any background answer is too, and nothing is left
//! for crossterm to read as keys. A terminal that answers neither is given
//! [`QUERY_TIMEOUT`](super::render::theme::QUERY_TIMEOUT). Called in raw mode, before the
//! event reader starts.

use std::io::Write;
use std::os::fd::AsFd;
use std::time::Instant;

use super::render::theme::{QUERY_TIMEOUT, parse_osc11};

/// The background as 16-bit channels, when the terminal says.
pub fn query() -> Option<(u16, u16, u16)> {
    let mut out = std::io::stdout();
    out.write_all(b"\x1b]11;?\x1b\\\x1b[c").ok()?;
    out.flush().ok()?;
    let stdin = std::io::stdin();
    let fd = stdin.as_fd();
    let deadline = Instant::now() + QUERY_TIMEOUT;
    let mut got = Vec::new();
    while !answered(&got) && got.len() < 4096 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let mut fds = [rustix::event::PollFd::new(
            &fd,
            rustix::event::PollFlags::IN,
        )];
        let timeout = rustix::event::Timespec::try_from(left).ok()?;
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
        let mut chunk = [0u8; 512];
        match rustix::io::read(fd, &mut chunk) {
            Ok(n) if n > 0 => got.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    parse_osc11(&got)
}

/// Whether the Device Attributes answer (`ESC [ ? … c`) has come.
fn answered(got: &[u8]) -> bool {
    got.windows(3)
        .rposition(|w| w == b"\x1b[?")
        .is_some_and(|at| got[at..].contains(&b'c'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_attributes_answer_ends_the_wait() {
        assert!(super::answered(b"\x1b]11;rgb:0/0/0\x07\x1b[?62;22c"));
        assert!(!super::answered(b"\x1b]11;rgb:0/0/0\x07\x1b[?62;2"));
        assert!(!super::answered(b""));
    }
}
