#!/usr/bin/env bash
# `make demo`: a real edit on real footage nobody here made (opencv-doc's vtest.avi, a street
# scene), through omni's filtergraph: the original and a graded, sharpened, upscaled version
# side by side; the street scene's people on a green screen (matte); then the model core on a
# photo; the street without its people; the street as pixel art and as a cartoon; sunglasses, a hat and a new jersey colour
# on a moving photo of a footballer, and snow on the street; the street reframed 9:16 and a close-up of the footballer. Capability filters join this demo as they land.
set -euo pipefail
omni=${1:-build/omni}
src=/usr/share/doc/opencv-doc/examples/data/vtest.avi
out_dir=${OMNI_DEMO_DIR:-out/demo}
mkdir -p "$out_dir"
out="$out_dir/vtest-before-after.mp4"
[ -f "$src" ] || { echo "demo: $src is missing; run: apt-get install opencv-doc" >&2; exit 1; }
"$omni" -y -i "$src" -t 20 \
  -filter_complex "[0:v]split[a][b];[b]eq=contrast=1.2:saturation=1.4:gamma=0.95,unsharp=5:5:0.8[g];[a][g]hstack,scale=1536:-2:flags=lanczos" \
  -c:v libx264 -crf 20 -preset fast "$out"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of csv=p=0 "$out")
echo
echo "demo: wrote $out ($frames: width,height,frames) — left: the original street clip, right: graded and sharpened"

# matte: the people of the street scene cut out onto green (tiles=2: they are far away).
"$omni" -y -i "$src" -t 10 -vf "matte=tiles=2" -c:v libx264 -crf 20 -preset fast "$out_dir/vtest-matte.mp4"
echo "demo: wrote $out_dir/vtest-matte.mp4 — the people of the street clip on green, no green screen needed"

# remove: the people of the street scene erased, next to the original (found by the object
# detector and multi-person pose, each cut out by the segmenter: the small ones too).
"$omni" -y -i "$src" -t 10 -filter_complex "[0:v]split[a][b];[b]remove=people[r];[a][r]hstack,scale=1536:-2" \
  -c:v libx264 -crf 20 -preset fast "$out_dir/vtest-remove.mp4"
echo "demo: wrote $out_dir/vtest-remove.mp4 — the street clip, and the same with its people removed"

# restyle: the street scene as pixel art and as a cartoon, side by side with the original.
"$omni" -y -i "$src" -t 10 -filter_complex "[0:v]split=3[a][b][c];[b]restyle=pixel[p];[c]restyle=cartoon[k];[a][p][k]hstack=3,scale=1536:-2" \
  -c:v libx264 -crf 20 -preset fast "$out_dir/vtest-restyle.mp4"
echo "demo: wrote $out_dir/vtest-restyle.mp4 — the street clip, as pixel art, and as a cartoon"

# add and replace: sunglasses and a hat that follow Messi's face while the camera moves over the
# photo, his jersey turned green; and a crack in the road and snow over the street, its far flakes behind the walkers.
photo=/usr/share/doc/opencv-doc/examples/data/messi5.jpg
ffmpeg -v error -y -f lavfi -i "color=black@0:s=200x80,format=rgba" -vf \
  "geq=r='20':g='20':b='40':a='if(lt(hypot(X-50\,Y-40)\,36)+lt(hypot(X-150\,Y-40)\,36)\,230\,if(between(X\,80\,120)*between(Y\,28\,36)\,255\,0))'" \
  -frames:v 1 "$out_dir/sunglasses.png"
ffmpeg -v error -y -f lavfi -i "color=black@0:s=160x160,format=rgba" -vf \
  "geq=r='220':g='30':b='40':a='if(lt(abs(X-80)\,(Y)/2)*lt(Y\,150)\,255\,if(gte(Y\,150)*lt(abs(X-80)\,78)\,255\,0))'" -frames:v 1 "$out_dir/hat.png"
"$omni" -y -loop 1 -framerate 30 -t 6 -i "$photo" -vf "scale=1096:684,crop=960:540:x='68+60*sin(t)':y='72+40*sin(t*0.8)',\
add=image=$out_dir/sunglasses.png:anchor=eyes,add=image=$out_dir/hat.png:anchor=head,replace=color:from=red:to=green:target=person:who=largest" \
  -c:v libx264 -crf 20 -preset fast -pix_fmt yuv420p "$out_dir/messi-add-replace.mp4"
echo "demo: wrote $out_dir/messi-add-replace.mp4 — sunglasses and a hat that follow the face, the red jersey turned green"
# A jagged dark crack, laid flat on the road (on=ground: in perspective, walkers pass over it).
ffmpeg -v error -y -f lavfi -i "color=black@0:s=400x120,format=rgba" -vf \
  "geq=r='30':g='26':b='22':a='255*lt(abs(Y-60-18*sin(X/23)-7*sin(X/5.3)-3*sin(X/1.7))\,1+12*sin(PI*X/400))'" -frames:v 1 "$out_dir/crack.png"
"$omni" -y -i "$src" -t 10 -vf "add=image=$out_dir/crack.png:x=470:y=300:size=260:on=ground,add=snow:density=2" \
  -c:v libx264 -crf 20 -preset fast "$out_dir/vtest-snow.mp4"
echo "demo: wrote $out_dir/vtest-snow.mp4 — the road cracked open, snow over the street, the far flakes behind the walkers"

# next-shot: the street reframed for a phone (9:16, the camera following the largest walker), beside
# the original; and a close-up of the footballer from the moving photo (a virtual camera: a crop, not a new shot).
"$omni" -y -i "$src" -t 10 -filter_complex "[0:v]split[a][b];[b]next-shot=aspect=9/16[v];[a][v]hstack" \
  -c:v libx264 -crf 20 -preset fast "$out_dir/vtest-vertical.mp4"
echo "demo: wrote $out_dir/vtest-vertical.mp4 — the street clip, and the same reframed 9:16 around the largest walker"
"$omni" -y -loop 1 -framerate 30 -t 6 -i "$photo" -filter_complex "[0:v]scale=1096:684,crop=960:540:x='68+60*sin(t)':y='72+40*sin(t*0.8)',\
format=yuv420p,split[a][b];[b]next-shot=closeup[c];[a][c]hstack" -c:v libx264 -crf 20 -preset fast "$out_dir/messi-closeup.mp4"
echo "demo: wrote $out_dir/messi-closeup.mp4 — a moving shot of the footballer, and the close-up a virtual camera makes of it"

# motion-transfer: the footballer, cut out of the photo, walking in the place of the street's walker
# (a 2D puppet of the picture, bent to the walker's pose), beside the original.
"$omni" -y -v error -i "$photo" -vf matte=bg=transparent -frames:v 1 "$out_dir/messi-character.png"
"$omni" -y -i "$src" -t 6 -filter_complex "[0:v]split[a][b];[b]motion-transfer=character=$out_dir/messi-character.png[v];[a][v]hstack" \
  -c:v libx264 -crf 20 -preset fast "$out_dir/vtest-motion-transfer.mp4"
echo "demo: wrote $out_dir/vtest-motion-transfer.mp4 — the street clip, and the footballer performing the walker's steps in their place"

# The model core on a real photo (opencv-doc's messi5.jpg): person mask and body landmarks.
"$omni" models run selfie "$photo" -o "$out_dir/messi5-person-mask.png"
"$omni" models run pose-full "$photo" -o "$out_dir/messi5-pose.json"
echo "demo: wrote $out_dir/messi5-person-mask.png (person mask) and $out_dir/messi5-pose.json (33 body landmarks)"
