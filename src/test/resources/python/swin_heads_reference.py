"""Independent head pruning of a Swin Transformer v1, in float64, for SwinHeadsReferenceTest.

usage (run by the test; Debian's python3-torch, nothing else):

    /usr/bin/python3 src/test/resources/python/swin_heads_reference.py MODEL_DIR X.safetensors REMOVE.json OUT.safetensors

MODEL_DIR: an unpruned Swin in timm layout (layers.S.blocks.J.attn.qkv, model_args in config.json) or
Hugging Face layout (separate query, key, value; the patch merging at the end of the previous stage);
X.safetensors holds "x" [N, C, H, W], already preprocessed; REMOVE.json maps a block index (over all
stages) to the heads to remove, e.g. {"0": [1], "4": [0, 3]}, or holds {"heads": {…}, "neurons": {"0": [5, 7],
…}}: heads and MLP hidden neurons removed together (a joint plan), each replaced by its mean over X.

Written from the math (Liu et al. 2021), not from the Java code or tools/vbp_torch_swin.py: windows are
cut one by one from the rolled map, each head attends within its window with its own column of the
relative position bias table (and, in shifted blocks, -100 between positions the roll brought
together). A removed head's context vector o_h (its d_h channels of proj's input) is replaced by its
mean over every position of X, so proj.bias gains proj.weight[:, cols(h)] @ mean(o_h); its q, k, v
rows, its proj columns and its bias table column go. OUT receives "blocks.B.attn.mean", ".m2" (sum of
squared deviations), ".count" of the unpruned model on X, and "logits" [N, K] of the pruned model. A
removed neuron j (a row of fc1, a column of fc2) is replaced by the mean of GELU(fc1(x))_j over every
position of X: fc2.bias gains fc2.weight[:, j] * mean_j.
"""
import json
import math
import sys

import torch

sys.path.insert(0, "tools")
from vbp_torch import read_safetensors, write_safetensors  # noqa: E402  (safetensors parsing only)


def architecture(config):
    """(img, patch, embed_dim, depths, num_heads, window, eps) from a timm or Hugging Face config.json."""
    if "model_args" in config:
        a = config["model_args"]
        return (a["img_size"], a["patch_size"], a["embed_dim"], a["depths"], a["num_heads"], a["window_size"],
                config.get("layer_norm_eps", 1e-5))
    return (config["image_size"], config["patch_size"], config["embed_dim"], config["depths"], config["num_heads"],
            config["window_size"], config.get("layer_norm_eps", 1e-5))


def parts(state, depths):
    """The math's parameters: per block norm1, q, k, v, table, proj, norm2, fc1, fc2; merges; stem; head."""
    hf = "swin.embeddings.patch_embeddings.projection.weight" in state
    s = {}
    if hf:
        s["stem.w"] = state["swin.embeddings.patch_embeddings.projection.weight"]
        s["stem.b"] = state["swin.embeddings.patch_embeddings.projection.bias"]
        s["stem.norm.w"], s["stem.norm.b"] = state["swin.embeddings.norm.weight"], state["swin.embeddings.norm.bias"]
        s["norm.w"], s["norm.b"] = state["swin.layernorm.weight"], state["swin.layernorm.bias"]
        s["head.w"], s["head.b"] = state["classifier.weight"], state["classifier.bias"]
    else:
        s["stem.w"], s["stem.b"] = state["patch_embed.proj.weight"], state["patch_embed.proj.bias"]
        s["stem.norm.w"], s["stem.norm.b"] = state["patch_embed.norm.weight"], state["patch_embed.norm.bias"]
        s["norm.w"], s["norm.b"] = state["norm.weight"], state["norm.bias"]
        s["head.w"], s["head.b"] = state["head.fc.weight"], state["head.fc.bias"]
    b = 0
    for st, depth in enumerate(depths):
        if st > 0:
            d = f"swin.encoder.layers.{st - 1}.downsample." if hf else f"layers.{st}.downsample."
            s[f"merge{st}.norm.w"], s[f"merge{st}.norm.b"] = state[d + "norm.weight"], state[d + "norm.bias"]
            s[f"merge{st}.w"] = state[d + "reduction.weight"]
        for j in range(depth):
            o = f"{b}."
            if hf:
                h = f"swin.encoder.layers.{st}.blocks.{j}."
                names = {"norm1": "layernorm_before", "q": "attention.self.query", "k": "attention.self.key",
                         "v": "attention.self.value", "proj": "attention.output.dense", "norm2": "layernorm_after",
                         "fc1": "intermediate.dense", "fc2": "output.dense"}
                for ours, theirs in names.items():
                    s[o + ours + ".w"], s[o + ours + ".b"] = state[h + theirs + ".weight"], state[h + theirs + ".bias"]
                s[o + "table"] = state[h + "attention.self.relative_position_bias_table"]
            else:
                t = f"layers.{st}.blocks.{j}."
                w, bias = state[t + "attn.qkv.weight"], state[t + "attn.qkv.bias"]
                a = w.shape[0] // 3
                for i, part in enumerate("qkv"):
                    s[o + part + ".w"], s[o + part + ".b"] = w[i * a:(i + 1) * a], bias[i * a:(i + 1) * a]
                for ours, theirs in {"norm1": "norm1", "proj": "attn.proj", "norm2": "norm2", "fc1": "mlp.fc1",
                                     "fc2": "mlp.fc2"}.items():
                    s[o + ours + ".w"], s[o + ours + ".b"] = state[t + theirs + ".weight"], state[t + theirs + ".bias"]
                s[o + "table"] = state[t + "attn.relative_position_bias_table"]
            b += 1
    return s


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def region(i, side, ws, shift):
    """Which of the three bands (0: [0, side-ws), 1: [side-ws, side-shift), 2: the rest) index i of the rolled map is in."""
    return 0 if i < side - ws else (1 if i < side - shift else 2)


