#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and runs `centinela demo` (a
# development broker, the scanner workers and the bundled sample feed, with a live view).
# Arguments go to `centinela demo` (e.g. --exit-when-done).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$root/build} TARGET=centinela bash "$root/deploy/build.sh"
cd "$root"
exec "${BUILD_DIR:-$root/build}/app/centinela" demo "$@"
