#!/usr/bin/env bash
# omni edit (a sentence instead of -vf) and recipes (-recipe, -recipes):
# - the table tests/cli/edit_sentences.tsv (at least 150 sentences, English and Chinese, each with
#   the command it must give) through omni edit --dry-run;
# - every chain the table gives is run on a short real clip (vtest.avi's street): a valid graph
#   that writes frames;
# - what it does not understand is said word for word (and nothing runs), with the nearest word
#   for a misspelling; a value out of range is the filter's own error; --vocabulary prints;
# - a real edit prints its chain and writes the same frames as the chain given by hand;
# - recipes: listed, parameters filled in, the same frames as the chain by hand, output options
#   (vertical-short's -t), unknown names and parameters, the user's own file.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
TABLE="$OMNI_SRC/tests/cli/edit_sentences.tsv"

# ---- the table --------------------------------------------------------------------------------
n=0; zh=0; bad=0
: >chains.txt
while IFS=$'\t' read -r sentence want; do
  [ -z "$sentence" ] && continue
  case "$sentence" in \#*) continue ;; esac
  n=$((n + 1))
  printf '%s' "$sentence" | grep -qP '[\x{4e00}-\x{9fff}]' && zh=$((zh + 1))
  got=$("$O" edit --dry-run -i in.mp4 "$sentence" 2>err.txt) || { echo "  \"$sentence\": $(cat err.txt)"; bad=$((bad + 1)); continue; }
  if [ "$got" != "omni -i in.mp4 $want OUTPUT" ]; then
    echo "  \"$sentence\": got '$got', want 'omni -i in.mp4 $want OUTPUT'"
    bad=$((bad + 1))
  fi
  printf '%s\n' "$want" >>chains.txt
done <"$TABLE"
[ "$bad" = 0 ] || die "$bad of $n sentences did not give their command"
[ "$n" -ge 150 ] || die "the table has $n sentences, fewer than 150"
[ "$zh" -ge 50 ] && [ $((n - zh)) -ge 50 ] || die "the table needs both languages: $zh Chinese, $((n - zh)) other"
ok "omni edit: $n sentences ($zh Chinese, $((n - zh)) English or mixed) give their commands"

# ---- every chain, run ---------------------------------------------------------------------------
ffmpeg -v error -y -i "$DATA/vtest.avi" -t 12 -vf "scale=320:240,fps=5" -c:v libx264 -preset ultrafast -pix_fmt yuv420p in.mp4
for f in beach.jpg clouds.jpg painting.jpg; do cp "$DATA/home.jpg" "$f"; done
cp "$DATA/lena.jpg" reference.png 2>/dev/null || ffmpeg -v error -y -i "$DATA/baboon.jpg" reference.png
ffmpeg -v error -y -i "$DATA/baboon.jpg" -vf scale=320:240 office.png
ffmpeg -v error -y -i "$DATA/vtest.avi" -t 2 -vf scale=320:240 -c:v libx264 -preset ultrafast forest.mp4
# Pictures with alpha: a disc, and a character (Messi cut out by matte) for motion-transfer.
for f in hat.png glasses.png logo.png sticker.png wings.png rug.png truck.png; do
  ffmpeg -v error -y -f lavfi -i "color=c=orange:s=64x64,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(hypot(X-32,Y-32),30),255,0)'" -frames:v 1 "$f"
done
ffmpeg -v error -y -f lavfi -i "color=c=black:s=320x240,drawbox=x=100:y=80:w=60:h=60:c=white:t=fill" -frames:v 1 mask.png
"$O" -y -v error -i "$DATA/messi5.jpg" -vf matte=bg=transparent -frames:v 1 hero.png
cp hero.png robot.png
sort -u chains.txt >distinct.txt
k=0
run_one() {  # run_one INDEX ARGS: the chain on in.mp4, 3 frames out
  local i=$1; shift
  eval "set -- $*"
  # One thread: ctest runs another test beside this one (30 chains, two such streams at once:
  # 71.8 s with a thread per core, 65.6 s with one).
  "$O" -y -nostats -v error -threads 1 -i in.mp4 "$@" -frames:v 3 -an -c:v ffv1 "out_$i.mkv" 2>"run_$i.err" || { echo "  $*: $(head -c 300 "run_$i.err")"; return 1; }
  [ "$(count_frames "out_$i.mkv")" -ge 1 ] || { echo "  $*: no frames"; return 1; }
}
export -f run_one count_frames
export O
failed=0
while IFS= read -r args; do
  k=$((k + 1))
  printf '%s\0%s\0' "$k" "$args"
done <distinct.txt | xargs -0 -n 2 -P 1 bash -c 'run_one "$0" "$1"' || failed=1
[ "$failed" = 0 ] || die "a chain the table gives did not run (above)"
ok "every chain of the table ($(wc -l <distinct.txt) distinct) runs on a real clip and writes frames"

