#!/usr/bin/env bash
# Go smoke test: builds a throwaway Go module in .smoke/go from main.go, with a
# replace directive pointing at the module jsii-pacmak wrote to dist/go and
# aws-cdk-go at the library's aws-cdk-lib floor, then runs it: it synthesizes
# both stacks and checks them. Uses the user's Go caches (GOMODCACHE, GOCACHE)
# like the Java smoke test uses ~/.m2; `npx projen package:go` has already
# compiled aws-cdk-go into them.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
mod_file=$(ls dist/go/*/go.mod 2>/dev/null | head -1)
[ -n "$mod_file" ] || { echo "smoke:go: no module in dist/go; run 'npx projen package:go'" >&2; exit 1; }
module=$(sed -n 's/^module //p' "$mod_file")
floor=$(node -p "require('./package.json').peerDependencies['aws-cdk-lib'].replace(/^\\^/, '')")
work=.smoke/go
rm -rf "$work"
mkdir -p "$work"
cp test/smoke/go/main.go "$work/"
cd "$work"
go mod init smoke >/dev/null 2>&1
go mod edit -require="$module@v0.0.0" -replace="$module=$root/$(dirname "$mod_file")" -require="github.com/aws/aws-cdk-go/awscdk/v2@v$floor"
go mod tidy
resolved=$(go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2)
[ "$resolved" = "v$floor" ] || { echo "smoke:go: aws-cdk-go resolved to $resolved, not the floor v$floor" >&2; exit 1; }
go run .
