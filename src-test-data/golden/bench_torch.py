#!/usr/bin/env python3
"""PyTorch eager reference of `evomoe bench train` and `evomoe bench generate` (docs/performance.md).

Runs the same model (the rebuild in evomoe_torch.py) on the same work as the Java benchmarks and
prints one JSON line with the same fields, so the two can be compared side by side:

  train     one training step: forward (vision encoder frozen), cross-entropy + the MoE layers'
            weighted load-balancing loss, backward, clipping to a global norm of 1, AdamW; every
            sequence starts with an image, then random tokens, each text position but the last
            predicting the next. --config is a config.json (`evomoe bench train --write-config F`
            writes the demo model's).
  generate  greedy decoding with a key/value cache of a text-only decoder of bench generate's
            shape (d = 256, 8 heads over 4 key/value heads, hidden 704, DTR top-1 of 4 on the
            even layers, vocabulary 2,000), random weights. --impl reference (default) is
            decode_forward; --impl static is StaticCacheDecoder (rotary tables once, a
            preallocated cache written in place, no repeated keys/values); --check first compares
            each step's logits with the golden full forward and both decoders' tokens.

--count-ops (both benchmarks) adds, from extra steps run after the timed ones (three kinds, run in
turn: plain, products clocked, profiled; for generate three more generations), the share of a
step spent in matrix products, per step (medians), with the field names of the Java benchmarks:
productCallsPerStep and productCpuMsPerStep, the calls of the leaf BLAS ops (PRODUCT_OPS: aten::mm,
addmm, bmm, baddbmm, ...; aten::matmul and aten::linear only dispatch to them, so nothing is
counted twice) and the calling thread's CPU time inside them (ProductClock, a dispatch mode
reading time.thread_time_ns as the Java side reads its thread's CPU time), and stepCpuMs, the
process's CPU time (time.process_time) of a step run with neither. torch.profiler (CPU activities)
gives the same count and its self time of the same ops over the third kind of step
(profilerProductCallsPerStep, profilerProductMsPerStep); its times are wall-clock times, inflated
when the machine preempts the process, which profiledStepCpuMs against profiledStepWallMs (the
profiled steps' process CPU and wall time) shows. For generate a step is one decoding step after
the prompt (one new token per sequence: the argmax of the last logits and the forward of the
chosen tokens). Meaningful with one thread (OPENBLAS_NUM_THREADS=1 --threads 1), where OpenBLAS
runs on the calling thread; the script warns when the products' time exceeds the step's.

Debian's PyTorch calls the system BLAS (libblas.so.3), which is whatever Debian's alternatives
system points at: with only `libblas3` installed that is the unoptimised reference BLAS, 5-10x
slower on this model's products, and every comparison against it is meaningless. Install
OpenBLAS (`apt-get install libopenblas0-pthread`); this script refuses to run on the reference
BLAS (`--allow-reference-blas` overrides it) and reports the library it found in the `blas`
field. OpenBLAS ignores torch.set_num_threads: set OPENBLAS_NUM_THREADS to the same count
(`OPENBLAS_NUM_THREADS=1 python3 bench_torch.py train --threads 1`).

The DTR router: the rebuild in evomoe_torch.py materialises every token's generated weights
([T, 2rd + nr]), as the paper describes it; `--dtr contract` (the default) computes the same
logits without that tensor, contracting the token with the hypernetwork's output weights first
(the order the Java router uses, docs/routers.md). Both are checked against each other in float64
before every run.
"""
import argparse
import contextlib
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evomoe_torch as ref  # noqa: E402
from generate import decoder_shapes  # noqa: E402


# The aten ops that call BLAS themselves (leaves of aten::matmul, aten::linear, aten::einsum).
PRODUCT_OPS = frozenset(("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addbmm",
                         "aten::mv", "aten::addmv", "aten::dot", "aten::vdot"))


