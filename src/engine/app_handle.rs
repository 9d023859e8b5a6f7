//! Which `codex app-server` a use of the app-server backend talks to.
//!
//! A front end for one person (the TUI, `exec`) shares one long-lived server: threads stay
//! loaded between turns and follow-ups are fast. A server for many clients (`mcp-server`) must
//! not hold a thread between calls — Codex keeps one writer per thread, and only the exit of
//! the process that loaded it frees it (`thread/unsubscribe` ends the event stream but leaves
//! the thread loaded for half an hour). So in [`Handle::one_server_per_use`] mode each use gets
//! a server of its own, started and initialized ahead of time, and that server exits when the
//! use ends; the next one is prepared in the background meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinHandle;

use super::EngineConfig;
use super::app_server::AppServer;
use super::error::EngineError;

type Starting = JoinHandle<Result<Arc<AppServer>, EngineError>>;

/// The backend handle kept in `EngineConfig`: starts a server on first use and again after it
/// died.
#[derive(Default)]
pub struct Handle {
    /// The shared server, or in per-use mode the ready spare.
    server: tokio::sync::Mutex<Option<Arc<AppServer>>>,
    /// In per-use mode: the spare being started.
    starting: std::sync::Mutex<Option<Starting>>,
    per_use: AtomicBool,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("app_handle::Handle")
    }
}

impl Handle {
    /// From now on every [`get`](Self::get) returns a server nobody else uses, which
    /// [`done`](Self::done) ends. A server already started (the capability probe, which
    /// loaded no thread) becomes the first spare.
    pub fn one_server_per_use(&self) {
        self.per_use.store(true, Ordering::Relaxed);
    }

    pub fn is_per_use(&self) -> bool {
        self.per_use.load(Ordering::Relaxed)
    }

    /// A server to talk to; pair it with [`done`](Self::done).
    pub async fn get(&self, config: &EngineConfig) -> Result<Arc<AppServer>, EngineError> {
        let mut slot = self.server.lock().await;
        if !self.is_per_use() {
            if let Some(s) = slot.as_ref().filter(|s| !s.is_gone()) {
                return Ok(s.clone());
            }
            let server = AppServer::start(config).await?;
            *slot = Some(server.clone());
            return Ok(server);
        }
        if let Some(spare) = slot.take().filter(|s| !s.is_gone()) {
            return Ok(spare);
        }
        drop(slot);
        let starting = self.starting.lock().ok().and_then(|mut s| s.take());
        if let Some(task) = starting
            && let Ok(Ok(spare)) = task.await
            && !spare.is_gone()
        {
            return Ok(spare);
        }
        AppServer::start(config).await
    }

    /// The use of `server` is over. Per use: the server exits — which frees every thread it
    /// loaded for other processes — before this returns, and a spare is prepared.
    pub async fn done(&self, server: Arc<AppServer>, config: &EngineConfig) {
        if !self.is_per_use() {
            return;
        }
        server.shutdown().await;
        self.prepare(config).await;
    }

    /// Starts a spare in the background unless one is ready or on its way (or failed to
    /// start: the next use then starts its own and says why).
    pub async fn prepare(&self, config: &EngineConfig) {
        if self
            .server
            .lock()
            .await
            .as_ref()
            .is_some_and(|s| !s.is_gone())
        {
            return;
        }
        let Ok(mut starting) = self.starting.lock() else {
            return;
        };
        if starting.is_some() {
            return;
        }
        let config = config.clone();
        *starting = Some(tokio::spawn(async move {
            let started = AppServer::start(&config).await;
            if let Err(e) = &started {
                tracing::warn!("preparing the next app-server: {e}");
            }
            started
        }));
    }

    /// Closes the server (and a spare) on exit: its stdin closes (which ends it and the
    /// commands it started), and the child is reaped (bounded).
    pub async fn close(&self) {
        let server = self.server.lock().await.take();
        if let Some(server) = server {
            server.shutdown().await;
        }
        let starting = self.starting.lock().ok().and_then(|mut s| s.take());
        if let Some(task) = starting {
            task.abort();
            if let Ok(Ok(spare)) = task.await {
                spare.shutdown().await;
            }
        }
    }
}
