#!/usr/bin/env bash
# `omni models fetch` end to end into an empty folder: npm pack, only the listed file extracted,
# sha256 checked, atomic install; a manifest whose sha256 does not match installs nothing.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
export OMNI_MODEL_DIR="$T/models"
"$O" models fetch selfie 2> fetch.txt || die "fetch failed: $(cat fetch.txt)"
grep -q "selfie: installed $T/models/selfie.tflite (249024 bytes, sha256 ok, Apache-2.0)" fetch.txt || die "fetch output: $(cat fetch.txt)"
[ "$(ls -A models)" = "selfie.tflite" ] || die "the model folder holds more than the model: $(ls -A models)"
"$O" models verify selfie | grep -q 'selfie .*ok' || die "verify after fetch"
"$O" models fetch selfie 2>&1 | grep -q 'already installed (sha256 ok)' || die "second fetch did not notice the installed file"
ok "fetch into an empty folder: one file, sha256 ok, idempotent"

sed 's/^sha256 = "8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27"/sha256 = "0000000000000000000000000000000000000000000000000000000000000000"/' \
  "$OMNI_SRC/presets/models.toml" > bad.toml
grep -q '^sha256 = "0000' bad.toml || die "test set-up: the selfie sha256 line moved"
export OMNI_MODEL_DIR="$T/other"
set +e; OMNI_MANIFEST="$T/bad.toml" "$O" models fetch selfie 2> bad.txt; rc=$?; set -e
# Progress lines come first; the error is the last line.
[ $rc -ne 0 ] && tail -n 1 bad.txt | grep -qE "^omni: models fetch selfie: sha256: expected 0{64}, got 8d13b7fa[0-9a-f]{56}; not installed$" || die "sha256 mismatch: rc $rc, $(cat bad.txt)"
[ -z "$(ls -A other 2>/dev/null)" ] || die "a failed fetch left files: $(ls -A other)"
ok "a sha256 mismatch installs nothing and leaves no temporary files"
