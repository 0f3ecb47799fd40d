#!/usr/bin/env bash
# Runs the whole test suite once and prints one closing count.
# PostgreSQL cases use INTAKE_TEST_POSTGRES_URL (default: the local server);
# without a server they are listed as ignored with a line saying why, unless
# INTAKE_REQUIRE_POSTGRES=1. Browser cases likewise with INTAKE_REQUIRE_BROWSER=1.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Tesseract's own threads would fight the test threads (ARCHITECTURE.md).
export OMP_THREAD_LIMIT=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --all-targets --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

awk '/^test result:/ {
       for (i = 1; i <= NF; i++) {
         if ($(i+1) ~ /^passed/) passed += $i
         if ($(i+1) ~ /^failed/) failed += $i
         if ($(i+1) ~ /^ignored/) ignored += $i
       }
     }
     END {
       print ""
       printf "all test binaries: %d passed, %d failed, %d skipped\n", passed, failed, ignored
     }' "$log"
grep -h '^SKIPPING\|^FAILING' "$log" | sort -u || true
exit "$status"
