#!/usr/bin/env bash
# Installs the Debian 12 packages Pomelo Pay needs to build, test and run, if any is missing.
# Sourced by scripts/test and scripts/run.
POMELO_PACKAGES=(
    cmake ninja-build g++ clang-14 libclang-rt-14-dev pkg-config git openssl
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libgl-dev
    libqt6sql6-sqlite libqt6sql6-psql
    libhiredis-dev libssl-dev libsodium-dev prometheus-cpp-dev libbenchmark-dev
    redis-server postgresql sqlite3 nginx prometheus iproute2
    wrk xvfb xauth imagemagick fonts-wqy-microhei
    lintian systemd dpkg-dev
)

pomelo_install_deps() {
    local missing=()
    for p in "${POMELO_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing missing Debian packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
    # The Debian postgresql package starts a cluster of its own; the tests start private ones.
}
