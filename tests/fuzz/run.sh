#!/usr/bin/env bash
# A short libFuzzer run of each parser target (part of `make test`). A crash fails the run and
# leaves the reproducer in build-fuzz/.
set -euo pipefail
build=${1:-build-fuzz}
secs=${OMNI_FUZZ_SECONDS:-20}
here=$(cd "$(dirname "$0")" && pwd)
for t in fuzz_filtergraph fuzz_models; do
  corpus="$build/corpus-$t"
  mkdir -p "$corpus"
  seeds="$here/corpus"
  [ "$t" = fuzz_models ] && seeds="$here/corpus_models"
  cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $t for ${secs}s"
  max_len=512
  [ "$t" = fuzz_models ] && max_len=4096
  # libtorch is not built with ASan: its allocator pairs and ODR look alike to ASan, harmlessly.
  ASAN_OPTIONS=detect_odr_violation=0:alloc_dealloc_mismatch=0:detect_leaks=0 \
  "$build/$t" -max_total_time="$secs" -max_len=$max_len -rss_limit_mb=4096 -artifact_prefix="$build/" "$corpus" 2>"$build/$t.log" || {
    tail -n 30 "$build/$t.log"; echo "fuzz: $t FAILED"; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$build/$t.log" | tail -n 1 || true
done
