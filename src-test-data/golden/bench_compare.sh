#!/usr/bin/env bash
# Side-by-side runs of the Java benchmarks and bench_torch.py, alternated round by round so that
# both see the same machine load (docs/performance.md); decoding is timed for both PyTorch
# decoders of bench_torch.py (the reference and --impl static). Usage, from the repository root after
# `mvn -B package -DskipTests`:  src-test-data/golden/bench_compare.sh [ROUNDS] > results.jsonl
set -euo pipefail
ROUNDS=${1:-3}
JAR=evomoe-examples/target/evomoe.jar
PY=${PYTHON:-python3}
DIR=$(cd "$(dirname "$0")" && pwd)
CFG=$(mktemp --suffix=.json)
trap 'rm -f "$CFG"' EXIT
java -jar "$JAR" bench train --json --threads 1 --warmup 0 --steps 1 --write-config "$CFG" > /dev/null
for r in $(seq "$ROUNDS"); do
  for t in 1 2; do
    java -jar "$JAR" bench train --json --threads "$t" --warmup 5 --steps 20 --count-ops
    OPENBLAS_NUM_THREADS=$t "$PY" "$DIR/bench_torch.py" train --config "$CFG" --threads "$t" --warmup 5 --steps 20
    java -jar "$JAR" bench generate --json --threads "$t" --reps 3 --warmup 1
    OPENBLAS_NUM_THREADS=$t "$PY" "$DIR/bench_torch.py" generate --threads "$t" --reps 3 --warmup 1
    OPENBLAS_NUM_THREADS=$t "$PY" "$DIR/bench_torch.py" generate --threads "$t" --reps 3 --warmup 1 --impl static
  done
done
