#!/usr/bin/env bash
# Reproduces the scan-path figures in the README: builds Release into build-bench/, makes the
# everyday-text body from Debian packages, and runs centinela_bench_scan over it and the corpus.
# Extra arguments go to the benchmark (e.g. --rounds 3 --scaling 100,1000,5000).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash deploy/install-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCENTINELA_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target centinela_bench_scan
everyday=build-bench/everyday.jsonl
[ -s "$everyday" ] || bash tests/data/everyday/build_everyday.sh "$everyday" >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "source: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' + uncommitted changes in the tree')"
echo "command: bench/run_scan.sh $*"
taskset -c 0 build-bench/bench/centinela_bench_scan --rules config/rules \
  --input tests/data/corpus.jsonl --input "$everyday" "$@"
