#!/usr/bin/env python3
"""Writes the golden fixtures of src-test-data/golden/ with PyTorch (see README.md there).

Every fixture is computed here from the method spec (/docs of the project: routers.md, model.md,
optimisation-and-evolution.md, checkpoint-format.md) with PyTorch's own operators and autograd,
never from the Java code. Each case is written twice: <case>.f32.safetensors (inputs, weights and
results in float32, computed in float32) and <case>.f64.safetensors (computed in float64), plus
<case>.json with the non-tensor settings (sizes, targets, modality tags, ...). The exception is
decoder_demo, the whole model at the demo's shape: computed in float64 and stored in float32 only
(see case_decoder_demo).

Float64 tensors are stored as two float32 tensors, `name` (the float32 rounding) and `name.lo`
(the remainder, also float32), because the project's safetensors reader reads float32 models only.
hi + lo carries 48 bits of the float64 mantissa (relative error <= 2^-48 = 3.6e-15). Random inputs
are rounded to exactly hi + lo before use, so the Java tests start from the same float64 inputs.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import zlib

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evomoe_torch as ref  # noqa: E402

DTYPES = {"f32": torch.float32, "f64": torch.float64}


# ----------------------------------------------------------------------------------------------
# Files


def write_safetensors(path, tensors, metadata):
    """tensors: name -> float32 tensor. The layout of docs/checkpoint-format.md, names sorted."""
    header = {"__metadata__": dict(sorted({"format": "pt", **metadata}.items()))}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        b = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def split64(t):
    hi = t.to(torch.float32)
    return hi, (t - hi.to(torch.float64)).to(torch.float32)


def save(case, key, tensors, meta):
    out = {}
    for name, t in tensors.items():
        t = t.detach()
        if key == "f64":
            assert t.dtype == torch.float64, (case, name, t.dtype)
            out[name], out[name + ".lo"] = split64(t)
        else:
            assert t.dtype == torch.float32, (case, name, t.dtype)
            out[name] = t
    write_safetensors(os.path.join(HERE, f"{case}.{key}.safetensors"), out, {"case": case, "precision": key})
    text = json.dumps(meta, indent=1, sort_keys=True) + "\n"
    path = os.path.join(HERE, f"{case}.json")
    if key == "f64":
        with open(path, "w") as f:
            f.write(text)
    else:  # the settings (routing decisions included) must not depend on the precision
        assert open(path).read() == text, f"{case}: float32 and float64 runs disagree on {path}"


class Rand:
    """Seeded inputs: drawn in float64, then rounded to the precision of the fixture (for f64:
    to exactly hi + lo, see the module comment)."""

    def __init__(self, seed, dtype):
        self.g = torch.Generator().manual_seed(seed)
        self.dtype = dtype

    def exact(self, t):
        if self.dtype == torch.float64:
            hi, lo = split64(t.double())
            return hi.double() + lo.double()
        return t.to(torch.float32)

    def normal(self, *shape, scale=1.0, shift=0.0):
        return self.exact(torch.randn(*shape, generator=self.g, dtype=torch.float64) * scale + shift)

    def leaf(self, *shape, scale=1.0, shift=0.0):
        return self.normal(*shape, scale=scale, shift=shift).requires_grad_(True)


def grads(loss, named):
    gs = torch.autograd.grad(loss, list(named.values()), allow_unused=True)
    return {n: (g if g is not None else torch.zeros_like(p)) for (n, p), g in zip(named.items(), gs)}


# ----------------------------------------------------------------------------------------------
# Layers (written from docs/architecture.md and /docs/model.md)


def rms_norm(x, w, eps):
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def swiglu(x, gate, up, down):  # weights [out, in]
    return (F.silu(x @ gate.T) * (x @ up.T)) @ down.T


def case_rmsnorm(dt):
    r = Rand(11, dt)
    T, d, eps = 5, 8, 1e-5
    x = r.leaf(T, d) * r.exact(torch.tensor([[0.01], [0.5], [1.0], [3.0], [20.0]], dtype=torch.float64))
    x = x.detach().requires_grad_(True)
    w = r.leaf(d, scale=0.3, shift=1.0)
    dy = r.normal(T, d)
    y = rms_norm(x, w, eps)
    g = grads((y * dy).sum(), {"dx": x, "dweight": w})
    return {"x": x, "weight": w, "dy": dy, "y": y, **g}, {"tokens": T, "dim": d, "eps": eps}


def case_swiglu(dt):
    r = Rand(12, dt)
    T, d, h = 6, 8, 12
    x = r.leaf(T, d)
    gate, up = r.leaf(h, d, scale=d ** -0.5), r.leaf(h, d, scale=d ** -0.5)
    down = r.leaf(d, h, scale=h ** -0.5)
    dy = r.normal(T, d)
    y = swiglu(x, gate, up, down)
    g = grads((y * dy).sum(), {"dx": x, "dgate": gate, "dup": up, "ddown": down})
    return {"x": x, "gate": gate, "up": up, "down": down, "dy": dy, "y": y, **g}, {
        "tokens": T, "dim": d, "hidden": h}


def case_cross_entropy(dt):
    r = Rand(13, dt)
    T, V = 7, 11
    targets = [3, -1, 0, 10, -1, 5, 2]
    logits = r.leaf(T, V, scale=3.0)
    loss = F.cross_entropy(logits, torch.tensor(targets), ignore_index=-1, reduction="mean")
    (dl,) = torch.autograd.grad(loss, [logits])
    return {"logits": logits, "loss": loss, "dlogits": dl}, {"tokens": T, "vocab": V, "targets": targets}


# ----------------------------------------------------------------------------------------------
# MoE layer (method spec: softmax, top-k, raw top-1 gate, optional renormalisation for k > 1,
# dropless; load balancing E * sum_i F_i G_i, z-loss mean logsumexp^2)


def moe_case(dt, top_k, renorm, aux_w, z_w, with_dy=True, padding=0):
    """padding > 0: the last `padding` tokens are padding (mask false). They take no part in the
    load-balancing statistics or the z-loss, get no output gradient, and their outputs are not
    compared (set to 0 here)."""
    r = Rand(20, dt)
    T, d, h, E = 10, 8, 12, 4
    x = r.normal(T, d)
    x[:, 0] = 1.5 + x[:, 0].abs() * 0.3   # a positive feature that expert 3's router row avoids
    x = r.exact(x).requires_grad_(True)
    wr = r.normal(E, d, scale=d ** -0.5)
    wr[3, 0] = -4.0
    wr = r.exact(wr).requires_grad_(True)
    experts = [(r.leaf(h, d, scale=d ** -0.5), r.leaf(h, d, scale=d ** -0.5), r.leaf(d, h, scale=h ** -0.5))
               for _ in range(E)]
    dy = r.normal(T, d) if with_dy else torch.zeros(T, d, dtype=dt)
    real = torch.arange(T) < T - padding                 # the token mask
    dy[~real] = 0

    logits = (x @ wr.T).double()                         # routing in double (docs/architecture.md)
    p = logits.softmax(-1)
    top, idx = p.topk(top_k, dim=-1)
    gates = top / top.sum(-1, keepdim=True) if (renorm and top_k > 1) else top
    # Dense evaluation: every expert on every token, weighted by the gate of the chosen ones.
    weight = torch.zeros(T, E, dtype=torch.float64).scatter(1, idx, gates)     # [T, E]
    y = sum(weight[:, e, None].to(dt) * swiglu(x, *experts[e]) for e in range(E))
    counts = torch.bincount(idx[real].flatten(), minlength=E)
    assert torch.bincount(idx.flatten(), minlength=E)[3] == 0, "expert 3 must get no token"
    share = counts.double() / (int(real.sum()) * top_k)
    aux = E * (share * p[real].mean(0)).sum()
    z = logits[real].logsumexp(-1).pow(2).mean()
    y = torch.where(real[:, None], y, torch.zeros_like(y))
    loss = (y * dy).sum() + aux_w * aux + z_w * z
    named = {"dx": x, "drouter": wr}
    for e in range(E):
        for n, t in zip(("gate", "up", "down"), experts[e]):
            named[f"dexpert{e}.{n}"] = t
    g = grads(loss, named)
    tensors = {"x": x, "router": wr, "dy": dy, "y": y, "aux_loss": aux.to(dt), "z_loss": z.to(dt), **g}
    for e in range(E):
        for n, t in zip(("gate", "up", "down"), experts[e]):
            tensors[f"expert{e}.{n}"] = t
    meta = {"tokens": T, "dim": d, "hidden": h, "experts": E, "topK": top_k, "renormalize": renorm,
            "auxLossWeight": aux_w, "zLossWeight": z_w, "chosen": idx.tolist(), "counts": counts.tolist(),
            "modalities": ["IMAGE"] * 4 + ["TEXT"] * 6, "mask": real.tolist()}
    return tensors, meta


# ----------------------------------------------------------------------------------------------
# Routers (docs/routers.md and the method spec)

IMAGE_TEXT = ["IMAGE", "IMAGE", "IMAGE", "TEXT", "TEXT", "IMAGE", "TEXT", "TEXT", "TEXT"]
TEXT_ONLY = ["TEXT"] * 9


def router_case(dt, kind, tags, act="none", phi_bias=False):
    r = Rand(30, dt)
    T, d, E = len(tags), 6, 4
    rank, m, hh = 2, 3, 5
    x = r.leaf(T, d)
    image = torch.tensor([t == "IMAGE" for t in tags])
    params = {}
    if kind == "linear":
        params["weight"] = r.leaf(E, d, scale=d ** -0.5)
        logits = x @ params["weight"].T
    elif kind == "modality_linear":
        params["image.weight"] = r.leaf(E, d, scale=d ** -0.5)
        params["text.weight"] = r.leaf(E, d, scale=d ** -0.5)
        logits = torch.stack([x[t] @ params[("image" if image[t] else "text") + ".weight"].T for t in range(T)])
    else:
        P = 2 * rank * d + m * rank
        for mod in ("image", "text"):
            params[f"hyper.{mod}.fc1.weight"] = r.leaf(hh, d, scale=d ** -0.5)
            params[f"hyper.{mod}.fc1.bias"] = r.leaf(hh, scale=0.1)
            w2 = torch.cat([r.normal(2 * rank * d, hh, scale=(hh * d) ** -0.5),
                            r.normal(m * rank, hh, scale=(hh * rank) ** -0.5)])
            params[f"hyper.{mod}.fc2.weight"] = w2.requires_grad_(True)
            params[f"hyper.{mod}.fc2.bias"] = r.leaf(P, scale=0.05)
        params["phi.weight"] = r.leaf(E, m, scale=m ** -0.5)
        if phi_bias:
            params["phi.bias"] = r.leaf(E, scale=0.2)
        f = {"none": lambda t: t, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh")}[act]
        rows = []
        for t in range(T):  # one token at a time: its own generated bottleneck
            mod = "image" if image[t] else "text"
            hid = f(params[f"hyper.{mod}.fc1.weight"] @ x[t] + params[f"hyper.{mod}.fc1.bias"])
            theta = params[f"hyper.{mod}.fc2.weight"] @ hid + params[f"hyper.{mod}.fc2.bias"]
            down = theta[: 2 * rank * d].reshape(2 * rank, d)     # rows 0..r-1 gate, r..2r-1 up
            up = theta[2 * rank * d:].reshape(m, rank)
            a = down @ x[t]
            e = up @ (F.silu(a[:rank]) * a[rank:])
            rows.append(params["phi.weight"] @ e + (params["phi.bias"] if phi_bias else 0))
        logits = torch.stack(rows)
    dlogits = r.normal(T, E)
    g = grads((logits * dlogits).sum(), {"dx": x, **{"d" + n: p for n, p in params.items()}})
    meta = {"tokens": T, "dim": d, "experts": E, "kind": kind, "modalities": tags}
    if kind == "dtr":
        meta.update({"rank": rank, "embedDim": m, "hyperHidden": hh, "activation": act, "phiBias": phi_bias})
    return {"x": x, **params, "dlogits": dlogits, "logits": logits, **g}, meta


# ----------------------------------------------------------------------------------------------
# Expert evolution (docs/optimisation-and-evolution.md, method spec). Seed update: plain gradient
# descent on the globally clipped gradient; LITERAL mixes in the RAW (unclipped) gradient.


def evolution_case(dt, rule):
    r = Rand(40, dt)
    d, h, steps, lr, max_norm = 4, 6, 3, 0.05, 1.0
    betas = [0.93, 0.76]
    names = ("gate", "up", "down")
    seed = {"gate": r.normal(h, d, scale=0.5), "up": r.normal(h, d, scale=0.5), "down": r.normal(d, h, scale=0.5)}
    tensors = {f"seed.{n}": seed[n].clone() for n in names}
    evolved = [{n: seed[n].clone() for n in names} for _ in betas]
    for s in range(steps):
        g = {n: r.normal(*seed[n].shape, scale=1.5) for n in names}
        for n in names:
            tensors[f"step{s}.grad.{n}"] = g[n]
        norm = torch.sqrt(sum((g[n].double() ** 2).sum() for n in names))
        clip = min(1.0, max_norm / (norm.item() + 1e-6))
        assert clip < 1.0, "the gradient must be clipped so that LITERAL's raw gradient differs"
        before = {n: seed[n].clone() for n in names}
        for n in names:
            seed[n] = seed[n] - lr * (g[n] * clip)
        for e, beta in enumerate(betas):
            for n in names:
                if rule == "PARTIAL_UPDATE":
                    evolved[e][n] = evolved[e][n] + (1 - beta) * (seed[n] - before[n])
                elif rule == "EMA":
                    evolved[e][n] = beta * evolved[e][n] + (1 - beta) * seed[n]
                else:  # LITERAL: theta_n <- beta * theta_1 + (1 - beta) * g_1, g_1 the raw gradient
                    evolved[e][n] = beta * seed[n] + (1 - beta) * g[n]
        for n in names:
            tensors[f"step{s}.seed.{n}"] = seed[n]
            for e in range(len(betas)):
                tensors[f"step{s}.expert{e + 2}.{n}"] = evolved[e][n]
    return tensors, {"rule": rule, "dim": d, "hidden": h, "steps": steps, "learningRate": lr,
                     "maxNorm": max_norm, "betas": betas}


# ----------------------------------------------------------------------------------------------
# Attention: RoPE (rotate_half), GQA, causal mask, right padding; KV-cache decoding


def rope_rows(x, positions, theta):
    """x [..., S, dh] with its positions [S]; pairs dimension i with i + dh/2."""
    dh = x.shape[-1]
    inv = theta ** (-torch.arange(0, dh // 2, dtype=torch.float64) * 2 / dh)
    ang = positions.double()[:, None] * inv[None, :]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., : dh // 2], x[..., dh // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)


def attend(x, wq, wk, wv, wo, H, Hkv, theta, lengths=None, start=0, cache=None):
    """x [B, S, d]. Keys of padding positions (>= length) are masked out explicitly; cache holds
    earlier post-RoPE keys and values per kv head: (k [B, Hkv, L, dh], v)."""
    B, S, d = x.shape
    dh = d // H
    pos = torch.arange(start, start + S)
    q = rope_rows((x @ wq.T).view(B, S, H, dh).transpose(1, 2), pos, theta)
    k = rope_rows((x @ wk.T).view(B, S, Hkv, dh).transpose(1, 2), pos, theta)
    v = (x @ wv.T).view(B, S, Hkv, dh).transpose(1, 2)
    if cache is not None:
        if cache[0] is not None:
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        cache[0], cache[1] = k, v
    L = k.shape[2]
    out = torch.zeros(B, S, H, dh, dtype=x.dtype)
    outs = []
    for hq in range(H):
        kv = hq // (H // Hkv)                                   # the group's key/value head
        s = q[:, hq] @ k[:, kv].transpose(-1, -2) / math.sqrt(dh)  # [B, S, L]
        allowed = torch.arange(L)[None, :] <= pos[:, None]      # causal
        mask = allowed[None].expand(B, S, L).clone()
        if lengths is not None:
            mask &= (torch.arange(L)[None, None, :] < torch.tensor(lengths)[:, None, None])
        s = s.masked_fill(~mask, float("-inf"))
        outs.append(s.softmax(-1) @ v[:, kv])
    out = torch.stack(outs, 2).reshape(B, S, H * dh)
    return out @ wo.T


def case_attention(dt):
    r = Rand(50, dt)
    B, S, d, H, Hkv, theta = 2, 5, 32, 4, 2, 10000.0
    lengths = [5, 3]
    dh = d // H
    x = r.leaf(B, S, d)
    wq, wo = r.leaf(d, d, scale=d ** -0.5), r.leaf(d, H * dh, scale=d ** -0.5)
    wk, wv = r.leaf(Hkv * dh, d, scale=d ** -0.5), r.leaf(Hkv * dh, d, scale=d ** -0.5)
    dy = r.normal(B, S, d)
    for b, n in enumerate(lengths):
        dy[b, n:] = 0                                          # padding contributes no loss
    y = attend(x, wq, wk, wv, wo, H, Hkv, theta, lengths)
    for b, n in enumerate(lengths):
        y.data[b, n:] = 0                                      # undefined for padding rows: compared on real rows
    g = grads((y * dy).sum(), {"dx": x, "dq_proj": wq, "dk_proj": wk, "dv_proj": wv, "do_proj": wo})
    t = {"x": x.reshape(B * S, d), "q_proj": wq, "k_proj": wk, "v_proj": wv, "o_proj": wo,
         "dy": dy.reshape(B * S, d), "y": y.reshape(B * S, d), **g}
    t["dx"] = t["dx"].reshape(B * S, d)
    return t, {"batch": B, "seqLen": S, "dim": d, "heads": H, "kvHeads": Hkv, "ropeTheta": theta,
               "lengths": lengths}


def case_attention_cache(dt):
    r = Rand(51, dt)
    B, S, d, H, Hkv, theta = 2, 6, 32, 4, 2, 500.0
    chunks = [3, 1, 1, 1]
    x = r.normal(B, S, d)
    wq, wo = r.normal(d, d, scale=d ** -0.5), r.normal(d, d, scale=d ** -0.5)
    wk, wv = r.normal(d // 2, d, scale=d ** -0.5), r.normal(d // 2, d, scale=d ** -0.5)
    cache, ys, at = [None, None], [], 0
    for c in chunks:
        ys.append(attend(x[:, at:at + c], wq, wk, wv, wo, H, Hkv, theta, start=at, cache=cache))
        at += c
    y = torch.cat(ys, 1)
    full = attend(x, wq, wk, wv, wo, H, Hkv, theta)
    assert (y - full).abs().max() < (1e-12 if dt == torch.float64 else 1e-5)
    return {"x": x.reshape(B * S, d), "q_proj": wq, "k_proj": wk, "v_proj": wv, "o_proj": wo,
            "y": y.reshape(B * S, d)}, {"batch": B, "seqLen": S, "dim": d, "heads": H, "kvHeads": Hkv,
                                        "ropeTheta": theta, "chunks": chunks}


# ----------------------------------------------------------------------------------------------
# The whole multimodal decoder: the demo's architecture (4 layers, MoE on 0 and 2, GQA 4/2, DTR,
# top-1, alpha 0.001, a 1-layer vision encoder) at small widths. Runs the rebuild of
# docs/checkpoint-format.md (evomoe_torch) with autograd.


def decoder_config():
    return {
        "vocab_size": 23, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 4,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "moe_layers": [0, 2], "moe_mode": "routed", "num_local_experts": 4, "num_experts_per_tok": 1,
        "norm_topk_prob": False, "router_aux_loss_coef": 0.001, "router_z_loss_coef": 0.0,
        "router_kind": "dtr",
        "dtr_config": {"rank": 2, "embed_dim": 4, "hyper_hidden": 6, "hyper_activation": "none",
                       "phi_bias": False},
        "vision_config": {"image_height": 8, "image_width": 12, "patch_size": 4, "hidden_size": 12,
                          "intermediate_size": 24, "num_hidden_layers": 1, "num_attention_heads": 2,
                          "rms_norm_eps": 1e-5},
    }


def decoder_shapes(c):
    d, f, V, E = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_local_experts"]
    dh = d // c["num_attention_heads"]
    kv = c["num_key_value_heads"] * dh
    vc = c["vision_config"]; dv, M, p = vc["hidden_size"], vc["intermediate_size"], vc["patch_size"]
    P = (vc["image_height"] // p) * (vc["image_width"] // p)
    dc = c["dtr_config"]; r, n, hh = dc["rank"], dc["embed_dim"], dc["hyper_hidden"]
    s = {"model.embed_tokens.weight": (V, d), "model.norm.weight": (d,), "lm_head.weight": (V, d)}
    for i in range(c["num_hidden_layers"]):
        L = f"model.layers.{i}"
        s.update({L + ".input_layernorm.weight": (d,), L + ".post_attention_layernorm.weight": (d,),
                  L + ".self_attn.q_proj.weight": (d, d), L + ".self_attn.k_proj.weight": (kv, d),
                  L + ".self_attn.v_proj.weight": (kv, d), L + ".self_attn.o_proj.weight": (d, d)})
        ffns = [f"{L}.mlp.experts.{e}" for e in range(E)] if i in c["moe_layers"] else [L + ".mlp"]
        for pre in ffns:
            s.update({pre + ".gate_proj.weight": (f, d), pre + ".up_proj.weight": (f, d),
                      pre + ".down_proj.weight": (d, f)})
        if i in c["moe_layers"]:
            for m in ("image", "text"):
                hn = f"{L}.mlp.gate.hyper.{m}"
                s.update({hn + ".fc1.weight": (hh, d), hn + ".fc1.bias": (hh,),
                          hn + ".fc2.weight": (2 * r * d + n * r, hh), hn + ".fc2.bias": (2 * r * d + n * r,)})
            s[f"{L}.mlp.gate.phi.weight"] = (E, n)
    v = "vision_tower.vision_model"
    s.update({v + ".embeddings.patch_embedding.weight": (dv, p * p),
              v + ".embeddings.position_embedding.weight": (P, dv),
              "multi_modal_projector.linear_1.weight": (d, dv), "multi_modal_projector.linear_1.bias": (d,),
              "multi_modal_projector.linear_2.weight": (d, d), "multi_modal_projector.linear_2.bias": (d,)})
    for i in range(vc["num_hidden_layers"]):
        L = f"{v}.encoder.layers.{i}"
        s.update({L + ".layer_norm1.weight": (dv,), L + ".layer_norm2.weight": (dv,),
                  L + ".mlp.fc1.weight": (M, dv), L + ".mlp.fc1.bias": (M,),
                  L + ".mlp.fc2.weight": (dv, M), L + ".mlp.fc2.bias": (dv,)})
        for pr in ("q", "k", "v", "out"):
            s[f"{L}.self_attn.{pr}_proj.weight"] = (dv, dv)
            s[f"{L}.self_attn.{pr}_proj.bias"] = (dv,)
    return s


def case_decoder(dt, lengths=None):
    """lengths: right padding (rows from lengths[b] on); their targets are ignored and the MoE
    statistics leave them out, so only real rows' logits are compared (padded ones set to 0)."""
    r = Rand(60, dt)
    c = decoder_config()
    params = {}
    for name, shape in decoder_shapes(c).items():
        if name.endswith("norm.weight") or "layernorm" in name or "layer_norm" in name:
            params[name] = r.leaf(*shape, scale=0.2, shift=1.0)
        elif name.endswith(".bias"):
            params[name] = r.leaf(*shape, scale=0.1)
        elif name == "model.embed_tokens.weight":
            params[name] = r.leaf(*shape)
        else:
            fan_in = shape[1]
            if ".fc2.weight" in name and ".hyper." in name:
                fan_in = shape[1] * 4
            params[name] = r.leaf(*shape, scale=fan_in ** -0.5)
    vc = c["vision_config"]
    B, S = 2, 10
    P = (vc["image_height"] // vc["patch_size"]) * (vc["image_width"] // vc["patch_size"])
    g = torch.Generator().manual_seed(61)
    tokens = torch.randint(3, c["vocab_size"], (B, S), generator=g)
    tokens[0, :P] = 1                                     # placeholder ids at image positions
    pixels = r.exact(torch.rand(1, vc["image_height"] * vc["image_width"], generator=g, dtype=torch.float64))
    with_image = [True, False]
    targets = torch.full((B, S), -1, dtype=torch.long)    # next token; none for images and the last row
    targets[0, P:S - 1] = tokens[0, P + 1:]
    targets[1, 2:S - 1] = tokens[1, 3:]                   # the first two text rows act as a prompt
    if lengths is not None:
        for b_, n in enumerate(lengths):
            targets[b_, n - 1:] = -1                  # the last real row and the padding predict nothing
    ref.cfg.clear(); ref.cfg.update(c)
    ref.W.clear(); ref.W.update(params)
    losses = []
    logits = ref.forward(tokens, pixels, with_image, losses, lengths)
    ce = F.cross_entropy(logits.reshape(B * S, -1), targets.reshape(-1), ignore_index=-1)
    aux = sum(losses)
    loss = ce + aux
    g = grads(loss, params)
    logits = logits.detach().clone()
    for b_, n in enumerate(lengths or []):
        logits[b_, n:] = 0
    tensors = {**{"param." + n: p for n, p in params.items()}, **{"grad." + n: t for n, t in g.items()},
               "pixels": pixels, "logits": logits.reshape(B * S, -1), "loss": loss.to(dt), "aux_loss": aux.to(dt)}
    return tensors, {"config": c, "batch": B, "seqLen": S, "tokens": tokens.reshape(-1).tolist(),
                     "withImage": with_image, "targets": targets.reshape(-1).tolist(),
                     "lengths": lengths or [S] * B}


# ----------------------------------------------------------------------------------------------
# The whole model at the demo's actual shape (DemoSettings.defaults(false) and the DemoPipeline's
# vision encoder and DTR defaults; the Java test checks every parameter's name and shape against
# the demo's own model): logits, loss and every gradient of one batch, then a short training run
# of the trainer's step (clipping, AdamW, the cosine warm-up schedule) over two batches.
#
# Computed in float64 from float32 weights and stored rounded to float32 (one file, no float64
# part: a float64 copy of 782k parameters' gradients and updates would add 12.5 MB; the float64
# arithmetic is checked at the small shape by `decoder`). The weights are not stored either: each
# is the float32 rounding of u * scale + shift, u in [-1, 1) from a hash of its name and index
# (hashed_uniform below, the same few lines in the Java test), scale and shift per tensor in the
# JSON.

MASK64 = (1 << 64) - 1


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def hashed_uniform(name, n):
    """u_i in [-1, 1) on a 2^-23 grid (exact in float32): the top 24 bits of SplitMix64's output for
    state fnv1a64(name) + (i + 1) * 0x9E3779B97F4A7C15."""
    import numpy as np
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a64(name)) + (np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return torch.from_numpy((z >> np.uint64(40)).astype(np.float64) / 2.0 ** 23 - 1.0)


def demo_config(vocab):
    return {
        "vocab_size": vocab, "hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 4,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "moe_layers": [0, 2], "moe_mode": "routed", "num_local_experts": 4, "num_experts_per_tok": 1,
        "norm_topk_prob": False, "router_aux_loss_coef": 0.001, "router_z_loss_coef": 0.01,
        "router_kind": "dtr",
        "dtr_config": {"rank": 8, "embed_dim": 32, "hyper_hidden": 64, "hyper_activation": "none",
                       "phi_bias": False},
        "vision_config": {"image_height": 56, "image_width": 56, "patch_size": 14, "hidden_size": 48,
                          "intermediate_size": 96, "num_hidden_layers": 1, "num_attention_heads": 2,
                          "rms_norm_eps": 1e-5},
    }


DEMO_VOCAB = 68  # the demo's WordTokenizer over its instruction data (the Java test checks it)


def demo_batch(tag, c, lengths, with_image, seq):
    """Tokens (image placeholders first in image sequences), pixels and next-token targets; the
    last real row and padding predict nothing, nor do image rows."""
    vc = c["vision_config"]
    P = (vc["image_height"] // vc["patch_size"]) * (vc["image_width"] // vc["patch_size"])
    B = len(lengths)
    ids = hashed_uniform("tokens." + tag, B * seq)
    tokens = (3 + ((ids + 1) / 2 * (c["vocab_size"] - 3)).floor().long().clamp(max=c["vocab_size"] - 1)).view(B, seq)
    targets = torch.full((B, seq), -1, dtype=torch.long)
    for b in range(B):
        first = P if with_image[b] else 0
        if with_image[b]:
            tokens[b, :P] = 1
        targets[b, first:lengths[b] - 1] = tokens[b, first + 1:lengths[b]]
    n_img = sum(with_image)
    pixels = ((hashed_uniform("pixels." + tag, n_img * vc["image_height"] * vc["image_width"]) + 1) / 2)
    return tokens, pixels.view(n_img, -1).float(), targets


def case_decoder_demo():
    c = demo_config(DEMO_VOCAB)
    spec = {}
    params = {}
    for name, shape in decoder_shapes(c).items():
        if name.endswith("norm.weight") or "layernorm" in name or "layer_norm" in name:
            scale, shift = 0.2, 1.0
        elif name.endswith(".bias"):
            scale, shift = 0.1, 0.0
        elif name == "model.embed_tokens.weight":
            scale, shift = 1.0, 0.0
        else:
            fan_in = shape[1] * (4 if (".fc2.weight" in name and ".hyper." in name) else 1)
            scale, shift = fan_in ** -0.5, 0.0
        scale *= math.sqrt(3.0)  # u has variance 1/3: the same spread as the normal draws of `decoder`
        n = math.prod(shape)
        w32 = (hashed_uniform(name, n) * scale + shift).to(torch.float32).view(*shape)
        spec[name] = [scale, shift]
        params[name] = w32.double().requires_grad_(True)
    seq, lengths, with_image = 36, [36, 36, 28, 36], [True, False, True, False]
    batches = {t: demo_batch(t, c, lengths, with_image, seq) for t in ("A", "B")}
    ref.cfg.clear(); ref.cfg.update(c)
    ref.W.clear(); ref.W.update(params)

    def loss_of(tag):
        tokens, pixels, targets = batches[tag]
        losses = []
        logits = ref.forward(tokens, pixels.double(), with_image, losses, lengths)
        ce = F.cross_entropy(logits.reshape(-1, c["vocab_size"]), targets.reshape(-1), ignore_index=-1)
        return logits, ce + sum(losses), sum(losses)

    logits, loss, aux = loss_of("A")
    g = grads(loss, params)
    logits = logits.detach().clone()
    for b, n in enumerate(lengths):
        logits[b, n:] = 0                            # padding rows: undefined, not compared
    init = {n: p.detach().clone() for n, p in params.items()}
    # The trainer's steps (StageTrainer): clip the global norm, AdamW at the scheduled rate. As in
    # the demo, the vision encoder is frozen (its attention's key bias has an exactly zero gradient,
    # which Adam would turn into full steps of float32 rounding noise) and everything else trains.
    trained = {n: p for n, p in params.items() if not n.startswith("vision_tower.")}
    steps, peak, warmup_ratio, floor, wd, max_norm = 4, 3e-3, 0.25, 0.1, 0.01, 1.0
    warmup = math.ceil(steps * warmup_ratio)
    opt = torch.optim.AdamW(list(trained.values()), lr=peak, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: cosine_warmup(s, warmup, steps, floor))
    step_losses, lrs, norms = [], [], []
    for s in range(steps):
        for p in params.values():
            p.grad = None
        _, l, _ = loss_of("A" if s % 2 == 0 else "B")
        l.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(list(trained.values()), max_norm).item())
        lrs.append(opt.param_groups[0]["lr"])
        step_losses.append(l.item())
        opt.step()
        sched.step()
    tensors = {"logits.A": logits.reshape(-1, c["vocab_size"]), "loss.A": loss.detach(), "aux_loss.A": aux.detach(),
               **{"grad." + n: t for n, t in g.items()},
               **{"delta." + n: params[n].detach() - init[n] for n in trained}}
    for t in ("A", "B"):
        tensors["pixels." + t] = batches[t][1].double()
    meta = {"config": c, "weights": spec, "seqLen": seq, "lengths": lengths, "withImage": with_image,
            "batches": {t: {"tokens": batches[t][0].reshape(-1).tolist(), "targets": batches[t][2].reshape(-1).tolist()}
                        for t in ("A", "B")},
            "training": {"frozen": "vision_tower.", "steps": steps, "learningRate": peak, "warmupRatio": warmup_ratio, "minLrRatio": floor,
                         "weightDecay": wd, "maxGradNorm": max_norm, "batchOfStep": ["A", "B", "A", "B"],
                         "learningRates": lrs, "losses": step_losses, "gradNorms": norms}}
    out = {}
    for name, t in tensors.items():
        assert t.dtype == torch.float64 or name.startswith("pixels"), (name, t.dtype)
        out[name] = t.detach().to(torch.float32)
    write_safetensors(os.path.join(HERE, "decoder_demo.f32.safetensors"), out,
                      {"case": "decoder_demo", "precision": "f64 rounded to f32"})
    with open(os.path.join(HERE, "decoder_demo.json"), "w") as f:
        f.write(json.dumps(meta, indent=1, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------------------------
# AdamW (torch.optim.AdamW itself) with the cosine warm-up schedule of
# docs/optimisation-and-evolution.md (Hugging Face's step convention, with a floor)


def cosine_warmup(step, warmup, total, floor):
    if step < warmup:
        return step / warmup
    progress = min(1.0, (step - warmup) / (total - warmup))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def case_adamw(dt):
    r = Rand(70, dt)
    peak, warmup, total, floor, steps = 0.01, 2, 5, 0.1, 6
    beta1, beta2, eps, wd = 0.9, 0.999, 1e-8, 0.1
    p = {"a": r.normal(3, 5).requires_grad_(True), "b": r.normal(7).requires_grad_(True)}
    tensors = {f"init.{n}": t.detach().clone() for n, t in p.items()}
    opt = torch.optim.AdamW(list(p.values()), lr=peak, betas=(beta1, beta2), eps=eps, weight_decay=wd)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: cosine_warmup(s, warmup, total, floor))
    lrs = []
    for s in range(steps):
        for n, t in p.items():
            t.grad = r.normal(*t.shape, scale=0.5 + s)
            tensors[f"step{s}.grad.{n}"] = t.grad.clone()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        for n, t in p.items():
            tensors[f"step{s}.value.{n}"] = t.detach().clone()
    for n, t in p.items():
        st = opt.state[t]
        tensors[f"final.m.{n}"] = st["exp_avg"].clone()
        tensors[f"final.v.{n}"] = st["exp_avg_sq"].clone()
    return tensors, {"peak": peak, "warmupSteps": warmup, "totalSteps": total, "minRatio": floor,
                     "steps": steps, "beta1": beta1, "beta2": beta2, "eps": eps, "weightDecay": wd,
                     "learningRates": lrs}


# ----------------------------------------------------------------------------------------------
# The rebuild of docs/checkpoint-format.md on a model folder written by `evomoe train`
# (score-model/, made with score-model.train.json): per-token log-probabilities of the prompts
# that the Java test scores with `evomoe score --json`.

SCORE_PROMPTS = [
    {"prompt": "How many items are in the image?", "image": "score-canvas.png"},
    {"prompt": "Is there a coat at the left?", "image": "score-canvas.png"},
    {"prompt": "Describe the image.", "image": None},
]


def split_words(text):
    """docs: lower-case; <pad> <bos> <eos> <unk> <image> whole; letter/digit runs; any other
    non-space character alone."""
    out, word, i, text = [], "", 0, text.lower()
    while i < len(text):
        ch = text[i]
        if ch.isalnum():
            word += ch; i += 1; continue
        if word:
            out.append(word); word = ""
        if ch.isspace():
            i += 1; continue
        special = next((t for t in ("<pad>", "<bos>", "<eos>", "<unk>", "<image>") if text.startswith(t, i)), None)
        out.append(special or ch)
        i += len(special) if special else 1
    if word:
        out.append(word)
    return out


def canvas_pixels(h, w):
    """A fixed grayscale pattern (bytes), a bright blob on a gradient."""
    return [[min(255, int(40 + 3 * x + 2 * y + (180 if (x - 20) ** 2 + (y - 30) ** 2 < 90 else 0)))
             for x in range(w)] for y in range(h)]


def write_png(path, rows):
    """8-bit grayscale PNG, no interlace, filter 0 on every row."""
    h, w = len(rows), len(rows[0])

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def score_fixture():
    folder = os.path.join(HERE, "score-model")
    ref.load(folder)
    vocab = json.load(open(os.path.join(folder, "tokenizer.json")))["tokens"]
    ids = {t: i for i, t in enumerate(vocab)}
    vc = ref.cfg["vision_config"]
    rows = canvas_pixels(vc["image_height"], vc["image_width"])
    write_png(os.path.join(HERE, "score-canvas.png"), rows)
    pixels = torch.tensor(rows, dtype=torch.float32).reshape(1, -1) / 255
    P = ref.cfg["image_seq_length"]
    results = []
    for item in SCORE_PROMPTS:
        text = [ids["<bos>"]] + [ids.get(w, ids["<unk>"]) for w in split_words(item["prompt"])]
        n_img = P if item["image"] else 0
        tokens = torch.tensor([[ids["<image>"]] * n_img + text])
        with torch.no_grad():
            logp = ref.forward(tokens, pixels if n_img else None, [bool(n_img)])[0].double().log_softmax(-1)
        S = tokens.shape[1]
        lps = [logp[pos - 1, tokens[0, pos]].item() for pos in range(n_img + 1, S)]
        top = logp[S - 1].topk(5)
        results.append({**item, "ids": tokens[0, n_img + 1:].tolist(), "logprobs": lps,
                        "next": [{"id": int(i), "logprob": v.item()} for v, i in zip(top.values, top.indices)]})
    with open(os.path.join(HERE, "score.json"), "w") as f:
        json.dump({"model": "score-model", "torch": torch.__version__, "prompts": results}, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------------------------------------

CASES = {
    "rmsnorm": case_rmsnorm,
    "swiglu": case_swiglu,
    "cross_entropy": case_cross_entropy,
    "moe_top1": lambda dt: moe_case(dt, 1, False, 0.01, 0.001),
    "moe_top1_renorm_flag": lambda dt: moe_case(dt, 1, True, 0.01, 0.001),
    "moe_top2": lambda dt: moe_case(dt, 2, False, 0.01, 0.001),
    "moe_top2_renorm": lambda dt: moe_case(dt, 2, True, 0.01, 0.001),
    "moe_losses": lambda dt: moe_case(dt, 2, True, 1.0, 0.5, with_dy=False),
    "moe_top2_padding": lambda dt: moe_case(dt, 2, True, 0.05, 0.01, padding=3),
    "moe_losses_padding": lambda dt: moe_case(dt, 2, True, 1.0, 0.5, with_dy=False, padding=3),
    "router_linear": lambda dt: router_case(dt, "linear", IMAGE_TEXT),
    "router_modality_linear": lambda dt: router_case(dt, "modality_linear", IMAGE_TEXT),
    "router_modality_linear_text_only": lambda dt: router_case(dt, "modality_linear", TEXT_ONLY),
    "router_dtr": lambda dt: router_case(dt, "dtr", IMAGE_TEXT),
    "router_dtr_text_only": lambda dt: router_case(dt, "dtr", TEXT_ONLY),
    "router_dtr_gelu_bias": lambda dt: router_case(dt, "dtr", IMAGE_TEXT, "gelu_tanh", True),
    "evolution_partial_update": lambda dt: evolution_case(dt, "PARTIAL_UPDATE"),
    "evolution_ema": lambda dt: evolution_case(dt, "EMA"),
    "evolution_literal": lambda dt: evolution_case(dt, "LITERAL"),
    "attention": case_attention,
    "attention_cache": case_attention_cache,
    "decoder": case_decoder,
    "decoder_padding": lambda dt: case_decoder(dt, lengths=[10, 7]),
    "adamw": case_adamw,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", help="cases to write (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name in args.cases or list(CASES) + ["decoder_demo", "score"]:
        if name == "score":
            score_fixture()
            print("wrote score")
            continue
        if name == "decoder_demo":
            case_decoder_demo()
            print("wrote decoder_demo")
            continue
        for key in ("f64", "f32"):
            tensors, meta = CASES[name](DTYPES[key])
            save(name, key, tensors, meta)
        print("wrote", name)


if __name__ == "__main__":
    main()
