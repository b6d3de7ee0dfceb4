#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for SECONDS (default 60) from the committed
# seed corpus. Exits non-zero on the first crash; the crashing input is left in
# fuzz/artifacts/ — fix the bug, then keep the input under fuzz/regressions/.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]      (targets: FuzzWire FuzzBatch FuzzTransport)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzWire FuzzBatch FuzzTransport)

export SWIFT_BACKTRACE=enable=no
mkdir -p artifacts
for target in "${targets[@]}"; do
    echo "== building $target (libFuzzer + AddressSanitizer)"
    # Exactly these flags: other combinations build a fuzzer without coverage.
    swift build --product "$target" --scratch-path .build-fuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
    log=$(mktemp)
    work=$(mktemp -d)
    echo "== fuzzing $target for ${seconds}s"
    # New inputs go to a scratch folder; the committed corpus is only read.
    # -malloc_limit_mb: decoding must never allocate past the wire limits (1 MiB batches).
    if ! ".build-fuzz/debug/$target" "$work" "corpus/$target" \
        -max_total_time="$seconds" -max_len=4096 -malloc_limit_mb=64 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$target-" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "FAIL: $target crashed; the input is in fuzz/artifacts/" >&2
        exit 1
    fi
    grep -q "INFO: Loaded 1 modules .*inline 8-bit counters" "$log" || {
        echo "FAIL: $target was built without coverage instrumentation" >&2
        exit 1
    }
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$log" || true
    echo "ok: $target ran ${seconds}s without a crash ($(ls "$work" | wc -l) new corpus inputs)"
    rm -rf "$work" "$log"
done
