#!/usr/bin/env bash
# Installs the Python tools the test suite drives (Schemathesis) into a venv in the cache.
# Idempotent: a second run only checks the version.
set -euo pipefail
CACHE="${MEDLIVES_CACHE:-$HOME/.cache/medlives}"
VENV="$CACHE/venv"
SCHEMATHESIS_VERSION=4.32.5
if [ -x "$VENV/bin/st" ] && "$VENV/bin/python" -c "import importlib.metadata as m,sys; sys.exit(m.version('schemathesis')!='$SCHEMATHESIS_VERSION')" 2>/dev/null; then
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 is required (Debian: apt-get install -y python3 python3-venv)" >&2; exit 1; }
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
echo "schemathesis $SCHEMATHESIS_VERSION installed in $VENV"
