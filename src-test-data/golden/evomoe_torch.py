"""The example model rebuilt in PyTorch from docs/checkpoint-format.md.

docs/checkpoint-format.md shows the code between the markers below verbatim (a test checks it).
generate.py runs it on a model folder written by `evomoe train` (scores compared with
`evomoe score --json`) and, with autograd, on random weights (the whole-decoder fixture).
"""
import json
import math
import struct

import torch
import torch.nn.functional as F

cfg, W = {}, {}


def read_safetensors(path):
    """name -> tensor; the byte layout of docs/checkpoint-format.md (the `safetensors` package's
    load_file gives the same)."""
    types = {"F32": (torch.float32, 4), "F64": (torch.float64, 8)}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dtype, size = types[e["dtype"]]
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=dtype) if end > b else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def load(folder):
    """Reads config.json and model.safetensors of a model folder into cfg and W."""
    cfg.clear(); cfg.update(json.load(open(f"{folder}/config.json")))
    W.clear(); W.update(read_safetensors(f"{folder}/model.safetensors"))


# --- rebuild: begin (shown in docs/checkpoint-format.md) ---
def lin(x, name, bias=False):                    # weights are [out, in]
    y = x @ W[name + ".weight"].T
    return y + W[name + ".bias"] if bias else y

def rms_norm(x, name, eps):                      # eps inside the square root, then the weight
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * W[name + ".weight"]

def swiglu(x, pre):                              # dense FFN and every expert
    return lin(F.silu(lin(x, pre + ".gate_proj")) * lin(x, pre + ".up_proj"), pre + ".down_proj")

