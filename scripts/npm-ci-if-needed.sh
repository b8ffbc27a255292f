#!/usr/bin/env bash
# Installs a Node package's dependencies from its lockfile when they are missing or older than it.
# Usage: scripts/npm-ci-if-needed.sh DIR
set -euo pipefail
cd "$1"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