# ---- what it does not understand ----------------------------------------------------------------
expect_fail 'edit: I understood "remove the people" \(remove=people\) but not "with sparkles".*; nothing was run$' \
  "$O" edit -i in.mp4 "remove the people with sparkles" never.mp4 >/dev/null
[ ! -e never.mp4 ] || die "a sentence not understood wrote its output"
expect_fail 'I did not understand "rmeove the car" \(did you mean "remove" for "rmeove"\?\); nothing was run' "$O" edit -i in.mp4 "rmeove the car" never.mp4 >/dev/null
expect_fail 'but not "加上闪光"' "$O" edit -i in.mp4 "去掉行人，加上闪光" never.mp4 >/dev/null
expect_fail 'colors=500.*out of range' "$O" edit -i in.mp4 "make it pixel art with 500 colors" never.mp4 >/dev/null
expect_fail '"keep the people" changes matte or replace, and nothing before it' "$O" edit -i in.mp4 "keep the people" never.mp4 >/dev/null
expect_fail 'no output file given' "$O" edit -i in.mp4 "remove the people" >/dev/null
expect_fail '-vf and a sentence both' "$O" edit -i in.mp4 -vf null "remove the people" never.mp4 >/dev/null
"$O" edit --vocabulary >vocab.txt
grep -q "remove=people" vocab.txt && grep -q "去掉" vocab.txt && grep -q "{object}" vocab.txt || die "--vocabulary: $(head -5 vocab.txt)"
ok "not understood: said word for word, nothing run; misspelling, range and order errors; --vocabulary"

# ---- a real edit ----------------------------------------------------------------------------------
"$O" edit -y -nostats -i in.mp4 -frames:v 8 "remove the people and make it look like pixel art" edit.mkv 2>edit.err
grep -q 'omni: edit: -vf "remove=people,restyle=pixel"' edit.err || die "omni edit did not print its chain: $(cat edit.err)"
"$O" -y -nostats -v error -i in.mp4 -frames:v 8 -vf "remove=people,restyle=pixel" hand.mkv
[ "$(ffmpeg -v error -i edit.mkv -f framemd5 - | grep -v '^#')" = "$(ffmpeg -v error -i hand.mkv -f framemd5 - | grep -v '^#')" ] ||
  die "omni edit's frames differ from the same chain given by hand"
"$O" edit -y -nostats -v error -i in.mp4 "把视频改为绿幕，保留画面中的人，前2秒" zh.mp4
d=$(probe v:0 stream=duration zh.mp4)
awk -v d="$d" 'BEGIN { exit !(d > 1.7 && d < 2.3) }' || die "前2秒: the output lasts $d s"
ok "omni edit runs its chain (the same frames as by hand) and its times (前2秒: ${d} s)"

# ---- recipes ---------------------------------------------------------------------------------------
"$O" -recipes >recipes.txt
for r in green-screen vertical-short clean-plate anime-look; do grep -q "^  $r " recipes.txt || die "-recipes lacks $r"; done
"$O" -y -nostats -v error -i in.mp4 -frames:v 4 -recipe "green-screen:color=blue" rg.mkv
"$O" -y -nostats -v error -i in.mp4 -frames:v 4 -vf "matte=keep=person:bg=blue" hg.mkv
[ "$(ffmpeg -v error -i rg.mkv -f framemd5 - | grep -v '^#')" = "$(ffmpeg -v error -i hg.mkv -f framemd5 - | grep -v '^#')" ] ||
  die "-recipe green-screen:color=blue differs from its chain by hand"
"$O" -y -nostats -v error -i in.mp4 -recipe "vertical-short:length=2" vs.mp4
[ "$(probe v:0 stream=width,height vs.mp4)" = "136,240" ] || die "vertical-short: $(probe v:0 stream=width,height vs.mp4), not 9:16"
d=$(probe v:0 stream=duration vs.mp4)
awk -v d="$d" 'BEGIN { exit !(d > 1.7 && d < 2.3) }' || die "vertical-short:length=2 lasts $d s"
expect_fail "no recipe of that name \(did you mean 'green-screen'\?\)" "$O" -i in.mp4 -recipe green-scren never.mp4 >/dev/null
expect_fail "has no parameter 'colour' \(did you mean 'color'\?\)" "$O" -i in.mp4 -recipe green-screen:colour=red never.mp4 >/dev/null
cat >mine.toml <<'EOF'
[sepia-sky]
help = "a purple sky"
chain = "replace=sky:with={c}"
params = { c = "purple" }
say = ["purple sky recipe"]
EOF
OMNI_RECIPES=mine.toml "$O" -recipes | grep -q "^  sepia-sky " || die "OMNI_RECIPES: the user's recipe is not listed"
got=$(OMNI_RECIPES=mine.toml "$O" edit --dry-run -i in.mp4 "purple sky recipe")
[ "$got" = 'omni -i in.mp4 -vf "replace=sky:with=purple" OUTPUT' ] || die "a user recipe's say phrase: $got"
ok "recipes: listed, filled in (the same frames as by hand), -t from vertical-short, errors, the user's own"
