#!/usr/bin/env bash
# The training recipe of issue 15 on Fashion-MNIST (the Debian package), against the same run
# without it: 784-256-10, momentum lr 0.05, batch 64, a 10% validation split, at most 30 epochs;
# the recipe adds dropout 0.2, a cosine schedule with one warm-up epoch and early stopping with
# patience 5 (best weights restored when it stops). Seeds 1-3, the two runs of a seed at once on
# one thread each. Writes each run's JSON lines, model, report and the kept model's test
# evaluation into OUT (default ./fashion-recipe).
#   bash bench/fashion-recipe.sh [OUT]
set -euo pipefail
cli="node $(cd "$(dirname "$0")/.." && pwd)/dist/cli.js"
out=${1:-fashion-recipe}
mkdir -p "$out" && cd "$out"
common="--dataset fashion-mnist --layers 256 --optimizer momentum --lr 0.05 --batch 64 --validation 0.1 --epochs 30 --threads 1 --json"
run() { # name seed flags...
  local name=$1 seed=$2; shift 2
  $cli train $common --seed "$seed" --save "$name-$seed.safetensors" --report "$name-$seed.html" "$@" > "$name-$seed.jsonl"
  $cli evaluate --model "$name-$seed.safetensors" --dataset fashion-mnist --json > "$name-$seed.eval.json"
}
for seed in 1 2 3; do
  run recipe "$seed" --dropout 0.2 --lr-schedule cosine --warmup-epochs 1 --early-stopping 5 &
  run plain "$seed" &
  wait
done
for f in recipe-*.eval.json plain-*.eval.json; do echo "$f: $(cat "$f")"; done
