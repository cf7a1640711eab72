#!/bin/bash
# One long video over a Slurm job array: omni chunk first (on any machine that sees the shared
# folder), then one array task per chunk runs that chunk's line of jobs.txt, then omni join:
#   omni chunk -i long.mp4 -vf "remove=people" -c:v libx264 -crf 18 --chunks 8 -o work/
#   sbatch --array=0-7 --wait examples/batch/chunk-slurm.sh work && omni join work/ out.mp4
# A task that died is rerun alone (sbatch --array=5 ...): each job writes only its own piece.
#SBATCH --job-name=omni-chunk
#SBATCH --cpus-per-task=2
#SBATCH --output=logs/%A_%a.log
set -euo pipefail
cd "${1:-work}"
line=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" jobs.txt)
[ -n "$line" ] || { echo "no line $((SLURM_ARRAY_TASK_ID + 1)) in jobs.txt (the array is larger than the chunks)" >&2; exit 1; }
OMNI="${OMNI:-omni} -threads ${SLURM_CPUS_PER_TASK:-0}" sh -c "$line"
