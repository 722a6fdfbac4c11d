#!/usr/bin/env bash
# Installs the Debian packages pmsystem needs, only where they are missing.
#   system-deps.sh run   — what `make run` needs (WeasyPrint's Pango for PDFs, gettext's msgfmt
#                          to compile the French catalogue)
#   system-deps.sh test  — plus PostgreSQL, Redis and Chromium for `make test`, and wrk
#   system-deps.sh bench — PostgreSQL and wrk for `manage.py bench --http`
set -euo pipefail
mode=${1:-run}
missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  have_pkg "$pkg" || missing+=("$pkg")
done
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # The HTTP load generator of `manage.py bench --http` (and its test).
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]} — install them with apt-get (as root)." >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
