# Sourced by the hpc tests. Needs CLI (f3studio-cli), SRC (the source tree) and WORK (a scratch
# directory). The sweep they split: the learning-rate lesson made small (21 runs of under a second).
sweep_config="$SRC/resources/lessons/learning-rate-sweep.json"
sweep_options=(--epochs 3 --size 400)
sweep_runs=21

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# check_merged MERGED.json: every run is done, and the runs are those of the same sweep run on one
# machine, bit for bit (files print doubles with 17 significant digits): the files differ only in
# the time each run took.
check_merged() {
    "$CLI" status "$1" | tee "$WORK/status.txt"
    grep -q "runs: $sweep_runs, done: $sweep_runs, missing: 0, failed: 0" "$WORK/status.txt" || fail "$1: runs are missing"
    "$CLI" sweep --config "$sweep_config" "${sweep_options[@]}" --jobs 2 --save "$WORK/one-machine.json" > /dev/null 2> "$WORK/one-machine.err" ||
        fail "the sweep on one machine failed: $(cat "$WORK/one-machine.err")"
    grep -v '"seconds":' "$1" > "$WORK/merged.cmp"
    grep -v '"seconds":' "$WORK/one-machine.json" > "$WORK/one-machine.cmp"
    cmp "$WORK/merged.cmp" "$WORK/one-machine.cmp" || fail "the merged runs differ from the sweep on one machine"
    echo "merged file equals the sweep on one machine (times aside)"
}

# count_run_lines FILE...: the JSON lines of finished runs (what `tail -f` of a shard's output shows).
count_run_lines() {
    cat "$@" | grep -c '{"run":' || true
}
