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
runs=11
done_runs() { "$CLI" status "$part" 2> /dev/null | sed -n 's/.*, done: \([0-9]*\),.*/\1/p'; }

# The sweep saves every 10 s, so the kill lands mid-way only if the shard outlasts its first save.
# How long 11 runs take depends on the machine: start short and double the epochs until a kill
# finds the shard with some but not all of its runs saved (a state, not a guess of speed).
epochs=40
while :; do
    shard=(sweep --config "$sweep_config" --epochs "$epochs" --seeds 6 --shard 1/4 --jobs 1 --save "$part")
    rm -f "$part"
    "$CLI" "${shard[@]}" > "$WORK/killed.out" 2> "$WORK/killed.err" &
    sweep=$!
    until [ "$(done_runs)" -gt 0 ] 2> /dev/null || ! kill -0 "$sweep" 2> /dev/null; do sleep 0.2; done
    kill -KILL "$sweep" 2> /dev/null || true
    wait "$sweep" 2> /dev/null || true
    saved=$(done_runs)
    [ -n "$saved" ] && [ "$saved" -gt 0 ] && [ "$saved" -lt $runs ] && break
    [ "$epochs" -lt 10240 ] || fail "no kill landed mid-way, even at $epochs epochs: $(cat "$WORK/killed.err")"
    echo "the shard of $epochs epochs ended before it was killed mid-way; trying longer runs"
    epochs=$((epochs * 2))
done
cp "$part" "$WORK/killed.json"
echo "killed after $saved saved runs; $(count_run_lines "$WORK/killed.out") were printed"

"$CLI" "${shard[@]}" > "$WORK/resumed.out" 2> "$WORK/resumed.err" || fail "resuming failed: $(cat "$WORK/resumed.err")"
grep -q "resuming: $saved of $runs runs are in the file" "$WORK/resumed.err" || fail "the resumed shard did not keep the saved runs: $(cat "$WORK/resumed.err")"
[ "$(count_run_lines "$WORK/resumed.out")" -eq $((runs - saved)) ] || fail "the resumed shard trained other than the $((runs - saved)) missing runs"
"$CLI" status "$part" | grep -q "runs: 42, done: $runs, missing: $((42 - runs)), failed: 0" || fail "the resumed shard is incomplete"
# The runs saved before the kill are in the finished file, unchanged (merge refuses differing runs).
"$CLI" merge "$WORK/check.json" "$WORK/killed.json" "$part" > /dev/null || fail "the runs saved before the kill changed"
echo "PASS"
