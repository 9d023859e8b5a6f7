//! `mcp-server --listen HOST:PORT`: the same tools over MCP's streamable HTTP, at `/mcp`, for
//! hosts on another machine or in a container.
//!
//! Anyone who can reach the port could run Codex as this server's user, so a bearer token is
//! required on every address, loopback included (Codex's own commands can reach loopback when
//! network access is on): the token comes from the environment variable `--token-env` names,
//! and without one the server does not start. A request without the right token is answered
//! 401 and logged, before MCP sees it. The `Host` header is checked against an allow-list
//! (rmcp's, against DNS rebinding): loopback names by default; a non-loopback address needs
//! `--allow-host`. Each client gets its own MCP session; the policy gate, the busy threads and
//! the shutdown are the server's, shared. SIGTERM interrupts running calls, lets them wind
//! down, then closes the listener.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::CodexServer;
use crate::cli::{EXIT_FAILED, EXIT_OK};

/// Where and how to listen.
pub struct Listen {
    pub addr: SocketAddr,
    pub token: String,
    /// Extra names the `Host` header may carry (`--allow-host`).
    pub hosts: Vec<String>,
}

/// Checks `--listen`, `--token-env` and `--allow-host` before anything starts; the reason
/// when they do not add up.
pub fn resolve(listen: &str, token_env: Option<&str>, allow: &[String]) -> Result<Listen, String> {
    let addr: SocketAddr = listen.parse().map_err(|_| {
        format!("--listen {listen:?}: expected HOST:PORT with an IP address, e.g. 127.0.0.1:8765")
    })?;
    let var = token_env.ok_or(
        "--listen needs --token-env NAME: a bearer token every client must send (on loopback too: Codex's own commands can reach it)",
    )?;
    let token = std::env::var(var)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            format!("--token-env {var}: the environment variable {var} is not set (or empty)")
        })?;
    if token.len() < 16 {
        return Err(format!(
            "--token-env {var}: the token is {} characters; use at least 16 (e.g. `openssl rand -hex 32`)",
            token.len()
        ));
    }
    if !addr.ip().is_loopback() && allow.is_empty() {
        return Err(format!(
            "--listen {addr} is not a loopback address: name the host clients will use with --allow-host NAME (the Host header is checked)"
        ));
    }
    Ok(Listen {
        addr,
        token,
        hosts: allow.to_vec(),
    })
}

/// Serves until `stop` is cancelled; returns the exit code.
pub async fn serve(server: CodexServer, listen: Listen) -> i32 {
    let stop = server.stop.clone();
    let inflight = server.inflight.clone();
    let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    hosts.extend(listen.hosts.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_cancellation_token(stop.child_token());
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let token = Arc::new(listen.token);
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(token, bearer));
    let listener = match tokio::net::TcpListener::bind(listen.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("codexmcp mcp-server: cannot listen on {}: {e}", listen.addr);
            return EXIT_FAILED;
        }
    };
    let bound = listener.local_addr().unwrap_or(listen.addr);
    tracing::info!(%bound, "mcp-server: streamable HTTP at /mcp");
    eprintln!("codexmcp mcp-server: listening on http://{bound}/mcp");
    let shutdown = {
        let stop = stop.clone();
        async move {
            stop.cancelled().await;
            tracing::info!("mcp-server: stopping; interrupting running calls");
            // Calls see the same token: let their interrupted turns wind down first.
            if tokio::time::timeout(Duration::from_secs(8), inflight.drained())
                .await
                .is_err()
            {
                tracing::warn!("mcp-server: calls still running after 8 s; closing anyway");
            }
        }
    };
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => EXIT_OK,
        Err(e) => {
            tracing::error!("mcp-server (HTTP) stopped: {e}");
            EXIT_FAILED
        }
    }
}

/// Lets through only requests that carry the token; 401 (logged) for the rest.
async fn bearer(State(token): State<Arc<String>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if same(given.as_bytes(), token.as_bytes()) {
        let ends_session = request.method() == axum::http::Method::DELETE;
        let mut response = next.run(request).await;
        // rmcp answers a session's end with 202; the Python SDK calls anything but 200/204 a
        // failed termination and warns. 204 says the same to every client.
        if ends_session && response.status() == StatusCode::ACCEPTED {
            *response.status_mut() = StatusCode::NO_CONTENT;
        }
        return response;
    }
    tracing::warn!(
        path = %request.uri().path(),
        "mcp-server: a request without the right bearer token was refused (401)"
    );
    (
        StatusCode::UNAUTHORIZED,
        [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
        "a bearer token is required (Authorization: Bearer <token>)\n",
    )
        .into_response()
}

/// Equality that takes as long whichever byte differs.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, y) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ y);
    }
    diff == 0
}
