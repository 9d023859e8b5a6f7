//! The server's stdio, with word of the client leaving.
//!
//! When the client closes our stdin (it exited, crashed, or is shutting the server down) rmcp
//! stops reading and gives running handlers a few seconds to answer — but a handler that sends
//! a `codex/event` notification then waits forever for a serve loop that no longer runs, and
//! Codex ends up killed instead of interrupted. Watching stdin ourselves lets every running call
//! interrupt its turn at once and stop notifying a client that is gone.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::sync::CancellationToken;

/// `stdin` that cancels `gone` when it ends or fails.
pub struct WatchedStdin {
    inner: tokio::io::Stdin,
    gone: CancellationToken,
}

impl WatchedStdin {
    pub fn new(gone: CancellationToken) -> Self {
        Self {
            inner: tokio::io::stdin(),
            gone,
        }
    }
}

impl AsyncRead for WatchedStdin {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let ended = match &polled {
            Poll::Ready(Ok(())) => buf.filled().len() == before && buf.remaining() > 0,
            Poll::Ready(Err(_)) => true,
            Poll::Pending => false,
        };
        if ended && !self.gone.is_cancelled() {
            tracing::info!("mcp-server: the client closed stdin; interrupting running calls");
            self.gone.cancel();
        }
        polled
    }
}
