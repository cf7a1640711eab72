#!/usr/bin/env bash
# omni batch: the same job over a folder of clips.
# - -i a glob, a folder, a file; -o with {stem}; -j 2; outputs the same frames as omni on each file;
# - one broken input fails alone: the others are written, the exit status is 1, the report names it;
# - --report: a JSON line per file (input, output, status, error, frames, seconds, fps);
# - --skip-existing: a rerun leaves what is done; --dry-run lists and runs nothing;
# - --shard I/N: the shards are disjoint, cover every input, and do not depend on the list's order;
# - bad uses: one line each.
source "$(dirname "$0")/lib.sh"
O="$OMNI_SHIPPED"

mkdir -p clips
for i in 1 2 3 4 5; do make_clip "clips/c$i.mp4" 1 "$((160 + 16 * i))x120" 10; done
printf 'not a video' >clips/broken.mp4
cp "$DATA/vtest.avi" clips/walk.avi

# ---- a folder, two at a time, one broken ---------------------------------------------------------
set +e
"$O" batch -i clips/ -vf "hflip,restyle=pixel" -c:v ffv1 -o 'out/{stem}_px.mkv' -j 2 -t 1 --report run.json 2>batch.err
rc=$?
set -e
[ $rc = 1 ] || die "a batch with a broken file exits $rc, not 1: $(cat batch.err)"
grep -q "omni: batch: clips/broken.mp4: " batch.err || die "the broken file's error is not named: $(cat batch.err)"
grep -q "batch: 7/7 done, 1 failed, 0 skipped" batch.err || die "no final progress line: $(tail -2 batch.err)"
for i in 1 2 3 4 5; do
  [ -f "out/c${i}_px.mkv" ] || die "out/c${i}_px.mkv was not written"
done
[ -f out/walk_px.mkv ] && [ ! -e out/broken_px.mkv ] || die "walk written / broken not: $(ls out)"
"$O" -y -nostats -v error -i clips/c3.mp4 -vf "hflip,restyle=pixel" -c:v ffv1 -t 1 one.mkv
[ "$(ffmpeg -v error -i out/c3_px.mkv -f framemd5 - | grep -v '^#')" = "$(ffmpeg -v error -i one.mkv -f framemd5 - | grep -v '^#')" ] ||
  die "omni batch's output differs from omni on the same file"
python3 - <<'PY' || die "run.json: $(cat run.json)"
import json
rows = [json.loads(l) for l in open('run.json')]
assert len(rows) == 7, rows
by = {r['input']: r for r in rows}
assert by['clips/broken.mp4']['status'] == 'failed' and by['clips/broken.mp4']['error'], by['clips/broken.mp4']
for k, r in by.items():
    assert set(r) == {'input', 'output', 'status', 'error', 'frames', 'seconds', 'fps'}, r
    if k != 'clips/broken.mp4':
        assert r['status'] == 'ok' and r['frames'] == 10 and r['seconds'] > 0 and r['fps'] > 0, r
assert by['clips/c1.mp4']['output'] == 'out/c1_px.mkv'
PY
ok "a folder of 7, -j 2: 6 written (the same frames as omni on one), the broken one failed alone (exit 1, named, reported)"

# ---- rerun: skip what exists ----------------------------------------------------------------------
rm out/c2_px.mkv
set +e
"$O" batch -i 'clips/*.mp4' -i clips/walk.avi -vf "hflip,restyle=pixel" -c:v ffv1 -t 1 -o 'out/{stem}_px.mkv' --skip-existing --report again.json 2>again.err
set -e
python3 - <<'PY' || die "--skip-existing: $(cat again.json)"
import json
st = {json.loads(l)['input']: json.loads(l)['status'] for l in open('again.json')}
assert st['clips/c2.mp4'] == 'ok' and st['clips/broken.mp4'] == 'failed', st
assert all(st[k] == 'skipped' for k in st if k not in ('clips/c2.mp4', 'clips/broken.mp4')), st
PY
[ -f out/c2_px.mkv ] || die "--skip-existing did not redo the missing one"
ok "--skip-existing: the rerun wrote the missing output and skipped the 5 done"

