#!/usr/bin/env bash
# The omni filter interface through the command line: a temporal window emits late but loses or
# reorders nothing; an alpha producer's output lands in every container that holds alpha, and
# one that cannot is refused.
source "$(dirname "$0")/lib.sh"
"$OMNI" -y -nostats -i "$DATA/vtest.avi" -t 6 -c:v ffv1 ref.mkv
"$OMNI" -y -nostats -i ref.mkv -vf "testdelay=n=7,scale=iw:ih,testdelay=n=2" -c:v ffv1 delayed.mkv
fm() { ffmpeg -v error -i "$1" -f framemd5 - | grep -v '^#'; }
[ "$(fm ref.mkv)" = "$(fm delayed.mkv)" ] || die "a windowed filter changed frames, order or timing"
ok "testdelay (window 7 and 2, native segment between): $(fm delayed.mkv | wc -l) frames identical in content and pts"

"$OMNI" -y -nostats -i ref.mkv -vf "testalpha=value=200" -c:v ffv1 alpha.mkv
[ "$(probe v:0 stream=pix_fmt alpha.mkv)" = "yuva420p" ] || die "ffv1/mkv lost alpha"
# The alpha plane must hold exactly the box: 200 inside, 0 outside (mean over the frame = 200/4).
mean=$(ffmpeg -v error -i alpha.mkv -frames:v 1 -vf "alphaextract,signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-" -f null - | grep -o 'YAVG=[0-9.]*' | cut -d= -f2)
awk -v m="$mean" 'BEGIN{exit !(m > 48 && m < 52)}' || die "alpha mean $mean, expected 50"
ok "ffv1 .mkv keeps alpha (mean alpha $mean, expected 50)"
"$OMNI" -y -nostats -i ref.mkv -t 1 -vf testalpha -c:v prores_ks -profile:v 4444 alpha.mov
case "$(probe v:0 stream=pix_fmt alpha.mov)" in yuva444p*) ;; *) die "prores 4444 lost alpha";; esac
"$OMNI" -y -nostats -i ref.mkv -t 1 -vf testalpha alpha.webm
[ "$(ffprobe -v error -show_entries stream_tags=alpha_mode -of csv=p=0 alpha.webm)" = "1" ] || die "vp9 webm lost alpha"
"$OMNI" -y -nostats -i ref.mkv -vf testalpha -frames:v 1 alpha.png
[ "$(probe v:0 stream=pix_fmt alpha.png)" = "rgba" ] || die "png lost alpha"
ok "alpha kept in ProRes 4444 .mov, VP9 .webm and .png"
expect_fail "has an alpha channel but libx264 in mp4 cannot store it; use .mov" "$OMNI" -y -i ref.mkv -vf testalpha alpha.mp4 >/dev/null
[ ! -e alpha.mp4 ] || die "refused alpha output left a file"
"$OMNI" -y -nostats -i ref.mkv -t 1 -vf testalpha -pix_fmt yuv420p dropped.mp4
ok "alpha into mp4: refused with a fix; -pix_fmt yuv420p drops it on purpose"
