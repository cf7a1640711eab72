#!/usr/bin/env bash
# make install with PREFIX and DESTDIR: the binary, its libraries (found from the installed binary,
# LibTorch's module included: a model runs), the man page, and bash and zsh completion generated
# from omni's own tables (options, filters and their options, recipes, models, subcommands).
source "$(dirname "$0")/lib.sh"
BUILD_DIR=$(dirname "$OMNI_SHIPPED")
make -s -C "$OMNI_SRC" install BUILD="$BUILD_DIR" PREFIX=/usr DESTDIR="$T/stage" >install.log 2>&1 || die "make install: $(tail -5 install.log)"
S="$T/stage/usr"
for f in bin/omni lib/omni/libomni_core.so lib/omni/libomni_torch.so share/man/man1/omni.1 \
  share/bash-completion/completions/omni share/zsh/site-functions/_omni; do
  [ -s "$S/$f" ] || die "make install did not write $f"
done
libs=$(ldd "$S/bin/omni")
grep -qF "libomni_core.so => $S/bin/../lib/omni/libomni_core.so" <<<"$libs" || die "the installed omni does not use its own library: $(ldd "$S/bin/omni" | grep omni)"
make_clip in.mp4 1 160x120 5
"$S/bin/omni" -y -nostats -v error -i in.mp4 -vf matte=bg=blue -frames:v 2 out.mp4 || die "the installed omni cannot run a model"
[ "$(count_frames out.mp4)" = 2 ] || die "the installed omni wrote $(count_frames out.mp4) frames"
ok "make install PREFIX=/usr DESTDIR=...: omni, lib/omni/, the man page, completions; the installed omni runs a model"

complete_words() {  # complete_words WORD...: what bash completion offers for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _omni 2>/dev/null; printf "%s\n" "${COMPREPLY[@]}"' _ \
    "$S/share/bash-completion/completions/omni" "$@" >words.txt
  cat words.txt  # (through a file: grep -q closing the pipe early would fail the pipeline under pipefail)
}
{ complete_words omni ed >/dev/null; grep -qx edit words.txt; } || die "completion: 'omni ed' does not offer edit"
{ complete_words omni -i in.mp4 -vf rem >/dev/null; grep -qx remove words.txt; } || die "completion: -vf rem: $(complete_words omni -i in.mp4 -vf rem)"
{ complete_words omni -vf "scale=64:-2,mat" >/dev/null; grep -qx "scale=64:-2,matte" words.txt; } || die "completion: the second filter of a chain"
{ complete_words omni -vf "remove=people:wh" >/dev/null; grep -qx "remove=people:who=" words.txt; } || die "completion: remove's options: $(complete_words omni -vf remove=people:wh)"
{ complete_words omni -recipe green >/dev/null; grep -qx green-screen words.txt; } || die "completion: -recipe green"
{ complete_words omni models fetch sel >/dev/null; grep -qx selfie words.txt; } || die "completion: omni models fetch sel: $(complete_words omni models fetch sel)"
{ complete_words omni -thr >/dev/null; grep -qx -- -threads words.txt; } || die "completion: -thr"
{ complete_words omni batch --sk >/dev/null; grep -qx -- --skip-existing words.txt; } || die "completion: omni batch --sk"
{ complete_words omni chu >/dev/null; grep -qx chunk words.txt; } || die "completion: 'omni chu' does not offer chunk"
{ complete_words omni chunk -i in.mp4 --ove >/dev/null; grep -qx -- --overlap words.txt; } || die "completion: omni chunk --ove"
if command -v zsh >/dev/null; then zsh -n "$S/share/zsh/site-functions/_omni" || die "the zsh completion does not parse"; fi
ok "bash completion: subcommands, options, filter names in a chain, a filter's options, recipes, models, batch's and chunk's options"
