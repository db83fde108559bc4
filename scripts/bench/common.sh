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

# DB=postgres: a private PostgreSQL 15 cluster for one benchmark run, on a free loopback port, in
# $1 (a directory the caller removes). Durable settings (fsync, synchronous_commit on): the figures
# are production's. Sets bench_pg_url; bench_pg_stop stops it. As root, postgres runs as the
# postgres user (it refuses root).
bench_pg_start() {
    local dir=$1 bindir=${POMELO_PG_BINDIR:-/usr/lib/postgresql/15/bin}
    [ -x "$bindir/initdb" ] || { echo "PostgreSQL 15 is missing ($bindir)"; return 1; }
    mkdir -p "$dir/sock"
    bench_pg_as=()
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$dir"
        chmod o+x "$(dirname "$dir")" # mktemp -d makes it 0700: postgres must reach its cluster
        bench_pg_as=(runuser -u postgres --)
    fi
    bench_pg_dir=$dir
    bench_pg_bindir=$bindir
    "${bench_pg_as[@]}" "$bindir/initdb" -D "$dir/data" -U pomelo --auth=trust -E UTF8 --locale=C \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${bench_pg_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
        "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null ||
        { cat "$dir/server.log"; return 1; }
    "${bench_pg_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U pomelo pomelo
    bench_pg_port=$port
    bench_pg_url="postgres://pomelo@127.0.0.1:$port/pomelo"
}
bench_pg_stop() {
    [ -n "${bench_pg_dir:-}" ] || return 0
    "${bench_pg_as[@]}" "$bench_pg_bindir/pg_ctl" -D "$bench_pg_dir/data" -m fast stop >/dev/null 2>&1 || true
    bench_pg_dir=""
}
# One SQL statement against the run's database: PostgreSQL when bench_pg_url is set, else the
# SQLite file $1. Prints rows as value|value.
bench_sql() {
    local sqlite_file=$1 sql=$2
    if [ -n "${bench_pg_url:-}" ]; then
        psql -q -At -F '|' "$bench_pg_url" -c "$sql"
    else
        sqlite3 "$sqlite_file" "$sql"
    fi
}
