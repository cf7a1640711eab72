#!/usr/bin/env bash
# Faithful media: colour metadata, display rotation, odd sizes, 10-bit, variable frame rate,
# and every stream that -map selects.
source "$(dirname "$0")/lib.sh"

# Colour metadata: tagged bt709/limited in, the same tags out (and full range stays full).
ffmpeg -v error -y -f lavfi -i testsrc2=s=320x240:d=1 -vf "setparams=range=pc:color_primaries=bt709:color_trc=bt709:colorspace=bt709,format=yuvj420p" -c:v libx264 -color_range pc -colorspace bt709 -color_primaries bt709 -color_trc bt709 tagged.mp4
"$OMNI" -y -nostats -i tagged.mp4 -vf "scale=160:120" out.mp4
want=$(probe v:0 stream=color_range,color_space,color_transfer,color_primaries tagged.mp4)
got=$(probe v:0 stream=color_range,color_space,color_transfer,color_primaries out.mp4)
[ "$want" = "$got" ] || die "colour metadata changed: $want -> $got"
ok "colour metadata kept: $got"

# Rotation: a 320x240 clip flagged as rotated 90 degrees comes out upright as 240x320.
make_clip plain.mp4 1
ffmpeg -v error -y -i plain.mp4 -c copy -metadata:s:v:0 rotate=90 rotated.mp4
"$OMNI" -y -nostats -i rotated.mp4 -vf null upright.mp4
[ "$(probe v:0 stream=width,height upright.mp4)" = "240,320" ] || die "autorotate: got $(probe v:0 stream=width,height upright.mp4)"
ffmpeg -v error -y -i rotated.mp4 -an -c:v ffv1 ref_rot.mkv
"$OMNI" -y -nostats -i rotated.mp4 -an -c:v ffv1 our_rot.mkv
[ "$(ffmpeg -v error -i ref_rot.mkv -f framemd5 - | grep -v '^#')" = "$(ffmpeg -v error -i our_rot.mkv -f framemd5 - | grep -v '^#')" ] || die "rotation differs from ffmpeg's"
"$OMNI" -y -nostats -noautorotate -i rotated.mp4 -vf null asis.mp4
[ "$(probe v:0 stream=width,height asis.mp4 | cut -d, -f1-2)" = "320,240" ] || die "-noautorotate rotated"
rotation() { ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation -of csv=p=0 "$1" | tr -d ,; }
[ -n "$(rotation rotated.mp4)" ] && [ "$(rotation asis.mp4)" = "$(rotation rotated.mp4)" ] ||
  die "-noautorotate dropped the rotation tag: '$(rotation asis.mp4)', input '$(rotation rotated.mp4)'"
ok "display rotation undone like ffmpeg (identical frames); -noautorotate keeps it"

# Odd sizes and 10-bit: through a lossless codec, identical to ffmpeg.
ffmpeg -v error -y -f lavfi -i testsrc=s=321x239:r=25:d=1 -vf format=yuv420p10le -c:v ffv1 odd10.mkv
"$OMNI" -y -nostats -i odd10.mkv -vf "hflip,vflip" -c:v ffv1 odd10_out.mkv
ffmpeg -v error -y -i odd10.mkv -vf "hflip,vflip" -c:v ffv1 odd10_ref.mkv
[ "$(probe v:0 stream=width,height,pix_fmt odd10_out.mkv)" = "321,239,yuv420p10le" ] || die "odd 10-bit lost: $(probe v:0 stream=width,height,pix_fmt odd10_out.mkv)"
[ "$(ffmpeg -v error -i odd10_out.mkv -f framemd5 - | grep -v '^#')" = "$(ffmpeg -v error -i odd10_ref.mkv -f framemd5 - | grep -v '^#')" ] || die "odd 10-bit frames differ from ffmpeg"
"$OMNI" -y -nostats -i odd10.mkv -vf "scale=320:240" ten.mp4
[ "$(probe v:0 stream=pix_fmt ten.mp4)" = "yuv420p10le" ] || die "10-bit into H.264 became $(probe v:0 stream=pix_fmt ten.mp4)"
ok "321x239 10-bit: identical to ffmpeg; 10-bit H.264 stays 10-bit"

