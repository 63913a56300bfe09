#!/usr/bin/env bash
# Second command of the README (and what CI runs): install everything, lint, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk fontconfig)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)  # tests/test_export.py opens the Excel CSV
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
EXTRAS=test bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .  # the formatter's style (ruff format) is the project's
.venv/bin/lint-imports  # the layers: archive → crawler → pipelines (pyproject.toml, [tool.importlinter])
export ARCHIVE_REQUIRE_BROWSER=1
exec .venv/bin/python -m pytest -q "$@"
