#!/usr/bin/env bash
# A shard killed mid-way (SIGKILL: a node failure, no chance to save) leaves a valid part file with
# the runs it finished (the sweep saves every 10 s); the same command resumes it, keeps those runs
# and trains only the others.
# usage: killed_shard.sh F3STUDIO_CLI SOURCE_DIR SCRATCH_DIR
set -euo pipefail
CLI=$1 SRC=$2 WORK=$3
. "$SRC/tests/hpc/common.sh"
rm -rf "$WORK"
mkdir -p "$WORK"
part="$WORK/part-1.json"
# 11 runs of about 3 s each on one core: the first save (after 10 s) comes well before the end, even
# on a machine a few times faster.
shard=(sweep --config "$sweep_config" --epochs 80 --seeds 6 --shard 1/4 --jobs 1 --save "$part")
runs=11

done_runs() { "$CLI" status "$part" 2> /dev/null | sed -n 's/.*, done: \([0-9]*\),.*/\1/p'; }
"$CLI" "${shard[@]}" > "$WORK/killed.out" 2> "$WORK/killed.err" &
sweep=$!
deadline=$(($(date +%s) + 600))
until [ "$(done_runs)" -gt 0 ] 2> /dev/null; do
    kill -0 "$sweep" 2> /dev/null || fail "the shard ended before it saved a run: $(cat "$WORK/killed.err")"
    [ "$(date +%s)" -lt "$deadline" ] || fail "no run saved in 600 s"
    sleep 0.2
done
kill -KILL "$sweep"
wait "$sweep" 2> /dev/null || true
cp "$part" "$WORK/killed.json"
saved=$(done_runs)
echo "killed after $saved saved runs; $(count_run_lines "$WORK/killed.out") were printed"
[ "$saved" -lt $runs ] || fail "the shard had finished before it was killed: make its runs longer"

"$CLI" "${shard[@]}" > "$WORK/resumed.out" 2> "$WORK/resumed.err" || fail "resuming failed: $(cat "$WORK/resumed.err")"
grep -q "resuming: $saved of $runs runs are in the file" "$WORK/resumed.err" || fail "the resumed shard did not keep the saved runs: $(cat "$WORK/resumed.err")"
[ "$(count_run_lines "$WORK/resumed.out")" -eq $((runs - saved)) ] || fail "the resumed shard trained other than the $((runs - saved)) missing runs"
"$CLI" status "$part" | grep -q "runs: 42, done: $runs, missing: $((42 - runs)), failed: 0" || fail "the resumed shard is incomplete"
# The runs saved before the kill are in the finished file, unchanged (merge refuses differing runs).
"$CLI" merge "$WORK/check.json" "$WORK/killed.json" "$part" > /dev/null || fail "the runs saved before the kill changed"
echo "PASS"
