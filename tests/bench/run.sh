#!/usr/bin/env bash
# Every benchmark in one run, for README's performance table (not part of the test suite).
#   tests/bench/run.sh [BUILD_DIR] [OUT_DIR]
# Builds nothing: run `cmake --build BUILD_DIR` first (RelWithDebInfo). Takes about 5 minutes once
# the search replicas are made (the first run fills a million entries: see bench_search).
set -euo pipefail
build=${1:-build}
out=${2:-bench-results}
bin=$build/bin
mkdir -p "$out"
{
    echo "# lore benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
         "$(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r)"
    echo
    echo "## One workstation"
    echo
    "$bin/bench_local" --entries 20000 --lored "$bin/lored" --json "$out/local.json"
    echo
    echo "## Search and list at 100k and 1M entries"
    echo
    # The replicas are made once (lore_fill --zipf) and kept in $out/search-N: the million takes
    # minutes to fill; delete the directory to make it again.
    "$bin/bench_search" --lored "$bin/lored" --fill "$bin/lore_fill" --out "$out" \
        --json "$out/search.json"
    echo
    echo "## Sync between nodes"
    echo
    # Startup with a 1M-entry replica: bench_search's (made above, kept in $out/search-1000000).
    "$bin/bench_sync" --lored "$bin/lored" --fill "$bin/lore_fill" --lore "$bin/lore" \
        --nodes 10,32,100 --startup "$out/search-1000000" --json "$out/sync.json"
    echo
    echo "## Web interface"
    echo
    "$bin/bench_web" --entries 100000 --json "$out/web.json"
    echo
    echo "## Set reconciliation"
    echo
    "$bin/bench_recon" --json "$out/recon.json"
} 2>&1 | tee "$out/bench.md"
