#!/usr/bin/env python3
"""Per-phase profile of `evomoe bench train` from a Java Flight Recording (docs/performance.md).

Record, then attribute every execution sample (Java code) and native-method sample (ND4J, BLAS)
taken inside a training step to the model component that owns it:

  java -XX:StartFlightRecording=filename=train.jfr,settings=profile \\
       -jar evomoe-examples/target/evomoe.jar bench train --threads 1 --warmup 5 --steps 60
  python3 src-test-data/golden/profile_phases.py train.jfr

A sample belongs to the innermost frame of a known component (generic helpers such as Linear,
Buffers or Parallel are attributed to their caller). Only samples whose stack passes through
TrainBenchmark.step count, so start-up and data generation are left out. Samples are taken every
10-20 ms per thread, so a run of a minute gives shares to a few percent.
"""
import collections
import re
import subprocess
import sys

PHASES = [  # (phase, class-name fragments), first match from the innermost frame wins
    ("attention", ["model.MultiHeadAttention", "model.AttentionKernel", "model.RotaryEmbedding"]),
    ("router (DTR / linear)", ["org.evomoe.router."]),
    ("FFN and MoE experts", ["nn.SwiGluFfn", "moe.MoeLayer", "moe.RoutingPlan", "Kernels.siluMul"]),
    ("norms", ["nn.RmsNorm"]),
    ("embedding, LM head, loss", ["model.DecoderModel", "nn.SoftmaxCrossEntropy"]),
    ("vision encoder, projector", ["model.VisionEncoder", "model.MultiModalProjector", "model.GeluMlp",
                                   "model.VisionLanguageModel"]),
    ("optimizer (clip, AdamW, zero)", ["optim."]),
    ("residual adds, block glue", ["model.DecoderBlock"]),
]


def phase_of(frames):
    for f in frames:  # innermost first
        for name, keys in PHASES:
            if any(k in f for k in keys):
                return name
    return "other (step glue, workspace)"


def main(path):
    out = subprocess.run(["jfr", "print", "--stack-depth", "64", "--events",
                          "jdk.ExecutionSample,jdk.NativeMethodSample", path],
                         capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    for event in re.split(r"^jdk\.\w+ \{", out, flags=re.M):
        frames = re.findall(r"^\s+([\w.$<>]+)\(", event, re.M)
        if not frames or not any("TrainBenchmark.step" in f for f in frames):
            continue
        if any(w in frames[0] for w in ("Unsafe.park", "Object.wait", "Thread.sleep")):
            continue
        counts[phase_of(frames)] += 1
    total = sum(counts.values())
    print(f"| phase | samples | share |\n|---|---|---|")
    for name, n in counts.most_common():
        print(f"| {name} | {n} | {100.0 * n / total:.1f}% |")
    print(f"| total | {total} | 100% |")


if __name__ == "__main__":
    main(sys.argv[1])
