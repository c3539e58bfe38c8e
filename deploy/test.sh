#!/usr/bin/env bash
# The TEST command: installs what is missing, builds the normal and the
# sanitizer (ASan + UBSan) builds, and runs every test through ctest in both.
# Needs root (network namespaces, DPDK virtual devices).
#   deploy/test.sh --quick   only the pure tests (ctest -L 'unit|replay') of the
#                            normal build: no root, no namespaces, no browsers
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--quick" ]; then
	deploy/install-deps.sh
	echo "== build (RelWithDebInfo)"
	deploy/build.sh build
	echo "== ctest -L 'unit|replay': build"
	cd build && exec ctest --output-on-failure -j2 --timeout 600 -L 'unit|replay'
fi
deploy/install-deps.sh --test

echo "== build (RelWithDebInfo)"
deploy/build.sh build
echo "== build (ASan + UBSan)"
deploy/build.sh build-asan -DSLUICE_SANITIZE=ON -DCMAKE_C_COMPILER=gcc

rc=0
echo "== ctest: build"
(cd build && ctest --output-on-failure -j2 --timeout 900) || rc=1
echo "== ctest: build-asan"
(cd build-asan && UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2 --timeout 1500) || rc=1
exit $rc
