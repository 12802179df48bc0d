#!/usr/bin/env bash
# Reproduces the streaming figures: builds Release into build-bench-stream/ (its own folder, so it
# never races a run_scan.sh build), makes the everyday-text body, and runs centinela_bench_stream
# against the in-process development broker. The markdown table goes to stdout, progress to
# stderr. About 2-3 minutes on 2 idle cores once built; measure when `uptime` shows little load.
#
# The consumer runs with the service's prefetch (queued.min.messages=500000, the default in
# pipeline/kafka_client.cc): config/dev.yaml's 1000 throttles any consumer on the mock cluster to
# ~12-30k records/s at ~1% CPU, which would measure the fetcher, not the pipeline.
# Extra arguments go to the benchmark (e.g. --rounds 5 --threads 1,2,3 --messages 1000000).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=build-bench-stream
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCENTINELA_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target centinela_bench_stream >&2
everyday=$build/everyday.jsonl
if [ ! -s "$everyday" ]; then
  bash tests/data/everyday/build_everyday.sh "$everyday" >/dev/null 2>&1 || {
    echo "cannot build $everyday: run deploy/install-deps.sh first" >&2
    exit 1
  }
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "source: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' + uncommitted changes in the tree')"
echo "command: bench/run_stream.sh $*"
echo
"$build/bench/centinela_bench_stream" --config config/dev.yaml --rules config/rules \
  --input tests/data/corpus.jsonl --input "$everyday" \
  --messages 500000 --partitions 64 --threads 1,2 --rounds 3 --latency-seconds 10 \
  --consumer-property queued.min.messages=500000 "$@"
