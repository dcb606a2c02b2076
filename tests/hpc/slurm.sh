#!/usr/bin/env bash
# A sweep split into 4 shards by a Slurm job array (resources/hpc/sweep.sbatch), merged by
# resources/hpc/merge.sbatch, and compared with the same sweep on one machine. The test starts a
# single-node cluster from Debian's packages in its scratch directory -- munged with its own key and
# socket, slurmctld and slurmd with a minimal slurm.conf -- and stops every daemon on exit.
# usage: slurm.sh F3STUDIO_CLI SOURCE_DIR SCRATCH_DIR   (as root: the daemons run as root here)
set -euo pipefail
CLI=$(realpath "$1") SRC=$(realpath "$2") WORK=$3
. "$SRC/tests/hpc/common.sh"
for program in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v "$program" > /dev/null || fail "$program is not installed (Debian packages munge, slurmctld, slurmd, slurm-client; tools/dev.sh installs them)"
done
[ "$(id -u)" -eq 0 ] || fail "the test cluster runs its daemons as root (SlurmUser=root); run the test as root"

rm -rf "$WORK"
mkdir -p "$WORK"/{munge,state,spool,log,parts}
WORK=$(realpath "$WORK")
# munged and slurmd refuse key and spool directories that others may write to.
chmod 755 "$WORK" "$WORK"/{state,spool,log,parts}
chmod 700 "$WORK/munge"

pids=()
stop_daemons() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
}
show_logs() {
    echo "--- slurmctld.log" >&2; tail -n 30 "$WORK/log/slurmctld.log" >&2 || true
    echo "--- slurmd.log" >&2; tail -n 30 "$WORK/log/slurmd.log" >&2 || true
}
trap 'status=$?; [ $status -eq 0 ] || show_logs; stop_daemons; exit $status' EXIT

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND once a second until it succeeds.
wait_for() {
    local deadline=$(($(date +%s) + $1)) what=$2
    shift 2
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "gave up waiting ($1 s) for $what"
        sleep 1
    done
}

# munge: a fresh key and its own socket, so no system munged is needed or disturbed.
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
socket="$WORK/munge/munge.socket"
munged --foreground --force --key-file="$WORK/munge/munge.key" --socket="$socket" --pid-file="$WORK/munge/munged.pid" \
    --seed-file="$WORK/munge/munged.seed" --log-file="$WORK/log/munged.log" > "$WORK/log/munged.out" 2>&1 &
pids+=($!)
wait_for 60 "munged's socket" test -S "$socket"
export MUNGE_SOCKET=$socket

# Ports of this test's own, away from a system cluster's 6817/6818.
port=$((20000 + ($$ % 10000) * 2))
cat > "$WORK/slurm.conf" <<CONF
ClusterName=f3test
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$WORK/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$WORK/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" > "$WORK/log/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [ "$(sinfo -h -n localhost -o %t 2> /dev/null)" = idle ]; }
wait_for 120 "the node to be idle" node_idle

# The job array: one shard per task, one CPU each (two cores run two tasks at a time), then the
# merge step once every task has ended.
cd "$WORK"
array=$(F3STUDIO_CLI=$CLI sbatch --parsable --array=0-3 --cpus-per-task=1 --output="$WORK/log/shard-%a.out" \
    "$SRC/resources/hpc/sweep.sbatch" "$sweep_config" "$WORK/parts" "${sweep_options[@]}")
merge=$(F3STUDIO_CLI=$CLI sbatch --parsable --dependency=afterany:"$array" --output="$WORK/log/merge.out" \
    "$SRC/resources/hpc/merge.sbatch" "$WORK/merged.json" "$WORK/parts")
echo "submitted array $array and merge $merge"
jobs_gone() { [ -z "$(squeue -h -j "$array,$merge" 2> /dev/null)" ]; }
wait_for 600 "the jobs to finish" jobs_gone

# Finished jobs stay known to the controller for MinJobAge (300 s): every task must have completed.
scontrol -o show job "$array" | grep -o 'JobId=[0-9]* ArrayJobId=[0-9]* ArrayTaskId=[0-9]*\|JobState=[A-Z_]*\|ExitCode=[0-9:]*' | paste - - -
states=$(scontrol -o show job "$array"; scontrol -o show job "$merge")
[ "$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' <<< "$states")" -eq 5 ] || fail "not every job completed: $states"
cat "$WORK/log/merge.out"
# Each task's output shows one JSON line per finished run.
[ "$(count_run_lines "$WORK"/log/shard-*.out)" -eq "$sweep_runs" ] || fail "expected $sweep_runs finished-run lines in the tasks' output"
[ "$(ls "$WORK"/parts/part-*.json | wc -l)" -eq 4 ] || fail "expected 4 part files"
check_merged "$WORK/merged.json"
echo "PASS"