# Variable frame rate: irregular timestamps survive.
ffmpeg -v error -y -f lavfi -i testsrc2=s=160x120:r=30:d=2 -vf "setpts='N/30/TB+if(gt(N,20),0.25/TB,0)+if(gt(N,40),0.1/TB,0)'" -fps_mode vfr -c:v ffv1 vfr.mkv
"$OMNI" -y -nostats -i vfr.mkv -vf hflip -c:v ffv1 vfr_out.mkv
pts() { ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of default=nw=1:nk=1 "$1" | grep -E '^[0-9.]+$'; }
[ "$(pts vfr.mkv)" = "$(pts vfr_out.mkv)" ] || { diff <(pts vfr.mkv) <(pts vfr_out.mkv) | head; die "VFR timestamps changed"; }
"$OMNI" -y -nostats -i vfr.mkv -vf hflip -fps_mode vfr vfr_out.mp4
[ "$(pts vfr.mkv | md5sum)" = "$(pts vfr_out.mp4 | md5sum)" ] || die "VFR timestamps changed in mp4 with -fps_mode vfr"
# Into mp4 by default, as ffmpeg: constant rate (gaps filled by repeating frames).
"$OMNI" -y -nostats -i vfr.mkv -vf hflip cfr_out.mp4
ffmpeg -v error -y -i vfr.mkv -vf hflip cfr_ref.mp4
[ "$(pts cfr_out.mp4)" = "$(pts cfr_ref.mp4)" ] || die "VFR into mp4: frame times differ from ffmpeg's"
ok "variable frame rate: $(pts vfr.mkv | wc -l) timestamps kept exactly (mkv, and mp4 with -fps_mode vfr); mp4 by default is constant rate like ffmpeg ($(pts cfr_out.mp4 | wc -l) frames)"

# -map: two audio tracks and a subtitle track all go through untouched.
printf '1\n00:00:00,500 --> 00:00:01,500\nhello\n' > sub.srt
ffmpeg -v error -y -i plain.mp4 -f lavfi -i "sine=f=220:d=1" -i sub.srt -map 0:v -map 0:a -map 1:a -map 2 -c:v copy -c:a aac -c:s srt multi.mkv
"$OMNI" -y -nostats -i multi.mkv -map 0 -vf "scale=160:120" -c:a copy mapped.mkv
[ "$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 mapped.mkv | tr '\n' ' ')" = "video audio audio subtitle " ] || die "-map 0 lost streams"
for i in 0 1; do
  [ "$(ffmpeg -v error -i multi.mkv -map 0:a:$i -c copy -f md5 -)" = "$(ffmpeg -v error -i mapped.mkv -map 0:a:$i -c copy -f md5 -)" ] || die "audio $i changed"
done
[ "$(ffmpeg -v error -i multi.mkv -map 0:s -f srt -)" = "$(ffmpeg -v error -i mapped.mkv -map 0:s -f srt -)" ] || die "subtitles changed"
"$OMNI" -y -nostats -i multi.mkv -map 0 -map -0:a:0 -vf null minus.mkv
[ "$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 minus.mkv | tr '\n' ' ')" = "video audio subtitle " ] || die "-map -0:a:0 did not drop the first audio"
ok "-map 0 keeps 2 audio + 1 subtitle stream bit-identical; -map -0:a:0 removes one"

# The pixel shape a container holds (Matroska keeps it there, not in the codec) goes through, as in
# ffmpeg: a 2:1 clip stays 2:1 through a graph.
ffmpeg -v error -y -f lavfi -i testsrc2=s=320x240:r=10:d=0.3 -vf setsar=2 -c:v ffv1 sar.mkv
"$OMNI" -y -nostats -i sar.mkv -vf null -c:v ffv1 sar_out.mkv
ffmpeg -v error -y -i sar.mkv -vf null -c:v ffv1 sar_ff.mkv
[ "$(probe v:0 stream=sample_aspect_ratio sar_out.mkv)" = "$(probe v:0 stream=sample_aspect_ratio sar_ff.mkv)" ] \
  || die "sample aspect ratio: $(probe v:0 stream=sample_aspect_ratio sar_out.mkv), ffmpeg gives $(probe v:0 stream=sample_aspect_ratio sar_ff.mkv)"
ok "a container's sample aspect ratio ($(probe v:0 stream=sample_aspect_ratio sar_out.mkv)) goes through the graph, as in ffmpeg"
