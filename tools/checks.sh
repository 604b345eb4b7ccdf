#!/usr/bin/env bash
# The static checks of `npm test` side by side: each is single-threaded, and the machines have two cores. A check's
# output is shown when it fails; the script fails when any check does, after all have finished.
set -u
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
check() {
    local name=$1
    shift
    if "$@" >"$out/$name" 2>&1; then
        echo "passed: $name"
    else
        echo "FAILED: $name"
        cat "$out/$name"
        return 1
    fi
}
check typecheck npm run -s typecheck &
typecheck=$!
check lint npm run -s lint &
lint=$!
check format npm run -s format:check &
format=$!
status=0
for pid in "$typecheck" "$lint" "$format"; do wait "$pid" || status=1; done
exit "$status"
