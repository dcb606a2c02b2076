#!/usr/bin/env bash
# compare_cli_outputs.sh OLD_CLI NEW_CLI: the same JSON lines, timing fields removed, from two builds
# of f3studio-cli on a set of configurations covering every rule, F3 variant, head, optimizer,
# feedback init, activation, the instruments, the timeline and a sweep. For refactors that promise
# the same numbers (run from the repository root; needs dataset-fashion-mnist). Not run by CI.
old=$1 new=$2
strip() { sed -E 's/"(samples_per_s|train_seconds|seconds|critical_path_measured_us|measured_start_us|measured_end_us)":[^,}]*,?//g; s/"waiting_measured_us":\[[^]]*\],?//g' | sort; }
fail=0; n=0
while IFS= read -r args; do
  [ -z "$args" ] && continue
  n=$((n+1))
  a=$(eval "$old $args" 2>&1 | strip); b=$(eval "$new $args" 2>&1 | strip)
  echo "$args: $(echo "$a" | wc -l) lines, $(echo "$a" | grep -c '"algorithm"') with an algorithm"
  if [ "$a" != "$b" ]; then echo "DIFF: $args"; diff <(echo "$a") <(echo "$b") | head -5; fail=1; fi
done <<'LIST'
train --dataset spiral --layers 32,32 --algorithms bp,fa,dfa,drtp,f3,shallow --epochs 3 --instruments --instrument-every 3
train --dataset xor --layers 8 --activation relu --algorithms bp,fa,dfa,drtp,f3:delayed_loss,f3:delayed_error_one_hot,f3:delayed_loss_one_hot,f3:delayed_error_softmax,f3:delayed_loss_softmax --epochs 3 --instruments --instrument-every 2
train --dataset circles --layers 16,8,8 --activation sigmoid --head softmax_ce --feedback-init trinomial --optimizer momentum --lr 0.05 --algorithms bp,fa,dfa,drtp,f3,shallow --epochs 2 --instruments
train --dataset moons --layers 16 --activation leaky_relu --feedback-init binomial --optimizer sgd --lr 0.1 --algorithms bp,fa,dfa,drtp,f3,shallow --epochs 2 --batch 7 --instruments --instrument-every 1
train --dataset gaussians --layers 12,12 --activation linear --feedback-init pm_identity --algorithms bp,fa,dfa,drtp,f3:delayed_loss_softmax --epochs 2 --instruments
train --dataset sine --layers 32,32 --head linear_mse --feedback-init gaussian --algorithms bp,fa,dfa,drtp,f3,f3:delayed_loss,shallow --epochs 3 --instruments --instrument-every 4
train --dataset checkerboard --algorithms bp,shallow --epochs 2 --layers ""
train --dataset spiral --layers 64,64 --algorithms bp,dfa,f3 --epochs 2 --threads 2 --lr 0.01
train --dataset fashion-mnist --train-limit 3000 --layers 500 --algorithms bp,fa,dfa,drtp,f3,shallow --batch 50 --epochs 2 --threads 2 --instruments
train --config resources/lessons/spiral-bp-dfa-f3.json --epochs 4
train --config resources/lessons/deep-relu-feedback-alignment.json --epochs 2
train --config resources/lessons/sine-regression.json --epochs 3
train --config resources/lessons/update-locking-timeline.json --epochs 1 --timeline /dev/stdout
sweep --config resources/lessons/learning-rate-sweep.json --param lr=1e-3:1e-1:log:3 --seeds 2 --epochs 2
LIST
echo "$n configurations compared; fail=$fail"; exit $fail
