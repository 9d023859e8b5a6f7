# codexmcp in a container: `codexmcp exec` with the pinned Codex CLI and project skills baked in.
#
#   docker build -t codexmcp .
#   docker run --rm -e OPENAI_API_KEY -v "$PWD/output:/app/output" codexmcp "Write a CSV to JSON script"
#
# Every base image is a build argument (defaults: the usual public images), so the image can be
# built where no registry is reachable (scripts/test-skill-in-docker.sh --podman-local).
# CODEXMCP_BUILD=prebuilt / CODEX_SOURCE=local take the binaries from ./dist instead of
# compiling and downloading them (same checksums as a normal build on that machine).

ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG CODEXMCP_BUILD=source
ARG CODEX_SOURCE=npm

# --- codexmcp, compiled from this checkout ---------------------------------------------------
FROM ${RUST_IMAGE} AS codexmcp-source
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml clippy.toml ./
COPY src ./src
COPY benches ./benches
COPY examples ./examples
COPY tests ./tests
RUN cargo build --release --locked --bin codexmcp && cp target/release/codexmcp /codexmcp

# --- or codexmcp, prebuilt into ./dist --------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS codexmcp-prebuilt
COPY dist/codexmcp /codexmcp

# --- the native Codex binary from the pinned npm package --------------------------------------
FROM ${NODE_IMAGE} AS codex-npm
ARG CODEX_VERSION=0.171.0
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /codex
RUN npm install --no-audit --no-fund --loglevel=error "@openai/codex@${CODEX_VERSION}" \
 && cp "$(find node_modules/@openai -path '*/vendor/*/bin/codex' -type f | head -n 1)" /codex-native

FROM ${RUNTIME_IMAGE} AS codex-local
COPY dist/codex /codex-native

# Stage aliases chosen by the build arguments above (not registry images).
# hadolint ignore=DL3006
FROM codexmcp-${CODEXMCP_BUILD} AS codexmcp-bin
# hadolint ignore=DL3006
FROM codex-${CODEX_SOURCE} AS codex-bin

# --- runtime -----------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# bash runs Codex's commands; ca-certificates for HTTPS to the model; git because Codex and
# its users expect it in a workspace; tini as PID 1, so zombies are reaped and signals reach
# codexmcp (which interrupts the turn cleanly on SIGTERM: `docker stop`).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash ca-certificates git tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /bin/bash app \
 && mkdir -p /app/output /app/.codex/skills /app/state \
 && chown -R app:app /app
COPY --from=codexmcp-bin /codexmcp /usr/local/bin/codexmcp
COPY --from=codex-bin /codex-native /usr/local/bin/codex
COPY --chown=app:app .codex/skills /app/.codex/skills
COPY --chmod=0755 scripts/entrypoint.sh /app/entrypoint.sh

# No secrets in any layer: the key arrives at run time (-e OPENAI_API_KEY), and the entrypoint
# logs Codex in with it then.
ENV CODEX_HOME=/app/.codex \
    CODEXMCP_CD=/app/output \
    CODEX_BIN=/usr/local/bin/codex \
    CODEX_SANDBOX_MODE=workspace-write \
    XDG_DATA_HOME=/app/state \
    XDG_STATE_HOME=/app/state \
    HOME=/home/app
USER 10001
# Not the output folder: nothing codexmcp reads at start (.env) may sit where Codex writes.
WORKDIR /app
HEALTHCHECK --interval=60s --timeout=20s --start-period=10s --retries=3 CMD ["codexmcp", "doctor", "-C", "/app/output"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/entrypoint.sh"]
