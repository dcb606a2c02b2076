#!/usr/bin/env bash
# Sweep throughput against the number of jobs: runs per minute of `f3studio-cli sweep` with 1..N
# jobs (best of R repeats), and the speed-up over one job. The sweeps' numbers must not depend on
# the job count, so the script also checks that every job count printed the same results.
#   tests/benchmark/sweep_speedup.sh [CLI] [MAX_JOBS] [REPEATS] -- SWEEP ARGUMENTS...
# Default: the learning-rate-sweep lesson with 10 seeds (70 runs), jobs 1 and 2, 3 repeats.
set -euo pipefail
cli=${1:-build/app/f3studio-cli}
max_jobs=${2:-2}
repeats=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--config resources/lessons/learning-rate-sweep.json --seeds 10)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
one=""
for jobs in $(seq 1 "$max_jobs"); do
  best=""
  for r in $(seq 1 "$repeats"); do
    start=$(date +%s.%N)
    "$cli" sweep "${args[@]}" --jobs "$jobs" > "$scratch/out-$jobs" 2>/dev/null
    end=$(date +%s.%N)
    best=$(awk -v s="$start" -v e="$end" -v b="$best" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
  done
  runs=$(wc -l < "$scratch/out-$jobs")
  # Same numbers whatever the job count: compare the lines without their timing field, sorted by run.
  sed -E 's/"seconds":[^,]*,//' "$scratch/out-$jobs" | sort > "$scratch/cmp-$jobs"
  if [ "$jobs" -gt 1 ] && ! cmp -s "$scratch/cmp-1" "$scratch/cmp-$jobs"; then
    echo "error: $jobs jobs printed other results than 1 job" >&2
    exit 1
  fi
  per_minute=$(awk -v n="$runs" -v t="$best" 'BEGIN { print n * 60 / t }')
  [ -n "$one" ] || one=$per_minute
  awk -v j="$jobs" -v n="$runs" -v t="$best" -v m="$per_minute" -v o="$one" \
    'BEGIN { printf "jobs %d: %d runs in %.2f s = %.0f runs/min, speed-up %.2fx\n", j, n, t, m, m / o }'
done