def attention(y, s, o, heads, dh, ws, shift, seen):
    """Window attention over y [N, G, G, C] (already normed); returns proj's output, same shape."""
    n, g, _, c = y.shape
    if shift:
        y = torch.roll(y, (-shift, -shift), (1, 2))
    table = s[o + "table"]
    out = torch.zeros(n, g, g, heads * dh, dtype=y.dtype)
    for wr in range(0, g, ws):
        for wc in range(0, g, ws):
            tokens = y[:, wr:wr + ws, wc:wc + ws].reshape(n, ws * ws, c)
            pos = [(r, q) for r in range(ws) for q in range(ws)]
            bias_row = torch.tensor([[(a[0] - b[0] + ws - 1) * (2 * ws - 1) + a[1] - b[1] + ws - 1 for b in pos]
                                     for a in pos])
            mask = torch.zeros(ws * ws, ws * ws, dtype=y.dtype)
            if shift:
                lab = [3 * region(wr + r, g, ws, shift) + region(wc + q, g, ws, shift) for r, q in pos]
                mask = torch.tensor([[0.0 if la == lb else -100.0 for lb in lab] for la in lab], dtype=y.dtype)
            ctx = []
            for h in range(heads):
                rows = slice(h * dh, (h + 1) * dh)
                q = tokens @ s[o + "q.w"][rows].T + s[o + "q.b"][rows]
                k = tokens @ s[o + "k.w"][rows].T + s[o + "k.b"][rows]
                v = tokens @ s[o + "v.w"][rows].T + s[o + "v.b"][rows]
                scores = q @ k.transpose(1, 2) / math.sqrt(dh) + table[bias_row, h] + mask
                ctx.append(torch.softmax(scores, -1) @ v)
            out[:, wr:wr + ws, wc:wc + ws] = torch.cat(ctx, -1).reshape(n, ws, ws, heads * dh)
    if seen is not None:
        seen.append(out.reshape(-1, heads * dh))
    y = out @ s[o + "proj.w"].T + s[o + "proj.b"]
    return torch.roll(y, (shift, shift), (1, 2)) if shift else y


