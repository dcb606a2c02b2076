#!/bin/bash
# What the GUI costs (issue 15): trains the paper setup (784-500-10 tanh on Fashion-MNIST, BP, DFA,
# DRTP, F3 and shallow, batch 50, the file's 2 threads) once with f3studio-cli and once in the app
# (headless: `f3studio FILE --screenshot OUT.png` trains the file and quits), and prints the app's
# throughput as a share of the CLI's and the CPU time of the app's GUI (main) thread as a share of
# one core. Goals: app >= 85% of the CLI, GUI thread <= 25% of a core. Both run REPEATS times
# (default 3), alternating, and the medians are reported.
# Run by hand, never by CTest (minutes of both cores; other jobs on the machine make it noisy):
#   [REPEATS=N] [CLI_INSTRUMENTS=1] tests/benchmark/gui_cost.sh [BUILD_DIR] [EPOCHS] [TAB]
# BUILD_DIR defaults to build, EPOCHS to the file's 2, TAB (the view on screen, 0 = learning curves,
# 3 = Network) to 0. Throughput is samples trained per wall-clock second of the whole process
# (start-up and data loading included on both sides). The app runs offscreen unless DISPLAY is set.
# The app always measures alignment and the timeline (every view is live); CLI_INSTRUMENTS=1 makes
# the CLI measure them too (--instruments --timeline), which separates their cost from the GUI's.
set -euo pipefail
build=${1:-build}
epochs=${2:-2}
tab=${3:-0}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s/\"epochs\": [0-9]*/\"epochs\": $epochs/" "$here/resources/lessons/paper-fashion-mnist.json" > "$work/paper.json"
ticks=$(getconf CLK_TCK)
load=$(cut -d' ' -f1-3 /proc/loadavg)

now() { date +%s.%N; }

# Runs a command in the background; sets seconds (wall clock), main_ticks (its main thread, whose
# task id is the process id) and all_ticks (all its threads): utime + stime, fields 14 and 15 of
# stat in clock ticks, read every 0.1 s until it exits (the last reading counts).
measure() {
  local start pid stat whole
  start=$(now)
  "$@" &
  pid=$!
  main_ticks=0
  all_ticks=0
  while kill -0 "$pid" 2> /dev/null; do
    if read -r -a stat < "/proc/$pid/task/$pid/stat" 2> /dev/null && read -r -a whole < "/proc/$pid/stat" 2> /dev/null; then
      main_ticks=$((stat[13] + stat[14]))
      all_ticks=$((whole[13] + whole[14]))
    fi
    sleep 0.1
  done
  wait "$pid"
  seconds=$(echo "$(now) - $start" | bc -l)
}
share() { echo "100 * $1 / $ticks / $2" | bc -l; } # CPU ticks over wall seconds, in % of one core

cli_instruments=()
[ "${CLI_INSTRUMENTS:-0}" = 1 ] && cli_instruments=(--instruments --timeline "$work/timeline.csv")
[ -n "${DISPLAY:-}" ] || export QT_QPA_PLATFORM=offscreen
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" # no settings or autosave of the user's
mkdir -p "$HOME"

# CLI and app alternate, REPEATS times each (default 3), and the medians count: on a shared machine
# one run of either can be 15% off.
cli_times=() app_times=() cli_shares=() app_shares=() gui_shares=()
for ((i = 0; i < ${REPEATS:-3}; i++)); do
  measure "$build/app/f3studio-cli" train --config "$work/paper.json" "${cli_instruments[@]}" > "$work/cli.jsonl"
  cli_times+=("$seconds") cli_shares+=("$(share "$all_ticks" "$seconds")")
  measure "$build/app/f3studio" "$work/paper.json" --tab "$tab" --screenshot "$work/app.png" --print-metrics > "$work/app.jsonl"
  app_times+=("$seconds") app_shares+=("$(share "$all_ticks" "$seconds")") gui_shares+=("$(share "$main_ticks" "$seconds")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
cli_s=$(median "${cli_times[@]}") app_s=$(median "${app_times[@]}")

[ "$(grep -c '"algorithm"' "$work/cli.jsonl")" = "$(grep -c '"algorithm"' "$work/app.jsonl")" ] ||
  { echo "error: the app and the CLI did not train the same epochs" >&2; exit 1; }
printf 'epochs %s, tab %s, CLI instruments %s, %s threads, load average before: %s\n' "$epochs" "$tab" "${CLI_INSTRUMENTS:-0}" \
  "$(grep -o '"threads": [0-9]*' "$work/paper.json" | grep -o '[0-9]*$')" "$load"
printf 'cli  %s s (median %.1f s), %.0f%% of one core\n' "${cli_times[*]}" "$cli_s" "$(median "${cli_shares[@]}")"
printf 'app  %s s (median %.1f s), %.0f%% of one core\n' "${app_times[*]}" "$app_s" "$(median "${app_shares[@]}")"
printf 'app throughput: %.0f%% of the CLI (goal >= 85%%), medians\n' "$(echo "100 * $cli_s / $app_s" | bc -l)"
printf 'GUI thread: %.0f%% of one core (goal <= 25%%), median\n' "$(median "${gui_shares[@]}")"
grep '"view"' "$work/app.jsonl" || true