# ---- dry run, shards ----------------------------------------------------------------------------------
"$O" batch -i 'clips/c*.mp4' -vf null -o 'dry/{name}' --dry-run >dry.txt 2>dry.err
[ "$(wc -l <dry.txt)" = 5 ] && grep -qx "clips/c4.mp4 -> dry/c4.mp4" dry.txt && [ ! -e dry ] || die "--dry-run: $(cat dry.txt)"
: >all.txt
for i in 0 1 2; do
  "$O" batch -i clips/ -i 'clips/c*.mp4' -vf null -o 'x/{name}' --dry-run --shard "$i/3" 2>/dev/null | tee -a all.txt >"s$i.txt"
  # The same shard from the list in another order (patterns given the other way round).
  "$O" batch -i 'clips/c*.mp4' -i clips/walk.avi -i clips/broken.mp4 -vf null -o 'x/{name}' --dry-run --shard "$i/3" 2>/dev/null >"r$i.txt"
  cmp -s "s$i.txt" "r$i.txt" || die "--shard $i/3 depends on the order of the inputs: $(cat "s$i.txt") / $(cat "r$i.txt")"
done
[ "$(sort all.txt | uniq | wc -l)" = 7 ] && [ "$(wc -l <all.txt)" = 7 ] || die "--shard 0..2/3 do not split the 7 inputs: $(cat all.txt)"
ok "--dry-run lists 5 jobs and runs none; --shard 0/3, 1/3, 2/3 split the 7 inputs, whatever their order"

# ---- bad uses --------------------------------------------------------------------------------------
expect_fail "no -o TEMPLATE" "$O" batch -i clips/ -vf null >/dev/null
expect_fail "no file matches" "$O" batch -i 'nothing/*.mp4' -o 'o/{stem}.mp4' >/dev/null
expect_fail "unknown place '\{stm\}'" "$O" batch -i clips/ -o 'o/{stm}.mp4' >/dev/null
expect_fail "would both be written to 'o/same.mp4'" "$O" batch -i clips/ -o 'o/same.mp4' >/dev/null
expect_fail "--shard 3/3: use I/N" "$O" batch -i clips/ -o 'o/{stem}.mp4' --shard 3/3 >/dev/null
expect_fail "unknown option '--skip-exsting' \(did you mean '--skip-existing'\?\)" "$O" batch -i clips/ -o 'o/{stem}.mp4' --skip-exsting >/dev/null
expect_fail "-j 0: give a number" "$O" batch -i clips/ -o 'o/{stem}.mp4' -j 0 >/dev/null
ok "bad uses: one line each"

# ---- examples/batch: Slurm, Kubernetes, GNU parallel -------------------------------------------
# Each run here as far as this machine allows: the Slurm script for each array task id, the
# Kubernetes Job's command for each completion index, the GNU parallel line for real (on this host).
# Each must key every clip exactly once, and the reports must concatenate to one line per clip.
mkdir -p bin ex
ln -sf "$O" bin/omni
export PATH="$T/bin:$PATH"
check_example() {  # check_example NAME: keyed/ and reports/ in ex/ after the example ran
  [ "$(ls ex/keyed | sort | tr '\n' ' ')" = "c1.mp4 c2.mp4 c3.mp4 c4.mp4 c5.mp4 " ] || die "$1: keyed/ holds $(ls ex/keyed)"
  [ "$(cat ex/reports/*.json | wc -l)" = 5 ] || die "$1: the reports hold $(cat ex/reports/*.json | wc -l) lines, not 5"
  grep -h '"status":"ok"' ex/reports/*.json | wc -l | grep -qx 5 || die "$1: $(cat ex/reports/*.json)"
}
reset_ex() { rm -rf ex && mkdir -p ex/clips && cp clips/c*.mp4 ex/clips/; }
reset_ex
(cd ex && for i in 0 1 2 3; do SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=4 bash "$OMNI_SRC/examples/batch/slurm.sh" 2>>slurm.err; done)
check_example "examples/batch/slurm.sh"
reset_ex
cmd=$(sed -n 's/^ *- \(omni batch .*\)$/\1/p' "$OMNI_SRC/examples/batch/k8s-job.yaml")
[ -n "$cmd" ] || die "examples/batch/k8s-job.yaml: no omni batch command found"
(cd ex && mkdir -p keyed reports && for i in 0 1 2 3; do JOB_COMPLETION_INDEX=$i sh -c "$cmd" 2>>k8s.err; done)
check_example "examples/batch/k8s-job.yaml"
reset_ex
(cd ex && HOSTS=: bash "$OMNI_SRC/examples/batch/parallel.sh" 2>parallel.err) || die "examples/batch/parallel.sh: $(cat ex/parallel.err)"
check_example "examples/batch/parallel.sh"
ok "examples/batch: the Slurm script (4 task ids), the Kubernetes Job's command (4 indexes) and the GNU parallel line each key the 5 clips once"
