#!/usr/bin/env bash
# A sweep split into N shards run by GNU parallel, then merged into one experiment file.
#
#   sweep-parallel.sh SWEEP.json N OUT.json [more sweep options]
#
# On this machine, N shards run a few at a time (PARALLEL_SHARDS, default one per core). Over SSH,
# give GNU parallel its nodes through its PARALLEL variable, with the files on a shared file system:
#   PARALLEL="--sshloginfile nodes.txt --workdir $PWD" sweep-parallel.sh sweep.json 16 all.json
# Shard K saves OUT.parts/part-K.json; running the script again resumes every shard (finished runs
# are kept) and merges again. Each line of output is a finished run, tagged with its shard.
#   F3STUDIO_CLI     the program (default f3studio-cli)
#   JOBS_PER_SHARD   runs a shard trains side by side (--jobs, default 1)
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 SWEEP.json N OUT.json [sweep options]" >&2
    exit 2
fi
config=$1 shards=$2 out=$3
shift 3
cli=${F3STUDIO_CLI:-f3studio-cli}
parts="${out%.json}.parts"
mkdir -p "$parts"

# -q quotes every word (paths with spaces survive the shell parallel runs commands in); {} is the
# shard. A failed shard does not stop the others: the merge below reports what is missing.
status=0
seq 0 $((shards - 1)) | parallel -q --tag --line-buffer -j "${PARALLEL_SHARDS:-100%}" \
    "$cli" sweep --config "$config" --shard "{}/$shards" --jobs "${JOBS_PER_SHARD:-1}" --save "$parts/part-{}.json" "$@" ||
    status=$?
"$cli" merge "$out" "$parts"/part-*.json
exit "$status"
