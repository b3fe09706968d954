#!/usr/bin/env bash
# Installs what is needed, builds, and runs the leak demonstration in a lab
# of network namespaces (never this machine's own network). Run as root.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
exec bash tests/lab/demo-leak.sh
