#!/usr/bin/env bash
# Installs everything Centinela needs to build, test and run, from Debian 12's packages.
# Works on a minimal image (no compiler, no cmake). Run as root, or it re-runs itself with sudo.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  exec sudo -E bash "$0" "$@"
fi

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # engine
  libhyperscan-dev libre2-dev libsimdjson-dev libyaml-cpp-dev libutf8proc-dev
  libphonenumber-dev libpsl-dev libspdlog-dev libfmt-dev
  # streaming and state
  librdkafka-dev libhiredis-dev redis-server kcat
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (libFuzzer needs clang with its runtime)
  clang-14 libclang-rt-14-dev
  # real everyday text for the false-alarm measurement (tests/data/everyday/build_everyday.sh)
  fortunes fortunes-min fortunes-es fortunes-es-off manpages-es groff-base gettext libc-l10n python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
