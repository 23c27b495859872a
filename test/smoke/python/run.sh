#!/usr/bin/env bash
# Python smoke test: installs the built wheel (dist/python) and aws-cdk-lib at
# the library's floor from PyPI into a fresh venv, then runs smoke_app.py and
# the README's Python examples.
set -euo pipefail
cd "$(dirname "$0")/../../.."
wheel=$(ls dist/python/cdk_rds_failsafe-*.whl 2>/dev/null | head -1)
[ -n "$wheel" ] || { echo "smoke:python: no wheel in dist/python; run 'npx projen package:python'" >&2; exit 1; }
floor=$(node -p "require('./package.json').peerDependencies['aws-cdk-lib'].replace(/^\\^/, '')")
venv=.smoke/python-venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" "aws-cdk-lib==$floor"
"$venv/bin/python" test/smoke/python/smoke_app.py
"$venv/bin/python" test/smoke/python/readme_examples.py README.md
