#!/bin/bash
# GNU parallel over ssh hosts, one shard each (a folder all hosts see: NFS or the like):
#   HOSTS=host1,host2,host3,host4 bash examples/batch/parallel.sh
# HOSTS=: runs the shards here, two at a time (what the tests do).
set -euo pipefail
hosts=${HOSTS:-:}
n=${SHARDS:-4}
mkdir -p keyed reports
seq 0 $((n - 1)) | parallel -j 2 -S "$hosts" --workdir "$PWD" \
  "omni batch -i 'clips/*.mp4' -vf matte=bg=green -o 'keyed/{stem}.mp4' --shard {}/$n --skip-existing --report reports/{}.json"
