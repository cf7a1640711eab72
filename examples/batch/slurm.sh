#!/bin/bash
# A Slurm job array over a folder of clips: each task keys its share of the clips (omni batch
# --shard: by a hash of each file's name, so every task agrees on the split without a list), and
# a rerun of the array resumes (--skip-existing). The reports concatenate:
#   sbatch examples/batch/slurm.sh && cat reports/*.json > run.json
#SBATCH --job-name=omni-keyed
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --output=logs/%A_%a.log
set -euo pipefail
mkdir -p keyed reports
omni batch -i 'clips/*.mp4' -vf "matte=bg=green" -o 'keyed/{stem}.mp4' -j 1 \
  --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --skip-existing --report "reports/$SLURM_ARRAY_TASK_ID.json"
