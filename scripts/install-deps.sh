#!/usr/bin/env bash
# install-deps.sh — makes sure the tools and libraries dgc builds with are
# installed (Debian/Ubuntu). Checks with `command -v` / `dpkg-query` first;
# when everything is present it calls no apt-get at all. Otherwise it runs
# `apt-get update` once and installs only what is missing.
#   LLVM_VERSION=N  LLVM/clang major for the versioned packages
#                   (default: that of the installed clang, else 14)
set -euo pipefail

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "install-deps: not root and no sudo; install missing packages by hand" >&2
    fi
fi
export DEBIAN_FRONTEND=noninteractive

updated=0
apt_update() { # once per run, and only when something is missing
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install-deps: no apt-get; install the missing packages by hand" >&2
        exit 1
    fi
    if [ $updated -eq 0 ]; then
        $SUDO apt-get update -qq
        updated=1
    fi
}
apt_install() {
    echo "install-deps: installing $*"
    apt_update
    $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

installed() { # PACKAGE
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# First package among the arguments that apt knows, else the first
# (call apt_update before, so that the lists are there).
available() {
    for p in "$@"; do
        if apt-cache show "$p" >/dev/null 2>&1; then echo "$p"; return; fi
    done
    echo "$1"
}

# ---- tools (command -> package) ---------------------------------------------
missing=()
for pair in flex:flex bison:bison cmake:cmake make:make gcc:gcc clang:clang \
            diff:diffutils awk:mawk; do
    cmd=${pair%%:*} pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# ---- libraries -----------------------------------------------------------------
ver=${LLVM_VERSION:-$(clang -dumpversion 2>/dev/null | cut -d. -f1)}
ver=${ver:-14}

missing=()
# Open MPI: data-parallel training under mpirun (a build without it works as before);
# python3-numpy / python3-torch: the Python package python/ and its tests (ctest -L python);
# NetCDF: Caravan's NetCDF files and `simulate --out FILE.nc` (a build without it reads CSV only),
# ncdump (netcdf-bin) for the tests that read the files back
for pkg in libopenblas-dev libsleef-dev libopenmpi-dev openmpi-bin python3 python3-numpy python3-torch \
           libnetcdf-dev netcdf-bin; do
    installed "$pkg" || missing+=("$pkg")
done
# LLVM headers/libraries and llvm-config
if ! installed "llvm-$ver-dev" && ! installed llvm-dev; then
    apt_update
    missing+=("$(available "llvm-$ver-dev" llvm-dev)")
fi
# libFuzzer and the sanitizer runtimes of clang (own package since LLVM 14 on Debian)
rtdir=$(clang -print-runtime-dir 2>/dev/null || true)
if ! installed "libclang-rt-$ver-dev" && ! ls "$rtdir"/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    apt_update
    missing+=("$(available "libclang-rt-$ver-dev" "libclang-common-$ver-dev")")
fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

echo "install-deps: all build dependencies present (LLVM $ver)"
