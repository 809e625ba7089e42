#!/usr/bin/env bash
# Set up, or bring up to date, the class hub on this Debian/Ubuntu server:
#   sudo bash deploy/jupyterhub/setup.sh /etc/eastasia-security/hub.ini
# Idempotent: it prints a "changed:" line for each thing it changed, and "setup: nothing to change"
# when the server already matches hub.ini. See course/INSTRUCTORS.md, "A class on one server".
set -euo pipefail
if [ "$(id -u)" != "0" ]; then
  echo "setup.sh must run as root: sudo bash $0 $*" >&2
  exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
  # Debian and Ubuntu servers have python3; a minimal image may not.
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null
  echo "changed: installed python3 (apt)"
fi
exec /usr/bin/python3 "$(dirname "$(readlink -f "$0")")/eas_hub_setup.py" "$@"
