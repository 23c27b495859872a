#!/usr/bin/env bash
# Java smoke test: compiles a minimal Maven project against the artifact in
# dist/java (at the aws-cdk-lib floor) and runs it: it synthesizes both stacks
# and checks them.
set -euo pipefail
cd "$(dirname "$0")"
[ -d ../../../dist/java/io/github/cdkrdsfailsafe ] || { echo "smoke:java: no artifact in dist/java; run 'npx projen package:java'" >&2; exit 1; }
repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
# The library's version does not change between builds: drop the cached copy so
# the artifact just built is the one tested.
rm -rf "$repo/io/github/cdkrdsfailsafe"
# The version just built: 0.0.0, or the release's version while `npx projen release` builds.
versions=(../../../dist/java/io/github/cdkrdsfailsafe/cdk-rds-failsafe/*/)
[ "${#versions[@]}" -eq 1 ] || { echo "smoke:java: expected one version in dist/java, found ${#versions[@]}" >&2; exit 1; }
version=$(basename "${versions[0]}")
mvn -q -B -Dmaven.repo.local="$repo" -Dlibrary.version="$version" compile exec:java