def rope(x, theta):                              # x [B, heads, S, dh]; HF rotate_half convention
    dh, S = x.shape[-1], x.shape[-2]
    inv = theta ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)                  # [dh/2]
    ang = torch.arange(S, dtype=torch.float64)[:, None] * inv[None, :]                 # [S, dh/2]
    cos = torch.cat([ang.cos()] * 2, -1).to(x.dtype); sin = torch.cat([ang.sin()] * 2, -1).to(x.dtype)
    x1, x2 = x[..., : dh // 2], x[..., dh // 2 :]   # dimension i pairs with i + dh/2
    return x * cos + torch.cat([-x2, x1], -1) * sin

def attention(x, pre, H, Hkv, causal, bias, theta, out):   # x [B, S, D]
    B, S, D = x.shape; dh = D // H
    q = lin(x, pre + ".q_proj", bias).view(B, S, H, dh).transpose(1, 2)
    k = lin(x, pre + ".k_proj", bias).view(B, S, Hkv, dh).transpose(1, 2)
    v = lin(x, pre + ".v_proj", bias).view(B, S, Hkv, dh).transpose(1, 2)
    if theta:                                    # positions 0..S-1, image rows included
        q, k = rope(q, theta), rope(k, theta)
    k = k.repeat_interleave(H // Hkv, dim=1)     # GQA: query head h reads kv head h // (H/Hkv)
    v = v.repeat_interleave(H // Hkv, dim=1)
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(S, S, dtype=torch.bool).triu(1), float("-inf"))
    o = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, S, H * dh)
    return lin(o, pre + "." + out, bias)

def vision(pixels):                              # pixels [N, H*W], one grayscale canvas per row
    vc = cfg["vision_config"]; p = vc["patch_size"]; pre = "vision_tower.vision_model"
    img = pixels.view(-1, 1, vc["image_height"], vc["image_width"])
    kernel = W[pre + ".embeddings.patch_embedding.weight"].view(-1, 1, p, p)
    z = F.conv2d(img, kernel, stride=p).flatten(2).transpose(1, 2)      # [N, P, dV], row-major grid
    z = z + W[pre + ".embeddings.position_embedding.weight"]            # no class token
    for i in range(vc["num_hidden_layers"]):
        L = f"{pre}.encoder.layers.{i}"; eps = vc["rms_norm_eps"]
        z = z + attention(rms_norm(z, L + ".layer_norm1", eps), L + ".self_attn",
                          vc["num_attention_heads"], vc["num_attention_heads"],
                          causal=False, bias=True, theta=None, out="out_proj")
        h = rms_norm(z, L + ".layer_norm2", eps)
        z = z + lin(F.gelu(lin(h, L + ".mlp.fc1", True), approximate="tanh"), L + ".mlp.fc2", True)
    return z                                      # no final norm

def projector(v):
    return lin(F.gelu(lin(v, "multi_modal_projector.linear_1", True), approximate="tanh"),
               "multi_modal_projector.linear_2", True)

def router_logits(h, g, image):                  # h [T, d], image [T] bool, g = "...mlp.gate"
    kind = cfg["router_kind"]
    if kind == "linear":
        return lin(h, g)
    if kind == "modality_linear":
        return torch.where(image[:, None], lin(h, g + ".image"), lin(h, g + ".text"))
    dc = cfg.get("dtr_config", {}); r = dc.get("rank", 8); n = dc.get("embed_dim", 32)
    act = {"none": lambda t: t, "silu": F.silu, "tanh": torch.tanh,
           "gelu_tanh": lambda t: F.gelu(t, approximate="tanh")}[dc.get("hyper_activation", "none")]
    e = torch.zeros(h.shape[0], n, dtype=h.dtype)
    for m, rows in (("image", image), ("text", ~image)):
        if not rows.any():                       # an absent modality's hypernetwork does not run
            continue
        z = h[rows]; hn = f"{g}.hyper.{m}"
        theta = lin(act(lin(z, hn + ".fc1", True)), hn + ".fc2", True)  # [t, 2rd + nr]
        down = theta[:, : 2 * r * z.shape[1]].view(-1, 2 * r, z.shape[1])
        up = theta[:, 2 * r * z.shape[1]:].view(-1, n, r)
        a = torch.einsum("tjd,td->tj", down, z)
        b = F.silu(a[:, :r]) * a[:, r:]
        e[rows] = torch.einsum("tor,tr->to", up, b)
    return lin(e, g + ".phi", dc.get("phi_bias", False))

def moe(h, i, image, losses=None, real=None):    # h [T, d]: the post-attention-normed rows
    pre = f"model.layers.{i}.mlp"
    if cfg["moe_mode"] == "seed_only":
        return swiglu(h, pre + ".experts.0")     # gate 1, router bypassed
    logits = router_logits(h, pre + ".gate", image).double()
    p = logits.softmax(-1)                       # [T, E], in double precision
    k, E = cfg["num_experts_per_tok"], cfg["num_local_experts"]
    gate, idx = p.topk(k, dim=-1)                # ties go to the lower expert index
    if k > 1 and cfg["norm_topk_prob"]:
        gate = gate / gate.sum(-1, keepdim=True)
    y = torch.zeros_like(h)                      # k = 1: y = p_top1 * expert(h), not renormalised
    for j in range(k):
        for e_ in range(E):
            rows = idx[:, j] == e_
            if rows.any():
                y[rows] += gate[rows, j, None].to(h.dtype) * swiglu(h[rows], f"{pre}.experts.{e_}")
    if losses is not None:                       # training only: alpha * L_aux + z-weight * L_z
        if real is not None:                     # padding takes no part in the statistics
            idx, p, logits = idx[real], p[real], logits[real]
        share = F.one_hot(idx, E).sum((0, 1)).double() / idx.numel()      # F_i (no gradient)
        aux = E * (share * p.mean(0)).sum()                               # E * sum_i F_i G_i
        z = logits.logsumexp(-1).pow(2).mean()
        losses.append(cfg["router_aux_loss_coef"] * aux + cfg.get("router_z_loss_coef", 0) * z)
    return y

def forward(tokens, pixels, with_image, losses=None, lengths=None):  # tokens [B, S]; pixels: one per image
    B, S = tokens.shape; d = cfg["hidden_size"]; eps = cfg["rms_norm_eps"]
    real = None if lengths is None else (torch.arange(S)[None, :] < torch.tensor(lengths)[:, None]).reshape(-1)
    x = W["model.embed_tokens.weight"][tokens]                           # [B, S, d]
    image = torch.zeros(B, S, dtype=torch.bool)
    rows = projector(vision(pixels)) if pixels is not None else None     # [N, P, d]
    n = 0
    for b in range(B):                           # the image's P rows come first in its sequence
        if with_image[b]:
            P = rows.shape[1]; x[b, :P] = rows[n]; image[b, :P] = True; n += 1
    for i in range(cfg["num_hidden_layers"]):
        L = f"model.layers.{i}"
        x = x + attention(rms_norm(x, L + ".input_layernorm", eps), L + ".self_attn",
                          cfg["num_attention_heads"], cfg["num_key_value_heads"],
                          causal=True, bias=False, theta=cfg["rope_theta"], out="o_proj")
        h = rms_norm(x, L + ".post_attention_layernorm", eps)
        if i in cfg["moe_layers"] and cfg["moe_mode"] != "dense":
            f = moe(h.reshape(B * S, d), i, image.reshape(B * S), losses, real).view(B, S, d)
        else:
            f = swiglu(h, L + ".mlp")
        x = x + f
    return lin(rms_norm(x, "model.norm", eps), "lm_head")                # logits [B, S, V]
# --- rebuild: end ---