class ProductClock(TorchDispatchMode):
    """While active, sums the calling thread's CPU time (time.thread_time_ns, the clock the Java
    side reads) inside the leaf BLAS ops, and counts them. Every aten op passes through Python
    here, so the step itself runs slower; only the products' own time is kept. Composite ops that
    reach the mode (aten::linear, aten::matmul under inference_mode) are decomposed into the ops
    they run, so their products are seen too."""

    def __init__(self):
        super().__init__()
        self.calls, self.ns = 0, 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = func._schema.name
        if name in PRODUCT_OPS:
            c0 = time.thread_time_ns()
            out = func(*args, **kwargs)
            self.ns += time.thread_time_ns() - c0
            self.calls += 1
            return out
        with self:
            out = func.decompose(*args, **kwargs)
        return func(*args, **kwargs) if out is NotImplemented else out


class ProductShare:
    """Per-step measurements of --count-ops. Each step runs inside one of: plain() (the process's
    CPU time of the step), clocked() (ProductClock: the products' calls and thread CPU time) or
    profiled() (torch.profiler: the products' calls and self time, and the profiled step's process
    CPU and wall time); fields() gives the medians."""

    def __init__(self):
        self.step_cpu, self.calls, self.product_ms = [], [], []
        self.prof_calls, self.prof_ms, self.prof_cpu, self.prof_wall = [], [], [], []

    @contextlib.contextmanager
    def plain(self):
        c0 = time.process_time()
        yield
        self.step_cpu.append((time.process_time() - c0) * 1e3)

    @contextlib.contextmanager
    def clocked(self):
        clock = ProductClock()
        with clock:
            yield
        self.calls.append(clock.calls); self.product_ms.append(clock.ns / 1e6)

    @contextlib.contextmanager
    def profiled(self):
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            c0, w0 = time.process_time(), time.perf_counter()
            yield
            c1, w1 = time.process_time(), time.perf_counter()
        self.prof_cpu.append((c1 - c0) * 1e3); self.prof_wall.append((w1 - w0) * 1e3)
        calls, us = 0, 0.0
        for e in prof.key_averages():
            if e.key in PRODUCT_OPS:
                calls += e.count; us += e.self_cpu_time_total
        self.prof_calls.append(calls); self.prof_ms.append(us / 1e3)

    def rotating(self):
        """A context manager factory that gives plain, clocked and profiled in turn, so that a
        change of the machine's load reaches the three kinds of step alike."""
        kinds = (self.plain, self.clocked, self.profiled)
        turn = [0]

        def next_kind():
            turn[0] += 1
            return kinds[(turn[0] - 1) % 3]()
        return next_kind

    def fields(self):
        if not (self.step_cpu and self.calls and self.prof_calls):
            raise SystemExit("--count-ops: no step was measured")
        med = statistics.median
        out = {"productCallsPerStep": med(self.calls),
               "productCpuMsPerStep": round(med(self.product_ms), 3),
               "stepCpuMs": round(med(self.step_cpu), 3),
               "profilerProductCallsPerStep": med(self.prof_calls),
               "profilerProductMsPerStep": round(med(self.prof_ms), 3),
               "profiledStepCpuMs": round(med(self.prof_cpu), 3),
               "profiledStepWallMs": round(med(self.prof_wall), 3)}
        if out["productCallsPerStep"] != out["profilerProductCallsPerStep"]:
            print(f"note: {out['productCallsPerStep']} products per step timed, "
                  f"{out['profilerProductCallsPerStep']} seen by the profiler, in different steps"
                  " (in generate each step runs the products of the experts its tokens chose)",
                  file=sys.stderr)
        if out["productCpuMsPerStep"] > out["stepCpuMs"]:
            print(f"warning: products {out['productCpuMsPerStep']} ms > step {out['stepCpuMs']} ms"
                  " of CPU: more than one thread?", file=sys.stderr)
        return out


