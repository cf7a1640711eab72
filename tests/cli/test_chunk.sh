#!/usr/bin/env bash
# omni chunk + omni join: one long video as chunks processed apart, joined without re-encoding.
# - a stateless chain: the joined frames are the frames of one run (framemd5), with the same times;
# - joins on shot cuts: restyle=cartoon (which restarts at a cut) gives the frames of one run too;
# - a temporal chain inside one shot (remove=people): every joined frame within 35 dB PSNR of one run;
# - the original's audio comes through untouched (every packet's data and time), into MP4 with H.264 pieces;
# - a vertical, odd-sized Matroska input (every frame a keyframe) split --every second;
# - the jobs run by GNU parallel, and by examples/batch/chunk-slurm.sh as each task of a Slurm array;
# - bad uses and damaged folders: one line each, and join writes nothing.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"
export OMNI="$O -nostats -v error"

md5s() { ffmpeg -v error -i "$1" -map 0:v -f framemd5 - | grep -v '^#' | awk -F, '{print $2, $6}'; }
audio_packets() { ffmpeg -v error -i "$1" -map 0:a -c copy -f framemd5 - | grep -v '^#'; }

# A street (vtest.avi), 12 s at 10 fps, a keyframe every 30 frames; a tone.
ffmpeg -v error -y -i "$DATA/vtest.avi" -f lavfi -i "sine=f=440:r=48000" -t 12 -map 0:v -map 1:a \
  -vf scale=480:360 -c:v libx264 -preset veryfast -g 30 -c:a aac street.mp4
# Three shots: the street, an animation (Megamind.avi), the street 40 s later; x264 puts a keyframe at the cuts.
ffmpeg -v error -y -i "$DATA/vtest.avi" -i "$DATA/Megamind.avi" -filter_complex \
  "[0:v]trim=0:5,setpts=PTS-STARTPTS,fps=10,scale=384:288,setsar=1[a];[1:v]scale=384:288,setsar=1,fps=10,trim=0:5,setpts=PTS-STARTPTS[b];[0:v]trim=40:45,setpts=PTS-STARTPTS,fps=10,scale=384:288,setsar=1[c];[a][b][c]concat=n=3:v=1:a=0[v]" \
  -map "[v]" -c:v libx264 -preset veryfast -g 40 shots.mp4

# ---- a stateless chain: the same frames as one run ------------------------------------------------
"$O" chunk -i street.mp4 -vf "hue=s=0,restyle=sketch:temporal=0" -c:v ffv1 --chunks 4 -o w1 2>chunk.err
grep -q "omni: chunk: 4 chunks of 120 frames in w1" chunk.err || die "chunk's summary: $(cat chunk.err)"
grep -q "overlap 0 frames (stateless chain)" chunk.err || die "a stateless chain got an overlap: $(cat chunk.err)"
[ "$(wc -l <w1/jobs.txt)" = 4 ] || die "jobs.txt has $(wc -l <w1/jobs.txt) lines, not 4"
(cd w1 && parallel -j 2 <jobs.txt) || die "the jobs failed under GNU parallel"
"$O" join w1 joined1.mkv 2>join.err || die "join failed: $(cat join.err)"
grep -q "omni: join: 4 pieces, 120 frames, 1 audio stream copied" join.err || die "join's summary: $(cat join.err)"
$OMNI -y -i street.mp4 -vf "hue=s=0,restyle=sketch:temporal=0" -c:v ffv1 -an one1.mkv
[ "$(md5s joined1.mkv)" = "$(md5s one1.mkv)" ] || die "a stateless chain's joined frames (or their times) differ from one run"
ok "stateless chain: 4 chunks joined = one run, frame for frame and time for time"

# ---- joins on shot cuts: a temporal chain that restarts at a cut ------------------------------------
"$O" chunk -i shots.mp4 -vf restyle=cartoon -c:v ffv1 --chunks 3 -o w2 2>chunk2.err
python3 - <<'PY' || die "the joins are not at the shot cuts: $(cat w2/manifest.json)"
import json
m = json.load(open('w2/manifest.json'))
keep = [c['keep'] for c in m['chunks']]
# The animation fades in: x264 put its keyframe one frame after the cut at 50, so the first join
# is at that keyframe (its lead-in holds the cut); the second is on the cut at 100.
assert [c['begins_at'] for c in m['chunks'][1:]] == ['keyframe', 'shot cut'], m['chunks']
assert keep[1][0] in (50, 51) and keep[2][0] == 100 and m['chunks'][1]['from'] <= 50, keep
assert m['overlap'] >= 10 and m['windows'] == {'restyle': 1}, (m['overlap'], m['windows'])
PY
mkdir -p logs
for i in 0 1 2; do  # examples/batch/chunk-slurm.sh as each task of a Slurm array runs it
  SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash "$OMNI_SRC/examples/batch/chunk-slurm.sh" w2 || die "the Slurm example failed for task $i"
