#!/usr/bin/env bash
# Shared by the benchmark scripts: a Release build of the benchmark targets in build-bench/.
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# BENCH_BUILD: another build directory (an A/B run against a copy of an older build); BENCH_NO_BUILD=1
# uses its binaries as they are.
bench_build="${BENCH_BUILD:-$bench_root/build-bench}"

bench_build_targets() {
    [ "${BENCH_NO_BUILD:-0}" = 1 ] && return 0
    source "$bench_root/scripts/deps.sh"
    pomelo_install_deps
    if [ ! -f "$bench_build/build.ninja" ]; then
        cmake -S "$bench_root" -B "$bench_build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DPOMELO_BUILD_TESTS=OFF -DPOMELO_BUILD_BENCH=ON >/dev/null
    fi
    cmake --build "$bench_build" --target "$@" -j "$(nproc)"
}
