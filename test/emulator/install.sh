#!/usr/bin/env bash
# Installs the AWS emulator (moto server) into the project-local venv `.venv`.
# Idempotent: does nothing when the venv already holds exactly what
# requirements.txt pins.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv
req=test/emulator/requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/moto_server" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "emulator:install: $python not found (Python 3.9+ is needed)" >&2; exit 1; }
echo "emulator:install: creating $venv with $($python --version)"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
echo "emulator:install: $("$venv/bin/python" -c 'import moto; print("moto", moto.__version__)') ready"
