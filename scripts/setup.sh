#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine. Safe to run again: it skips what is there.
#   scripts/setup.sh          Python venv with the app's packages
#   scripts/setup.sh --test   ...plus test tools: Chromium and Noto fonts, PostgreSQL, Java (Nu Html Checker), nginx, npm tools
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_tools=false
[[ "${1:-}" == "--test" ]] && want_test_tools=true

apt_updated=false
apt_install() {  # apt_install COMMAND-OR-PATH PACKAGE...
  local probe=$1; shift
  if command -v "$probe" >/dev/null 2>&1 || [[ -e "$probe" ]]; then return; fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: '$probe' is missing; install Debian packages: $*" >&2; exit 1
  fi
  if ! $apt_updated; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=true; fi
  echo "setup: installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
extras=""
if $want_test_tools; then extras="[test]"; fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-compat$extras"
# An environment set up for the tests has the app's packages too.
if [[ ! -e $stamp && ! -e "$stamp[test]" ]]; then
  # "compat": the project folder goes on sys.path through a one-line .pth file. The default editable
  # install adds an import hook instead, which every Python start pays for (15 ms of a 0.2 s no-op build).
  .venv/bin/pip install --quiet --disable-pip-version-check -e ".$extras" --config-settings editable_mode=compat
  touch "$stamp"
fi

# Byte-compile the project's own modules: where PYTHONDONTWRITEBYTECODE is set (as on our CI machines),
# Python would compile them again on every `build.py` run, a third of a no-op build's time. A module
# edited later is compiled afresh in memory as usual, so this can never run stale code.
.venv/bin/python -m compileall -q sitegen forms_backend build.py >/dev/null

if $want_test_tools; then
  apt_install /usr/bin/chromium chromium
  # System fonts for every script the language-help taglines use (the site loads no web fonts).
  apt_install /usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf fonts-noto-core
  apt_install /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk
  apt_install /usr/lib/postgresql postgresql
  apt_install java default-jre-headless
  apt_install nginx nginx
  apt_install npm nodejs npm
  if [[ ! -e node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    # --ignore-scripts: vnu-jar's install script would try to fetch a Java runtime; Debian's is used.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  fi
fi