def blas_library():
    """The BLAS library file this process has mapped, after one product made PyTorch load it."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if "/" in line else ""
            name = os.path.basename(path)
            if "blas" in name or "mkl" in name or "blis" in name:
                libs.add(os.path.realpath(path))
    return sorted(libs)


def is_reference_blas(libs):
    """True when PyTorch's libblas.so.3 is Debian's reference BLAS (package libblas3, installed
    under .../blas/): its symbols are the ones PyTorch calls, even if OpenBLAS is mapped too."""
    return not libs or any(os.path.basename(os.path.dirname(p)) == "blas" for p in libs)


def router_logits_contracted(h, g, image):
    """ref.router_logits without materialising the per-token weights Theta = u W2^T + b2.

    Theta's down part, read as [2r, d] per token, is linear in the hidden vector u [t, hh]:
    a[t, j] = sum_{d,h} z[t, d] W2d[j, d, h] u[t, h] + sum_d z[t, d] b2d[j, d]. Contract z with
    W2 first ([t, 2r * hh]), then with u. The up part, read as [n, r], gives
    e[t, o] = sum_{r,h} W2u[o, r, h] (b outer u)[t, r, h] + sum_r b2u[o, r] b[t, r].
    """
    if ref.cfg["router_kind"] != "dtr":
        return ref_router_logits(h, g, image)
    dc = ref.cfg.get("dtr_config", {}); r = dc.get("rank", 8); n = dc.get("embed_dim", 32)
    act = {"none": lambda t: t, "silu": F.silu, "tanh": torch.tanh,
           "gelu_tanh": lambda t: F.gelu(t, approximate="tanh")}[dc.get("hyper_activation", "none")]
    d = h.shape[1]
    e = torch.zeros(h.shape[0], n, dtype=h.dtype)
    for m, rows in (("image", image), ("text", ~image)):
        if not rows.any():
            continue
        z = h[rows]; hn = f"{g}.hyper.{m}"
        u = act(ref.lin(z, hn + ".fc1", True))                        # [t, hh]
        w2 = ref.W[hn + ".fc2.weight"]; b2 = ref.W[hn + ".fc2.bias"]  # [2rd + nr, hh], [2rd + nr]
        hh = w2.shape[1]
        w2d = w2[: 2 * r * d].view(2 * r, d, hh)                       # row j * d + k of Theta
        zq = (z @ w2d.permute(1, 0, 2).reshape(d, 2 * r * hh)).view(-1, 2 * r, hh)
        a = (zq * u.unsqueeze(1)).sum(2) + z @ b2[: 2 * r * d].view(2 * r, d).T
        b = F.silu(a[:, :r]) * a[:, r:]                                # [t, r]
        w2u = w2[2 * r * d:].view(n, r, hh)                            # row o * r + s of Theta
        bu = (b.unsqueeze(2) * u.unsqueeze(1)).reshape(-1, r * hh)     # [t, r * hh]
        e[rows] = bu @ w2u.reshape(n, r * hh).T + b @ b2[2 * r * d:].view(n, r).T
    return ref.lin(e, g + ".phi", dc.get("phi_bias", False))


ref_router_logits = ref.router_logits


def use_dtr(mode):
    """Installs the DTR formulation and checks it against the rebuild's in float64."""
    if mode == "contract":
        saved = dict(ref.W)
        g = torch.Generator().manual_seed(11)
        for name in [k for k in ref.W if ".mlp.gate." in k]:
            ref.W[name] = torch.randn(ref.W[name].shape, generator=g, dtype=torch.float64)
        for i in ref.cfg["moe_layers"]:
            gate = f"model.layers.{i}.mlp.gate"
            if gate + ".phi.weight" not in ref.W:
                continue
            h = torch.randn(40, ref.cfg["hidden_size"], generator=g, dtype=torch.float64)
            image = torch.arange(40) < 15
            want = ref_router_logits(h, gate, image)
            got = router_logits_contracted(h, gate, image)
            err = (want - got).abs().max().item()
            if err > 1e-9 * max(1.0, want.abs().max().item()):
                raise SystemExit(f"--dtr contract disagrees with the rebuild's router: {err:.3e}")
        ref.W.clear(); ref.W.update(saved)
        ref.router_logits = router_logits_contracted
    else:
        ref.router_logits = ref_router_logits


def init_weights(c, seed):
    g = torch.Generator().manual_seed(seed)
    W = {}
    for name, shape in decoder_shapes(c).items():
        if "norm" in name:
            W[name] = torch.ones(shape)
        elif name.endswith(".bias"):
            W[name] = torch.zeros(shape)
        elif name == "model.embed_tokens.weight":
            W[name] = torch.randn(shape, generator=g)
        else:
            W[name] = torch.randn(shape, generator=g) * shape[1] ** -0.5
    return W


