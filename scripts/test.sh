#!/usr/bin/env bash
# Runs every test: unit tests of each module, then the integration tests under src/it against the
# real daemon, runc, conmon and SQLite. Needs root (containers are real).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec mvn -B -ntp verify "$@"
