#!/bin/sh
# Runs promtool (Debian package `prometheus`) with the given arguments. Without promtool the test is
# skipped (exit 77, ctest SKIP_RETURN_CODE) on a developer machine, and fails in CI ($CI set) or
# under scripts/test, which installs it (scripts/deps.sh).
if ! command -v promtool >/dev/null 2>&1; then
    if [ -n "${CI:-}" ] || [ -n "${POMELO_REQUIRE_PROMTOOL:-}" ]; then
        echo "promtool not found: install the Debian package 'prometheus' (scripts/deps.sh)" >&2
        exit 1
    fi
    echo "promtool not found (Debian package 'prometheus'): skipped" >&2
    exit 77
fi
exec promtool "$@"
