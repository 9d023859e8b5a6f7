#!/usr/bin/env bash
# Builds the image and proves the bundled skill runs inside it: the prompt
# '$mcp-skill-smoke run the smoke script and report the file contents' must leave
# skill-smoke.txt in the mounted output/ folder. With the scripted model (--mock), it also runs
# `batch --index N` in one container per task, as a Kubernetes Indexed Job would.
#
#   scripts/test-skill-in-docker.sh            real model; OPENAI_API_KEY from the environment
#                                              or .env (quoted values are fine); docker or podman
#   scripts/test-skill-in-docker.sh --mock     the scripted model server on the host instead of
#                                              OpenAI (no key, no network): the same image, the
#                                              same entrypoint, a config.toml pointing Codex at it
#   --local-base                               podman without any registry: base images made here
#                                              with debootstrap, binaries from ./dist (built here)
#
# Inside the container CODEX_SANDBOX_MODE defaults to danger-full-access: Codex's Linux sandbox
# needs Landlock and unprivileged user namespaces, which container runtimes usually withhold,
# and the container itself is the sandbox. Override with CODEX_SANDBOX_MODE=workspace-write.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MOCK=0; LOCAL_BASE=0
for arg in "$@"; do
  case "$arg" in
    --mock) MOCK=1 ;;
    --local-base) LOCAL_BASE=1; MOCK=1 ;;
    *) echo "usage: $0 [--mock] [--local-base]" >&2; exit 2 ;;
  esac
done

ENGINE="${CONTAINER_ENGINE:-}"
if [ -z "$ENGINE" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then ENGINE=docker
  elif command -v podman >/dev/null; then ENGINE=podman
  else echo "test-skill-in-docker: neither a running docker nor podman found" >&2; exit 1; fi
fi
RUN_FLAGS=()
BUILD_FORMAT=()
if [ "$ENGINE" = podman ]; then
  # What makes podman work on these hosts (see README "Production"): runc, cgroupfs, no ulimits.
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/target/containers.conf}"
  mkdir -p "$(dirname "$CONTAINERS_CONF")"
  [ -f "$CONTAINERS_CONF" ] || printf '[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = "cgroupfs"\n' > "$CONTAINERS_CONF"
  ENGINE="podman --runtime runc"
  # Podman's default OCI image format drops HEALTHCHECK; the docker format keeps it.
  BUILD_FORMAT=(--format docker)
fi

IMAGE="${IMAGE:-codexmcp:skill-test}"
BUILD_ARGS=("${BUILD_FORMAT[@]}")
if [ "$LOCAL_BASE" = 1 ]; then
  if ! $ENGINE image exists localhost/debian-base 2>/dev/null; then
    command -v debootstrap >/dev/null || { echo "install debootstrap (apt-get install podman runc debootstrap)" >&2; exit 1; }
    # The Debian mirror apt already uses (deb822 "URIs:" or one-line "deb URL bookworm").
    mirror="$( (grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}';
                grep -hE '^deb [^ ]+ bookworm ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}') | grep -m1 '/debian$' || true)"
    rm -rf "$ROOT/target/debian-base"
    debootstrap --variant=minbase bookworm "$ROOT/target/debian-base" "${mirror:-http://deb.debian.org/debian}" >/dev/null
    tar -C "$ROOT/target/debian-base" -c . | $ENGINE import - localhost/debian-base >/dev/null
  fi
  cargo build --release --locked --bin codexmcp
  mkdir -p dist
  cp target/release/codexmcp dist/codexmcp
  cp "$(scripts/install-codex.sh 0.171.0 | sed -n 's/^codex 0.171.0: \([^ ]*\).*/\1/p')" dist/codex
  BUILD_ARGS+=(--build-arg RUST_IMAGE=localhost/debian-base --build-arg NODE_IMAGE=localhost/debian-base
               --build-arg RUNTIME_IMAGE=localhost/debian-base --build-arg CODEXMCP_BUILD=prebuilt --build-arg CODEX_SOURCE=local)
fi
echo "==> building $IMAGE with $ENGINE"
$ENGINE build "${BUILD_ARGS[@]}" -t "$IMAGE" .

WORK="$(mktemp -d "$ROOT/target/skill-test.XXXXXX")"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true' EXIT
mkdir -p "$WORK/output"
chmod 0777 "$WORK/output"   # the image runs as uid 10001

if [ "$MOCK" = 1 ]; then
  cargo build --release --quiet --example mock_server
  target/release/examples/mock_server 0 "shell:bash /app/.codex/skills/mcp-skill-smoke/scripts/smoke.sh" > "$WORK/url" &
  SERVER_PID=$!
  for _ in $(seq 50); do [ -s "$WORK/url" ] && break; sleep 0.1; done
  printf 'model = "mock-model"\nmodel_provider = "mock"\n[model_providers.mock]\nname = "mock"\nbase_url = "%s"\nwire_api = "responses"\nrequest_max_retries = 0\nstream_max_retries = 0\n' "$(cat "$WORK/url")" > "$WORK/config.toml"
  chmod 0644 "$WORK/config.toml"
  KEY="sk-mock-not-a-real-key"
  RUN_FLAGS+=(--network host -v "$WORK/config.toml:/app/.codex/config.toml:ro")