def forward(s, arch, x, heads, seen=None, hidden=None):
    """Logits; heads[b] = the number of heads block b has (its q, k, v rows, proj columns, table columns)."""
    img, patch, dim, depths, num_heads, window, eps = arch
    t = torch.nn.functional.conv2d(x, s["stem.w"], s["stem.b"], stride=patch).permute(0, 2, 3, 1)
    t = layer_norm(t, s["stem.norm.w"], s["stem.norm.b"], eps)
    b = 0
    for st, depth in enumerate(depths):
        if st > 0:
            t = torch.cat([t[:, 0::2, 0::2], t[:, 1::2, 0::2], t[:, 0::2, 1::2], t[:, 1::2, 1::2]], -1)
            t = layer_norm(t, s[f"merge{st}.norm.w"], s[f"merge{st}.norm.b"], eps) @ s[f"merge{st}.w"].T
        g = t.shape[1]
        ws = min(window, g)
        dh = (dim << st) // num_heads[st]
        for j in range(depth):
            o = f"{b}."
            shift = window // 2 if j % 2 == 1 and g > window else 0
            y = layer_norm(t, s[o + "norm1.w"], s[o + "norm1.b"], eps)
            t = t + attention(y, s, o, heads[b], dh, ws, shift, seen)
            y = layer_norm(t, s[o + "norm2.w"], s[o + "norm2.b"], eps)
            a = gelu(y @ s[o + "fc1.w"].T + s[o + "fc1.b"])
            if hidden is not None:
                hidden.append(a.reshape(-1, a.shape[-1]))
            t = t + a @ s[o + "fc2.w"].T + s[o + "fc2.b"]
            b += 1
    t = layer_norm(t, s["norm.w"], s["norm.b"], eps)
    return t.mean((1, 2)) @ s["head.w"].T + s["head.b"]


def main(model_dir, x_file, remove_file, out_file):
    with open(f"{model_dir}/config.json", encoding="utf-8") as f:
        arch = architecture(json.load(f))
    depths, num_heads = arch[3], arch[4]
    s = {k: v.double() for k, v in parts(read_safetensors(f"{model_dir}/model.safetensors"), depths).items()}
    x = read_safetensors(x_file)["x"].double()
    with open(remove_file, encoding="utf-8") as f:
        spec = json.load(f)
    if "heads" not in spec and "neurons" not in spec:  # the heads alone, as {"0": [1], …}
        spec = {"heads": spec}
    remove = {int(b): hs for b, hs in spec.get("heads", {}).items()}
    neurons = {int(b): js for b, js in spec.get("neurons", {}).items()}
    stage_of = [st for st, d in enumerate(depths) for _ in range(d)]
    full = [num_heads[st] for st in stage_of]

    seen, hidden = [], []
    forward(s, arch, x, full, seen, hidden)
    out = {}
    for b, o in enumerate(seen):
        mean = o.mean(0)
        out[f"blocks.{b}.attn.mean"] = mean
        out[f"blocks.{b}.attn.m2"] = ((o - mean) ** 2).sum(0)
        out[f"blocks.{b}.attn.count"] = torch.tensor([float(o.shape[0])])

    pruned = dict(s)
    kept = []
    for b, st in enumerate(stage_of):
        o = f"{b}."
        dh = (arch[2] << st) // num_heads[st]
        keep = [h for h in range(full[b]) if h not in remove.get(b, [])]
        gone = [c for h in remove.get(b, []) for c in range(h * dh, (h + 1) * dh)]
        cols = [c for h in keep for c in range(h * dh, (h + 1) * dh)]
        w = s[o + "proj.w"]
        pruned[o + "proj.b"] = s[o + "proj.b"] + w[:, gone] @ out[f"blocks.{b}.attn.mean"][gone]
        pruned[o + "proj.w"] = w[:, cols]
        for part in "qkv":
            pruned[o + part + ".w"], pruned[o + part + ".b"] = s[o + part + ".w"][cols], s[o + part + ".b"][cols]
        pruned[o + "table"] = s[o + "table"][:, keep]
        dead = neurons.get(b, [])
        live = [j for j in range(s[o + "fc1.w"].shape[0]) if j not in dead]
        fc2 = s[o + "fc2.w"]
        pruned[o + "fc2.b"] = s[o + "fc2.b"] + fc2[:, dead] @ hidden[b].mean(0)[dead]
        pruned[o + "fc2.w"] = fc2[:, live]
        pruned[o + "fc1.w"], pruned[o + "fc1.b"] = s[o + "fc1.w"][live], s[o + "fc1.b"][live]
        kept.append(len(keep))
    out["logits"] = forward(pruned, arch, x, kept)
    write_safetensors(out_file, out)


if __name__ == "__main__":
    main(*sys.argv[1:5])
