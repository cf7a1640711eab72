#!/usr/bin/env bash
# A short libFuzzer run of each parser target (part of `make test`). A crash fails the run and
# leaves the reproducer in build-fuzz/.
set -euo pipefail
build=${1:-build-fuzz}
secs=${OMNI_FUZZ_SECONDS:-20}
here=$(cd "$(dirname "$0")" && pwd)
for t in fuzz_filtergraph; do
  corpus="$build/corpus-$t"
  mkdir -p "$corpus"
  cp -n "$here"/corpus/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $t for ${secs}s"
  "$build/$t" -max_total_time="$secs" -max_len=512 -artifact_prefix="$build/" "$corpus" 2>"$build/$t.log" || {
    tail -n 30 "$build/$t.log"; echo "fuzz: $t FAILED"; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$build/$t.log" | tail -n 1 || true
done