else
  KEY="${OPENAI_API_KEY:-}"
  if [ -z "$KEY" ] && [ -f .env ]; then
    KEY="$(sed -n 's/^[[:space:]]*\(export[[:space:]]\+\)\?OPENAI_API_KEY[[:space:]]*=[[:space:]]*//p' .env | tail -n1)"
  fi
  KEY="${KEY#\"}"; KEY="${KEY%\"}"; KEY="${KEY#\'}"; KEY="${KEY%\'}"
  [ -n "$KEY" ] || { echo "no OPENAI_API_KEY in the environment or .env (or use --mock)" >&2; exit 1; }
fi

echo "==> running the smoke skill in the container"
OPENAI_API_KEY="$KEY" $ENGINE run --rm "${RUN_FLAGS[@]}" \
  -e OPENAI_API_KEY -e CODEX_SANDBOX_MODE="${CODEX_SANDBOX_MODE:-danger-full-access}" \
  -v "$WORK/output:/app/output" "$IMAGE" \
  '$mcp-skill-smoke run the smoke script and report the file contents'

if grep -q "mcp-skill-smoke ran" "$WORK/output/skill-smoke.txt" 2>/dev/null; then
  echo "==> PASS: $(cat "$WORK/output/skill-smoke.txt")"
else
  echo "==> FAIL: no skill-smoke.txt in the mounted output folder" >&2
  ls -la "$WORK/output" >&2
  exit 1
fi

echo "==> the image declares its HEALTHCHECK"
$ENGINE image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q doctor \
  || { echo "==> FAIL: no HEALTHCHECK in the image" >&2; exit 1; }
echo "==> PID 1 is an init (tini) that reaps zombies and forwards signals"
$ENGINE image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE" | grep -q tini \
  || { echo "==> FAIL: the entrypoint does not run under tini" >&2; exit 1; }
$ENGINE run --rm --entrypoint /usr/bin/tini "$IMAGE" --version >/dev/null \
  || { echo "==> FAIL: tini is not installed in the image" >&2; exit 1; }
echo "==> the HEALTHCHECK command (codexmcp doctor) in the same setup"
OPENAI_API_KEY="$KEY" $ENGINE run --rm "${RUN_FLAGS[@]}" --entrypoint codexmcp \
  -e OPENAI_API_KEY -e CODEX_SANDBOX_MODE="${CODEX_SANDBOX_MODE:-danger-full-access}" \
  "$IMAGE" doctor
echo "==> PASS: healthy"

if [ "$MOCK" = 1 ]; then
  # The cluster path without a cluster: the image runs `batch --index N` once per task, as each
  # pod of the Indexed Job would (the index from JOB_COMPLETION_INDEX), the task file mounted
  # read-only as the ConfigMap would be; then `batch --collect` merges the pods' stdout.
  echo "==> batch: one container per index, then the results collected"
  B="$WORK/batch"
  mkdir -p "$B/tasks" "$B/out" "$B/logs"
  chmod 0777 "$B/out" "$B/logs"
  for id in alpha beta gamma; do
    printf '{"id": "%s", "prompt": "$mcp-skill-smoke run the smoke script (%s)"}\n' "$id" "$id"
  done > "$B/tasks/tasks.jsonl"
  chmod -R a+rX "$B/tasks"
  for i in 0 1 2; do
    OPENAI_API_KEY="$KEY" $ENGINE run --rm "${RUN_FLAGS[@]}" -e OPENAI_API_KEY -e JOB_COMPLETION_INDEX="$i" \
      -e CODEX_SANDBOX_MODE="${CODEX_SANDBOX_MODE:-danger-full-access}" \
      -v "$B/tasks:/tasks:ro" -v "$B/out:/app/output" "$IMAGE" \
      batch /tasks/tasks.jsonl --out /app/output/batch > "$B/logs/pod-$i.log"
  done
  OPENAI_API_KEY="$KEY" $ENGINE run --rm -e OPENAI_API_KEY -v "$B/logs:/logs" "$IMAGE" \
    batch --collect /logs/pod-0.log /logs/pod-1.log /logs/pod-2.log --out /logs/collected
  done_lines="$(grep -c '"status":"done"' "$B/logs/collected/results.jsonl" || true)"
  for id in alpha beta gamma; do
    grep -q "mcp-skill-smoke ran" "$B/out/batch/$id/skill-smoke.txt" \
      || { echo "==> FAIL: task $id left no skill-smoke.txt in its folder" >&2; exit 1; }
  done
  [ "$done_lines" = 3 ] || { echo "==> FAIL: $done_lines of 3 tasks done" >&2; cat "$B/logs/"*.log >&2; exit 1; }
  echo "==> PASS: 3 indexes in 3 containers, 3 results collected"
fi
