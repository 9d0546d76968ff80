#!/usr/bin/env bash
# make setup: system packages (apt), the Python environment (.venv) and the pinned whatsapp-web.js that the
# conformance suite runs (tests/conformance/node_modules). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
PYTHON=${PYTHON:-python3}
APT_PACKAGES=(chromium postgresql redis-server nginx tinyproxy-bin)  # nginx, tinyproxy: the tests run them

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node and npm run tests/conformance; any install will do (Debian's packages when there is none).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: Debian packages missing: ${missing[*]}" >&2
    echo "setup: installing them needs root. Run 'sudo make setup', or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  step "Installing Debian packages: ${missing[*]} (apt-get; takes a few minutes the first time)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-liberation >/dev/null
else
  step "Debian packages present: ${APT_PACKAGES[*]}, node $(node --version), npm $(npm --version)"
fi

if [ ! -x .venv/bin/python ]; then
  step "Creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

stamp=".venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  step "Installing Python packages from requirements.lock (pip)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
  step "Putting the project's packages on .venv's path"
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  pwd >"$site/whatsapp_connect.pth"
  .venv/bin/pip check
  rm -f .venv/.installed-*
  touch "$stamp"
else
  step "Python packages up to date (.venv)"
fi
# The unmodified whatsapp-web.js, pinned by tests/conformance/package-lock.json; it drives the system Chromium,
# so Puppeteer downloads no browser of its own.
npm_dir=tests/conformance
npm_stamp="$npm_dir/node_modules/.installed-$(cat "$npm_dir/package.json" "$npm_dir/package-lock.json" | sha256sum | cut -c1-16)"
if [ ! -f "$npm_stamp" ]; then
  step "Installing whatsapp-web.js for the conformance suite (npm ci in $npm_dir)"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix "$npm_dir" --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
else
  step "whatsapp-web.js up to date ($npm_dir/node_modules)"
fi
step "Setup done"