done
expect_fail "no line 4 in jobs.txt" env SLURM_ARRAY_TASK_ID=3 bash "$OMNI_SRC/examples/batch/chunk-slurm.sh" w2 >/dev/null
"$O" join w2/manifest.json joined2.mkv -an 2>/dev/null
$OMNI -y -i shots.mp4 -vf restyle=cartoon -c:v ffv1 one2.mkv
[ "$(md5s joined2.mkv)" = "$(md5s one2.mkv)" ] || die "restyle=cartoon joined at shot cuts differs from one run"
[ -z "$(probe a stream=index joined2.mkv)" ] || die "-an: the joined file has audio"
ok "temporal chain joined at shot cuts = one run"

# ---- a temporal chain inside one shot: within the stated tolerance ---------------------------------
"$O" chunk -i street.mp4 -vf remove=people -c:v ffv1 --chunks 3 -o w3 2>chunk3.err
grep -q "windows: remove " chunk3.err || die "remove's window was not learned: $(cat chunk3.err)"
(cd w3 && parallel -j 2 <jobs.txt) || die "remove's jobs failed"
"$O" join -v error w3 joined3.mkv 2>join3.err
[ ! -s join3.err ] || die "join -v error printed: $(cat join3.err)"
$OMNI -y -i street.mp4 -vf remove=people -c:v ffv1 -an one3.mkv
ffmpeg -v error -i joined3.mkv -i one3.mkv -lavfi "[0:v][1:v]psnr=stats_file=psnr.txt" -f null -
python3 - <<'PY' || die "remove=people's joined frames are too far from one run"
vals = []
for line in open('psnr.txt'):
    v = dict(kv.split(':') for kv in line.split())['psnr_avg']
    vals.append(99.0 if v == 'inf' else float(v))
assert len(vals) == 120, len(vals)
worst = min(vals)
print(f"remove=people, 3 chunks: worst frame {worst:.1f} dB PSNR against one run, {sum(v < 99 for v in vals)} of 120 frames differ")
assert worst >= 35, worst
PY
ok "temporal chain within a shot: every joined frame within 35 dB of one run"

# ---- H.264 pieces into MP4; the audio untouched ----------------------------------------------------
"$O" chunk -i street.mp4 -vf "hflip" -c:v libx264 -preset ultrafast -crf 30 -metadata:s:v "title=it's a \$HOME \"test\"" --chunks 3 -o w4 2>/dev/null
(cd w4 && parallel -j 2 <jobs.txt)
[ "$(ffprobe -v error -show_entries stream_tags=title -of default=nw=1:nk=1 w4/piece-002.mkv)" = "it's a \$HOME \"test\"" ] ||
  die "an option with quotes and a dollar sign did not reach the job intact: $(cat w4/jobs.txt)"
"$O" join w4 joined4.mp4 2>/dev/null
[ "$(count_frames joined4.mp4)" = 120 ] || die "joined4.mp4 decodes to $(count_frames joined4.mp4) frames, not 120"
[ "$(audio_packets joined4.mp4)" = "$(audio_packets street.mp4)" ] || die "the joined audio's packets differ from the original's"
d0=$(probe v:0 stream=duration street.mp4) d1=$(probe v:0 stream=duration joined4.mp4)
python3 -c "import sys; sys.exit(abs($d0 - $d1) > 0.101)" || die "video duration $d1 s, the original's $d0 s"
ok "H.264 pieces joined into MP4: 120 frames, the original's audio packets untouched"

# ---- a vertical, odd-sized Matroska input, --every second ------------------------------------------
ffmpeg -v error -y -f lavfi -i "testsrc2=size=241x427:rate=25:duration=4" -c:v ffv1 tall.mkv
"$O" chunk -i tall.mkv -vf "hflip,restyle=pixel:temporal=0" -c:v ffv1 --every 1 -o w5 2>/dev/null
[ "$(wc -l <w5/jobs.txt)" = 4 ] || die "--every 1 on 4 s made $(wc -l <w5/jobs.txt) chunks"
(cd w5 && parallel -j 2 <jobs.txt)
"$O" join w5 joined5.mkv 2>/dev/null
$OMNI -y -i tall.mkv -vf "hflip,restyle=pixel:temporal=0" -c:v ffv1 one5.mkv
[ "$(md5s joined5.mkv)" = "$(md5s one5.mkv)" ] || die "241x427 Matroska: joined frames differ from one run"
ok "vertical odd-sized Matroska input, --every 1: joined = one run"