def train(args):
    c = json.load(open(args.config))
    ref.cfg.clear(); ref.cfg.update(c)
    ref.W.clear(); ref.W.update(init_weights(c, 1))
    use_dtr(args.dtr)
    trainable = []
    for name, t in ref.W.items():
        if not name.startswith("vision_tower."):              # the vision encoder is frozen
            t.requires_grad_(True); trainable.append(t)
    opt = torch.optim.AdamW(trainable, lr=1e-3, weight_decay=0.0)
    vc = c["vision_config"]
    P = (vc["image_height"] // vc["patch_size"]) * (vc["image_width"] // vc["patch_size"])
    B, S = args.batch, args.seq
    g = torch.Generator().manual_seed(7)
    pixels = torch.rand(B, vc["image_height"] * vc["image_width"], generator=g)
    tokens = torch.randint(3, c["vocab_size"], (B, S), generator=g)
    targets = torch.full((B, S), -1, dtype=torch.long)
    targets[:, P:S - 1] = tokens[:, P + 1:]
    with_image = [True] * B

    def step(wrap=contextlib.nullcontext):
        with wrap():
            t0 = time.perf_counter()
            losses = []
            logits = ref.forward(tokens, pixels, with_image, losses)
            loss = F.cross_entropy(logits.reshape(B * S, -1), targets.reshape(-1),
                                   ignore_index=-1) + sum(losses)
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            opt.zero_grad(set_to_none=False)
            t3 = time.perf_counter()
        return (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3

    for _ in range(args.warmup):
        step()
    ph = [step() for _ in range(args.steps)]
    total = [sum(p) for p in ph]
    med = statistics.median(total)
    share = {}
    if args.count_ops:
        counter = ProductShare()
        wrap = counter.rotating()
        for _ in range(3 * args.count_steps):
            step(wrap)
        share = counter.fields()
    return {**{"bench": "train", "impl": "pytorch", "torch": torch.__version__, "threads": args.threads,
            "batch": B, "seq": S, "trainableParams": sum(t.numel() for t in trainable),
            "steps": args.steps, "warmup": args.warmup, "medianStepMs": round(med, 3),
            "minStepMs": round(min(total), 3), "tokensPerSecond": round(B * S / med * 1e3, 3),
            "forwardMs": round(statistics.median(p[0] for p in ph), 3),
            "backwardMs": round(statistics.median(p[1] for p in ph), 3),
            "optimizerMs": round(statistics.median(p[2] for p in ph), 3),
            "dtr": args.dtr, "blas": args.blas}, **share}


def rope_at(x, start, theta):                    # x [B, heads, n, dh] at positions start..start+n-1
    dh, n = x.shape[-1], x.shape[-2]
    inv = theta ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)
    ang = torch.arange(start, start + n, dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([ang.cos()] * 2, -1).to(x.dtype); sin = torch.cat([ang.sin()] * 2, -1).to(x.dtype)
    x1, x2 = x[..., : dh // 2], x[..., dh // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def ffn(h, i, image):                            # h [B, n, d]: layer i's MoE layer or dense FFN
    B, n, d = h.shape
    if i in ref.cfg["moe_layers"]:
        return ref.moe(h.reshape(B * n, d), i, image).view(B, n, d)
    return ref.swiglu(h, f"model.layers.{i}.mlp")


def decode_forward(tokens, cache, start):        # tokens [B, n]; cache: per layer [k, v] or None
    c = ref.cfg; B, n = tokens.shape; d = c["hidden_size"]; eps = c["rms_norm_eps"]
    H, Hkv = c["num_attention_heads"], c["num_key_value_heads"]; dh = d // H
    x = ref.W["model.embed_tokens.weight"][tokens]
    image = torch.zeros(B * n, dtype=torch.bool)
    for i in range(c["num_hidden_layers"]):
        L = f"model.layers.{i}"; a = L + ".self_attn"
        h = ref.rms_norm(x, L + ".input_layernorm", eps)
        q = rope_at(ref.lin(h, a + ".q_proj").view(B, n, H, dh).transpose(1, 2), start, c["rope_theta"])
        k = rope_at(ref.lin(h, a + ".k_proj").view(B, n, Hkv, dh).transpose(1, 2), start, c["rope_theta"])
        v = ref.lin(h, a + ".v_proj").view(B, n, Hkv, dh).transpose(1, 2)
        if cache[i] is not None:
            k = torch.cat([cache[i][0], k], 2); v = torch.cat([cache[i][1], v], 2)
        cache[i] = [k, v]
        k = k.repeat_interleave(H // Hkv, dim=1); v = v.repeat_interleave(H // Hkv, dim=1)
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
        if n > 1:
            T = k.shape[2]
            s = s.masked_fill(torch.ones(n, T, dtype=torch.bool).triu(T - n + 1), float("-inf"))
        o = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, n, d)
        x = x + ref.lin(o, a + ".o_proj")
        x = x + ffn(ref.rms_norm(x, L + ".post_attention_layernorm", eps), i, image)
    return ref.lin(ref.rms_norm(x, "model.norm", eps), "lm_head")


class StaticCacheDecoder:
    """KV-cache decoding as a PyTorch user tuning eager code would write it: the rotary tables
    computed once per generation, a key/value cache preallocated for the whole generation and
    written in place (no torch.cat per token), grouped-query attention by grouping the query heads
    (keys and values never repeated), torch.inference_mode. Every layer of the model itself (lin,
    rms_norm, swiglu, moe with the DTR) is the golden rebuild's in evomoe_torch.py."""

    def __init__(self, batch, max_len):
        c = ref.cfg; d = c["hidden_size"]; H, Hkv = c["num_attention_heads"], c["num_key_value_heads"]
        dh = d // H
        self.K = torch.zeros(c["num_hidden_layers"], batch, Hkv, max_len, dh)
        self.V = torch.zeros_like(self.K)
        inv = c["rope_theta"] ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)
        ang = torch.arange(max_len, dtype=torch.float64)[:, None] * inv[None, :]
        self.cos = torch.cat([ang.cos()] * 2, -1).float()   # [max_len, dh], as rope_at's tables
        self.sin = torch.cat([ang.sin()] * 2, -1).float()

    @staticmethod
    def rotate(x, cos, sin):                    # x [B, heads, n, dh]; cos, sin [n, dh]
        half = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def forward(self, tokens, start):            # tokens [B, n] at positions start..start+n-1
        c = ref.cfg; B, n = tokens.shape; d = c["hidden_size"]; eps = c["rms_norm_eps"]
        H, Hkv = c["num_attention_heads"], c["num_key_value_heads"]; dh = d // H; g = H // Hkv
        end = start + n
        cos, sin = self.cos[start:end], self.sin[start:end]
        mask = None
        if n > 1:                                # row j of a group sees positions <= start + j
            mask = torch.ones(n, end, dtype=torch.bool).triu(start + 1).repeat(g, 1)
        x = ref.W["model.embed_tokens.weight"][tokens]
        image = torch.zeros(B * n, dtype=torch.bool)
        for i in range(c["num_hidden_layers"]):
            L = f"model.layers.{i}"; a = L + ".self_attn"
            h = ref.rms_norm(x, L + ".input_layernorm", eps)
            q = self.rotate(ref.lin(h, a + ".q_proj").view(B, n, H, dh).transpose(1, 2), cos, sin)
            self.K[i, :, :, start:end] = self.rotate(
                ref.lin(h, a + ".k_proj").view(B, n, Hkv, dh).transpose(1, 2), cos, sin)
            self.V[i, :, :, start:end] = ref.lin(h, a + ".v_proj").view(B, n, Hkv, dh).transpose(1, 2)
            k, v = self.K[i, :, :, :end], self.V[i, :, :, :end]          # [B, Hkv, T, dh]
            qg = q.reshape(B, Hkv, g * n, dh)    # query head h reads kv head h // g
            s = qg @ k.transpose(-1, -2) / math.sqrt(dh)
            if mask is not None:
                s = s.masked_fill(mask, float("-inf"))
            o = (s.softmax(-1) @ v).view(B, H, n, dh).transpose(1, 2).reshape(B, n, d)
            x = x + ref.lin(o, a + ".o_proj")
            x = x + ffn(ref.rms_norm(x, L + ".post_attention_layernorm", eps), i, image)
        return ref.lin(ref.rms_norm(x, "model.norm", eps), "lm_head")


def step_scope(wrap, wanted):
    return wrap() if wrap is not None and wanted else contextlib.nullcontext()


def decode(impl, prompt, new_tokens, wrap=None):
    """Greedy decoding; returns the tokens [B, prompt + new] and each step's last logits [B, V].
    wrap (optional): a context manager factory around each decoding step after the prompt's (the
    argmax of the last logits and the forward of the chosen tokens); the last step's argmax, whose
    forward is not needed, is left out."""
    B, S = prompt.shape
    toks, steps = [prompt], []
    if impl == "static":
        with torch.inference_mode():
            dec = StaticCacheDecoder(B, S + new_tokens)
            logits = dec.forward(prompt, 0)
            for pos in range(S, S + new_tokens):
                with step_scope(wrap, pos < S + new_tokens - 1):
                    steps.append(logits[:, -1])
                    nxt = logits[:, -1].argmax(-1, keepdim=True)
                    toks.append(nxt)
                    logits = dec.forward(nxt, pos)
    else:
        with torch.no_grad():
            cache = [None] * ref.cfg["num_hidden_layers"]
            logits = decode_forward(prompt, cache, 0)
            pos = S
            for _ in range(new_tokens):
                with step_scope(wrap, pos < S + new_tokens - 1):
                    steps.append(logits[:, -1])
                    nxt = logits[:, -1].argmax(-1, keepdim=True)
                    toks.append(nxt)
                    logits = decode_forward(nxt, cache, pos)
                pos += 1
    return torch.cat(toks, 1), steps


def check_against_full_forward(impl, prompt, new_tokens):
    """Max |logit difference| of every decoding step against the golden full forward of the
    sequence so far (ref.forward, no cache)."""
    seq, steps = decode(impl, prompt, new_tokens)
    S = prompt.shape[1]
    with torch.no_grad():
        full = ref.forward(seq, None, [False] * seq.shape[0])          # [B, S + new, V]
    return max((full[:, S - 1 + j] - steps[j]).abs().max().item() for j in range(new_tokens))


def generate(args):
    d = args.d_model
    c = {"vocab_size": args.vocab, "hidden_size": d, "intermediate_size": d * 11 // 4,
         "num_hidden_layers": args.layers, "num_attention_heads": 8, "num_key_value_heads": 4,
         "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "moe_layers": list(range(0, args.layers, 2)),
         "moe_mode": "routed", "num_local_experts": 4, "num_experts_per_tok": 1,
         "norm_topk_prob": False, "router_aux_loss_coef": 0.001, "router_kind": "dtr",
         "dtr_config": {"rank": 8, "embed_dim": 32, "hyper_hidden": 64},
         "vision_config": {"image_height": 4, "image_width": 4, "patch_size": 2, "hidden_size": 4,
                           "intermediate_size": 4, "num_hidden_layers": 0, "num_attention_heads": 1}}
    ref.cfg.clear(); ref.cfg.update(c)
    ref.W.clear(); ref.W.update(init_weights(c, 1))
    use_dtr(args.dtr)
    g = torch.Generator().manual_seed(2)
    prompt = torch.randint(0, args.vocab, (args.batch, args.prompt), generator=g)

    def run():
        return decode(args.impl, prompt, args.new_tokens)

    check = None
    if args.check:
        check = check_against_full_forward(args.impl, prompt, min(args.new_tokens, 16))
        if not check < 1e-4:
            sys.exit(f"{args.impl} decoding differs from the full forward by {check}")
        same = torch.equal(decode("reference", prompt, args.new_tokens)[0],
                           decode("static", prompt, args.new_tokens)[0])
        if not same:
            sys.exit("the reference and static decoders generate different tokens")
    for _ in range(args.warmup):
        run()
    secs = []
    for _ in range(args.reps):
        t0 = time.perf_counter(); run(); secs.append(time.perf_counter() - t0)
    med = statistics.median(secs)
    share = {}
    if args.count_ops:
        if args.new_tokens < 2:
            sys.exit("--count-ops counts the decoding steps after the first token: "
                     "--new-tokens must be >= 2")
        counter = ProductShare()
        wrap = counter.rotating()
        for _ in range(3):
            decode(args.impl, prompt, args.new_tokens, wrap)
        share = counter.fields()
    out = {"bench": "generate", "impl": "pytorch" if args.impl == "reference" else "pytorch-static",
           "torch": torch.__version__,
            "threads": args.threads, "dModel": d, "layers": args.layers, "batch": args.batch,
            "promptLen": args.prompt, "newTokens": args.new_tokens, "reps": args.reps,
            "warmup": args.warmup,
            "cachedTokensPerSecond": round(args.batch * args.new_tokens / med, 3),
            "dtr": args.dtr, "blas": args.blas}
    if check is not None:
        out["maxAbsDiffToFullForward"] = check
    out.update(share)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="bench", required=True)
    t = sub.add_parser("train")
    t.add_argument("--config", required=True, help="a model folder's config.json")
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--seq", type=int, default=34)
    t.add_argument("--warmup", type=int, default=10)
    t.add_argument("--steps", type=int, default=30)
    gn = sub.add_parser("generate")
    gn.add_argument("--batch", type=int, default=4)
    gn.add_argument("--prompt", type=int, default=32)
    gn.add_argument("--new-tokens", type=int, default=64)
    gn.add_argument("--d-model", type=int, default=256)
    gn.add_argument("--layers", type=int, default=4)
    gn.add_argument("--vocab", type=int, default=2000)
    gn.add_argument("--reps", type=int, default=3)
    gn.add_argument("--warmup", type=int, default=2)
    gn.add_argument("--impl", choices=["reference", "static"], default="reference",
                    help="reference: decode_forward (torch.cat cache, per-layer rotary tables, "
                         "repeated keys/values); static: StaticCacheDecoder")
    gn.add_argument("--check", action="store_true",
                    help="first check the decoder's logits against the golden full forward and "
                         "that both decoders generate the same tokens")
    t.add_argument("--count-steps", type=int, default=10,
                   help="with --count-ops: steps of each kind (plain, products clocked, "
                        "profiled), run in turn")
    for p in (t, gn):
        p.add_argument("--count-ops", action="store_true",
                       help="also measure, over extra steps after the timed ones, the products' "
                            "calls and self CPU time (torch.profiler) and the step's CPU time "
                            "(time.process_time), per step; exact with OPENBLAS_NUM_THREADS=1 "
                            "--threads 1, where OpenBLAS runs on the calling thread")
        p.add_argument("--threads", type=int, default=os.cpu_count())
        p.add_argument("--dtr", choices=("contract", "materialise"), default="contract",
                       help="DTR formulation: contract z with W2 first (default), or materialise "
                            "each token's weights as evomoe_torch.py does")
        p.add_argument("--allow-reference-blas", action="store_true",
                       help="run even on Debian's unoptimised reference BLAS (results not comparable)")
    args = ap.parse_args()
    libs = blas_library()
    args.blas = ",".join(libs) if libs else "none found"
    if is_reference_blas(libs) and not args.allow_reference_blas:
        raise SystemExit(f"PyTorch uses the reference BLAS ({args.blas}), 5-10x slower than an "
                         "optimised one: install OpenBLAS (apt-get install libopenblas0-pthread) "
                         "or pass --allow-reference-blas")
    if os.environ.get("OPENBLAS_NUM_THREADS") != str(args.threads):
        print(f"warning: OPENBLAS_NUM_THREADS is {os.environ.get('OPENBLAS_NUM_THREADS')}, "
              f"not --threads {args.threads}", file=sys.stderr)
    torch.set_num_threads(args.threads)
    print(json.dumps(train(args) if args.bench == "train" else generate(args)))


if __name__ == "__main__":
    main()
