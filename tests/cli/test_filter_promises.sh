#!/usr/bin/env bash
# What omni filters promise whatever they do: they never lower the bit depth silently, they pass
# an alpha plane through, identity settings are identity, and a video background follows time.
source "$(dirname "$0")/lib.sh"
O=${OMNI_SHIPPED:-$OMNI}

# Depth: 10-bit in, 10-bit out (8-bit inside; -h filter= says so).
ffmpeg -v error -y -f lavfi -i "testsrc2=size=160x120:rate=10:duration=1" -pix_fmt yuv420p10le -c:v ffv1 ten.mkv
ffmpeg -v error -y -f lavfi -i "color=red@0.7:s=31x17,format=rgba" -frames:v 1 sticker.png
for f in matte restyle=cartoon "remove=x=10:y=10:w=30:h=20" "add=image=sticker.png:x=50:y=40:occlude=0" replace=color; do
  "$O" -y -nostats -i ten.mkv -vf "$f" -c:v ffv1 out10.mkv
  [ "$(probe v:0 stream=pix_fmt out10.mkv)" = yuv420p10le ] || die "$f turned 10-bit into $(probe v:0 stream=pix_fmt out10.mkv)"
  "$O" -h filter="${f%%=*}" | grep -q "Works in 8 bits per component" || die "-h filter=${f%%=*} does not say it works in 8 bits"
done
ok "matte, restyle, remove, add, replace: 10-bit in, 10-bit out; -h filter= says each works in 8 bits"

# Alpha: matte's alpha is the same after restyle or remove as before them.
"$O" -y -nostats -i ten.mkv -vf "matte=bg=transparent" -c:v ffv1 a0.mkv
for f in restyle=pixel "remove=x=10:y=10:w=30:h=20"; do
  "$O" -y -nostats -i ten.mkv -vf "matte=bg=transparent,$f" -c:v ffv1 a1.mkv
  [ "$(probe v:0 stream=pix_fmt a1.mkv)" = yuva420p10le ] || die "$f dropped the alpha: $(probe v:0 stream=pix_fmt a1.mkv)"
  [ "$(ffmpeg -v error -i a0.mkv -vf alphaextract -f framemd5 - | grep -v '^#')" = \
    "$(ffmpeg -v error -i a1.mkv -vf alphaextract -f framemd5 - | grep -v '^#')" ] || die "$f changed the alpha plane"
done
ok "alpha passes through restyle and remove unchanged"

# Identity: strength=0 is the input bit for bit; an empty box is an error.
"$O" -y -nostats -i ten.mkv -vf "restyle=oil:strength=0" -c:v ffv1 same.mkv
[ "$(ffmpeg -v error -i ten.mkv -f framemd5 - | grep -v '^#')" = "$(ffmpeg -v error -i same.mkv -f framemd5 - | grep -v '^#')" ] ||
  die "restyle strength=0 is not bit-exact"
expect_fail "remove: a box of 0x0 covers nothing" "$O" -y -i ten.mkv -vf "remove=x=10:y=10:w=0:h=0" x.mkv >/dev/null
ok "restyle=...:strength=0 is bit-exact; remove with w=0:h=0 is refused"

# A background video follows the frames' time (and loops): a 10 fps, 1 s background whose frame i
# is grey level 20 i, behind 2 s of 25 fps video with nobody in it (the picture is all background).
ffmpeg -v error -y -f lavfi -i "color=black:size=64x48:rate=10:duration=1,format=gray,geq=lum='20*N+10'" -pix_fmt yuv420p -c:v ffv1 steps.mkv
ffmpeg -v error -y -f lavfi -i "color=0x808080:size=128x96:rate=25:duration=2" -pix_fmt yuv420p -c:v ffv1 empty.mkv
"$O" -y -nostats -i empty.mkv -vf "matte=bg=steps.mkv:smooth=0" -f rawvideo -pix_fmt gray bgout.gray
for k in 0 7 20 37 49; do   # t = k/25 s; the background frame shown is floor(10 t) mod 10
  want=$(( (k * 10 / 25) % 10 * 20 + 10 ))
  got=$(od -An -tu1 -j $(( k * 128 * 96 + 48 * 128 + 64 )) -N1 bgout.gray | tr -d ' ')
  [ $(( got > want ? got - want : want - got )) -le 3 ] || die "frame $k (t=$(echo "$k/25" | bc -l | cut -c1-4) s): background grey $got, expected $want"
done
ok "a video background follows time at another frame rate, and loops"

# fit: contain leaves black bars where cover fills the frame.
"$O" -y -nostats -i empty.mkv -frames:v 1 -vf "matte=bg=$DATA/fruits.jpg:fit=contain" -f rawvideo -pix_fmt gray contain.gray
"$O" -y -nostats -i empty.mkv -frames:v 1 -vf "matte=bg=$DATA/fruits.jpg:fit=cover" -f rawvideo -pix_fmt gray cover.gray
corner() { od -An -tu1 -j $(( 2 * 128 + 2 )) -N1 "$1" | tr -d ' '; }
[ "$(corner contain.gray)" -le 20 ] && [ "$(corner cover.gray)" -gt 20 ] || die "fit: corner grey contain=$(corner contain.gray) cover=$(corner cover.gray)"
ok "bg fit=contain letterboxes, fit=cover fills"
