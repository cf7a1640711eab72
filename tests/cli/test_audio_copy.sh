#!/usr/bin/env bash
# Audio with -c:a copy is bit-identical to the input's; with the default (container takes the
# codec) it is copied too; re-encoding happens only when asked or needed.
source "$(dirname "$0")/lib.sh"
make_clip in.mp4 3
pk() { ffmpeg -v error -i "$1" -map 0:a -c copy -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }
"$OMNI" -y -nostats -i in.mp4 -vf "scale=160:120" -c:a copy out.mp4
[ "$(pk in.mp4)" = "$(pk out.mp4)" ] || die "-c:a copy changed the audio packets"
ok "-c:a copy: $(pk out.mp4 | wc -l) audio packets bit-identical"
"$OMNI" -y -nostats -i in.mp4 -vf null default.mp4
[ "$(pk in.mp4)" = "$(pk default.mp4)" ] || die "default audio handling did not copy AAC into mp4"
ok "default: AAC copied into mp4"
"$OMNI" -y -nostats -i in.mp4 -c:a libopus -vf null reenc.mkv
[ "$(probe a:0 stream=codec_name reenc.mkv)" = "opus" ] || die "-c:a libopus did not re-encode"
"$OMNI" -y -nostats -i in.mp4 -vf null out.webm
[ "$(probe a:0 stream=codec_name out.webm)" = "opus" ] || die "webm cannot hold aac: expected opus re-encode"
dur=$(probe a:0 stream=duration out.webm | cut -c1-3)
ok "AAC into webm re-encoded to $(probe a:0 stream=codec_name out.webm), duration ${dur}s"
"$OMNI" -y -nostats -i in.mp4 -vf null -an noaudio.mp4
[ -z "$(probe a stream=codec_name noaudio.mp4)" ] || die "-an kept audio"
ok "-an drops audio"
