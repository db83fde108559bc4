#!/usr/bin/env bash
# Shared by the benchmark scripts: a Release build of the benchmark targets in build-bench/.
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_build="$bench_root/build-bench"

bench_build_targets() {
    source "$bench_root/scripts/deps.sh"
    pomelo_install_deps
    if [ ! -f "$bench_build/build.ninja" ]; then
        cmake -S "$bench_root" -B "$bench_build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DPOMELO_BUILD_TESTS=OFF -DPOMELO_BUILD_BENCH=ON >/dev/null
    fi
    cmake --build "$bench_build" --target "$@" -j "$(nproc)"
}
