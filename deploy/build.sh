#!/usr/bin/env bash
# Builds Sluice. deploy/build.sh [DIR] [extra cmake args]; DIR defaults to build.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null 2>"$dir/build-errors.log" || {
	cat "$dir/build-errors.log" >&2
	exit 1
}
