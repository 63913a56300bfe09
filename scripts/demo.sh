#!/usr/bin/env bash
# First command of the README: install, then crawl the bundled demo site and open it in Datasette.
#   scripts/demo.sh                  # ends with Datasette on http://127.0.0.1:8001/archive
#   scripts/demo.sh --no-serve       # any `archive demo` option is passed on
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="" bash scripts/setup.sh
exec .venv/bin/archive demo "$@"
