#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test:
#   1. the unit and integration tests (CTest);
#   2. the same tests under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the libFuzzer targets, briefly (FUZZ_SECONDS each, default 30).
# Exits non-zero on the first failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc)}
# Scratch directories this script makes (the pattern cache unless one is given, the fuzz corpora)
# are removed when it exits, however it exits.
scratch=()
trap 'rm -rf "${scratch[@]}"' EXIT
if [[ -z ${CENTINELA_CACHE_DIR:-} ]]; then
  CENTINELA_CACHE_DIR=$(mktemp -d)
  scratch+=("$CENTINELA_CACHE_DIR")
fi
export CENTINELA_CACHE_DIR

echo "== build and test (RelWithDebInfo)"
BUILD_DIR=build bash deploy/build.sh
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build and test under address+undefined sanitizers"
BUILD_DIR=build-asan BUILD_TYPE=Debug bash deploy/build.sh -DCENTINELA_SANITIZE=ON
ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== fuzz the decoder and the normalizer (${FUZZ_SECONDS:-30} s each)"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCENTINELA_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_decoder fuzz_normalizer
for target in fuzz_decoder fuzz_normalizer; do
  corpus=$(mktemp -d)
  scratch+=("$corpus")
  cp tests/fuzz/seeds/* "$corpus"/ 2>/dev/null || true
  ./build-fuzz/tests/fuzz/$target -max_total_time="${FUZZ_SECONDS:-30}" -print_final_stats=1 \
    "$corpus" 2>&1 | tail -n 3
done
echo "all tests passed"
