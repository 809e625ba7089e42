#!/usr/bin/env bash
# One entry point for newcomers:
#   bash kit.sh lab    set up (first time) and open the lessons in JupyterLab
#                      (extra arguments go to jupyter lab, e.g. --no-browser)
#   bash kit.sh test   set up (first time) and run the whole test suite
# Both create .venv/ beside this file and install the kit into it.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
VENV=".venv"

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
  fi
  # Re-install when pyproject.toml changed since the last install.
  if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
    echo "==> installing the kit and its dependencies (a few minutes the first time)"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[test]"
    touch "$VENV/.installed"
  fi
}

# Local copies of the web libraries the browser tests serve instead of CDNs.
setup_browser_assets() {
  local dir="tests/browser"
  if [ -d "$dir/node_modules" ] && [ ! "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    return
  fi
  if command -v npm >/dev/null 2>&1; then
    echo "==> installing the browser tests' web libraries (npm ci in $dir)"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    touch "$dir/node_modules"
  else
    echo "note: npm not found; browser tests will be skipped (install Node.js and npm to run them)" >&2
  fi
  if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
    echo "note: Chromium not found; browser tests will be skipped (Debian/Ubuntu: sudo apt-get install chromium)" >&2
  fi
}

case "${1:-}" in
  lab)
    setup
    shift
    "$VENV/bin/eastasia-security" validate || echo "warning: the datasets have problems (listed above); lessons that load them will stop with the same message" >&2
    # Containers and CI often run as root, where Jupyter refuses to start without this.
    if [ "$(id -u)" = "0" ]; then set -- --allow-root "$@"; fi
    exec "$VENV/bin/jupyter" lab notebooks/ "$@"
    ;;
  test)
    setup
    setup_browser_assets
    shift
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: bash kit.sh lab | test [pytest arguments]" >&2
    exit 2
    ;;
esac
