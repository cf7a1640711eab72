#!/usr/bin/env bash
# -h, -h filter=NAME (omni and stock filters), -filters, -version, and the man page generated
# from the same tables (the committed man/omni.1 must be what the shipped binary generates).
source "$(dirname "$0")/lib.sh"
"$OMNI" -h > help.txt
for o in -i -y -n -ss -t -to -vf -filter_complex -map -c:v -crf -preset -b:v -pix_fmt -g -r -s -frames:v -c:a -an -threads -loglevel -stats -nostats -progress; do
  grep -qE -- "^  $o[ ,]" help.txt || die "-h does not document $o"
done
ok "-h documents every option"
"$OMNI" -filters > filters.txt
grep -qE '^ O\.\. testdelay +V->V' filters.txt || die "-filters lacks the omni filter"
grep -qE '^ \.[T.][S.] scale +V->V' filters.txt || die "-filters lacks scale"
grep -qE ' overlay +VV->V' filters.txt || die "-filters lacks overlay's pads"
ok "-filters lists omni and FFmpeg filters ($(grep -c '^ ' filters.txt) lines)"
"$OMNI" -h filter=testdelay > fd.txt
grep -q 'n .*<int> frames to hold back \[0, 64\] (default 3)' fd.txt || die "-h filter=testdelay: $(cat fd.txt)"
"$OMNI" -h filter=scale > fs.txt
grep -qE '^  w +<string> Output video width' fs.txt || die "-h filter=scale: $(head fs.txt)"
grep -q 'flags' fs.txt || die "-h filter=scale lacks flags"
expect_fail "no such filter \(did you mean 'scale'\?\)" "$OMNI" -h filter=scael >/dev/null
ok "-h filter=NAME for omni and stock filters, with suggestions"
"$OMNI" -version | grep -q '^omni version' || die "-version"
"$OMNI" -buildconf | grep -q 'LibTorch 1\.' || die "-buildconf lacks LibTorch"
"$OMNI_SHIPPED" -manpage > omni.1
diff -q omni.1 "$OMNI_SRC/man/omni.1" >/dev/null || die "man/omni.1 is stale: run build/omni -manpage > man/omni.1"
man -l omni.1 >/dev/null 2>&1 || groff -man -Tutf8 omni.1 >/dev/null 2>&1 || true
ok "man/omni.1 is what the option tables generate"
