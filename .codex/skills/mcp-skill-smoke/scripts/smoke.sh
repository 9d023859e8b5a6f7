#!/usr/bin/env bash
# Writes a marker file into the current directory and prints it: proof that the skill ran.
set -euo pipefail
marker="skill-smoke.txt"
printf 'mcp-skill-smoke ran at %s in %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(pwd)" > "$marker"
cat "$marker"
