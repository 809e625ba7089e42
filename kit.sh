#!/usr/bin/env bash
# One entry point for newcomers:
#   bash kit.sh lab    set up (first time) and open the lessons in JupyterLab
#                      (extra arguments go to jupyter lab, e.g. --no-browser)
#   bash kit.sh test   set up (first time) and run the whole test suite
#   bash kit.sh site   set up (first time) and build the course website into site/_build/html
#                      (every lesson executed; works offline; open site/_build/html/index.html)
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
    "$VENV/bin/python" -m pip install --quiet -e ".[test,site]"
    touch "$VENV/.installed"
  fi
}

# The browser tests need Chromium (the web assets they load ship inside the package).
check_browser() {
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
    check_browser
    shift
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  site)
    setup
    shift
    # Quizzes show their answers folded under each question (there are no widgets on the site).
    export EASTASIA_SECURITY_QUIZ_ANSWERS=folded
    # The maps of a page link one copy of Leaflet & co. in the site's _static/web (from the
    # package's assets) instead of each carrying its own.
    export EASTASIA_SECURITY_SHARED_ASSETS_URL=../_static/web
    rm -rf site/_build
    start=$(date +%s)
    "$VENV/bin/jupyter-book" build . --config site/_config.yml --toc site/_toc.yml --path-output site \
      --warningiserror --keep-going "$@"
    echo "==> site built in $(( $(date +%s) - start )) s: site/_build/html/index.html"
    ;;
  *)
    echo "usage: bash kit.sh lab | test [pytest arguments] | site [jupyter-book arguments]" >&2
    exit 2
    ;;
esac