# ---- --dry-run, --overlap -------------------------------------------------------------------------
"$O" chunk -threads 2 -i street.mp4 -vf hflip -o w6 --chunks 2 --overlap 7 --dry-run >plan.txt 2>plan.err
[ ! -e w6 ] || die "--dry-run wrote the folder"
grep -q "chunk-001.mp4: frames .* (keeps 60-119, begins at a keyframe)" plan.txt || die "--dry-run's plan: $(cat plan.txt)"
grep -q "overlap 7 frames" plan.err || die "--overlap 7 not taken: $(cat plan.err)"

# ---- bad uses and damaged folders: one line, nothing written ---------------------------------------
expect_fail "chunk: .* already holds chunks \(manifest.json\); add -y" "$O" chunk -i street.mp4 -vf hflip -o w1 >/dev/null
expect_fail "unknown option '--chunk'.*did you mean '--chunks'" "$O" chunk -i street.mp4 -o x --chunk 3 >/dev/null
expect_fail "chunk: -filter_complex is not taken" "$O" chunk -i street.mp4 -filter_complex "[0:v]hflip" -o x >/dev/null
expect_fail "chunk: -ss, -t, -to and -frames would apply to every chunk" "$O" chunk -i street.mp4 -vf hflip -t 3 -o x >/dev/null
expect_fail "chunk: '-ss' before -i" "$O" chunk -ss 3 -i street.mp4 -o x >/dev/null
expect_fail "chunk: -i -: chunk reads its input three times; give a file" "$O" chunk -i - -vf hflip -o x >/dev/null
expect_fail "chunk: no -o FOLDER" "$O" chunk -i street.mp4 -vf hflip >/dev/null
expect_fail "omni: chunk: .nothere.mp4.: No such file" "$O" chunk -i nothere.mp4 -vf hflip -o x >/dev/null
expect_fail "No such filter: 'hlfip'|hlfip" "$O" chunk -i street.mp4 -vf hlfip -o x >/dev/null
[ ! -e x ] || die "a refused chunk left its folder"
"$O" chunk -i street.mp4 -vf "hflip" -c:v libx264 -preset ultrafast -crf 30 --chunks 3 --overlap 5 -o w7 2>/dev/null
(cd w7 && parallel -j 2 <jobs.txt) && rm w7/piece-001.mkv
expect_fail "join: 'w7/piece-001.mkv' is missing; run its line of w7/jobs.txt" "$O" join w7 out7.mp4 >/dev/null
# A piece processed without its trim holds the overlap too.
(cd w7 && $OMNI -y -i chunk-001.mp4 -vf hflip -c:v libx264 -preset ultrafast -crf 30 -an piece-001.mkv)
read -r from to k0 k1 < <(python3 -c "import json; c = json.load(open('w7/manifest.json'))['chunks'][1]; print(c['from'], c['to'], *c['keep'])")
[ "$from" -lt "$k0" ] || die "the middle chunk carries no lead-in: $from $to $k0 $k1"
expect_fail "join: 'w7/piece-001.mkv' holds [0-9]+ frames, its chunk keeps 60" "$O" join w7 out7.mp4 >/dev/null
(cd w7 && $OMNI -y -i chunk-001.mp4 -vf "hflip,scale=240:180,trim=start_frame=$((k0 - from)):end_frame=$((k1 - from))" -c:v libx264 -an piece-001.mkv)
expect_fail "join: 'w7/piece-001.mkv' was encoded differently from 'w7/piece-000.mkv'" "$O" join w7 out7.mp4 >/dev/null
expect_fail "join: 'out1.mp4': the mp4 container cannot hold ffv1; join into .mkv" "$O" join w1 out1.mp4 >/dev/null
expect_fail "join: 'nowhere': no such manifest" "$O" join nowhere out.mkv >/dev/null
expect_fail "join: give the chunk folder and the output" "$O" join w1 >/dev/null
expect_fail "join: unknown option '-ann'.*did you mean '-an'" "$O" join w1 x.mkv -ann >/dev/null
expect_fail "exists|already|overwrite" "$O" join -n w1 joined1.mkv >/dev/null
expect_fail "input|overwrite" "$O" join -y w1 street.mp4 >/dev/null
[ "$(count_frames street.mp4)" = 120 ] || die "join damaged its input"
ls out7.mp4 out1.mp4 x.mkv 2>/dev/null && die "a refused join left a file"
ok "bad uses: one line each, nothing written"
