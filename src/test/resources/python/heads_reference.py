"""Independent head pruning of a ViT, in float64, for HeadsReferenceTest.

usage (run by the test; Debian's python3-torch, nothing else):

    /usr/bin/python3 src/test/resources/python/heads_reference.py MODEL_DIR X.safetensors REMOVE.json OUT.safetensors

MODEL_DIR: a ViT in timm layout (blocks.N.attn.qkv) or Hugging Face layout (separate query, key,
value), distilled or not, token or avg pooling; X.safetensors holds "x" [N, C, H, W], already
preprocessed; REMOVE.json maps a block index to the heads to remove, e.g. {"0": [1], "2": [0, 3]}, or
holds {"heads": {…}, "neurons": {"0": [5, 7], …}, "compensation": true}: heads and MLP hidden neurons
removed together, each replaced by its mean over X (compensation false: dropped). With
"compensation": "refit" and "ridge": λ (heads only) the removed heads' channels are replaced by their
least-squares affine prediction from the kept heads' channels over X's tokens (ridge λ·n on the
weights, n tokens, the constant not shrunk), folded into proj.

Written from the math, not from the Java code: a head's context vector o_h (its d_h channels of
proj's input) is replaced by its mean over every token of X, so proj.bias gains
proj.weight[:, cols(h)] @ mean(o_h) and the head's q, k, v rows and proj columns go. A removed neuron j
(post-GELU activation g_j) likewise adds fc2.weight[:, j] * mean(g_j) to fc2.bias; its fc1 row and fc2 column go. OUT receives
"blocks.N.attn.mean", ".m2" (sum of squared deviations), ".count", ".gram" (Σ z zᵀ, z = [o; 1]) of the
unpruned model on X, and
"logits" [N, K] of the pruned model on X.
"""
import json
import math
import sys

import torch

sys.path.insert(0, "tools")
from vbp_torch import read_safetensors, write_safetensors  # noqa: E402  (safetensors parsing only)


def timm_state(state):
    """The HF names mapped to the math's parts; timm names kept. q, k, v as three [D, D] matrices."""
    hf = next((p for p in ("vit.", "deit.") if p + "embeddings.cls_token" in state), None)
    if hf is None:
        s = dict(state)
        b = 0
        while f"blocks.{b}.attn.qkv.weight" in s:
            w, bias = s.pop(f"blocks.{b}.attn.qkv.weight"), s.pop(f"blocks.{b}.attn.qkv.bias")
            a = w.shape[0] // 3
            for i, part in enumerate("qkv"):
                s[f"blocks.{b}.{part}.weight"] = w[i * a:(i + 1) * a]
                s[f"blocks.{b}.{part}.bias"] = bias[i * a:(i + 1) * a]
            b += 1
        return s
    s = {"cls_token": state[hf + "embeddings.cls_token"], "pos_embed": state[hf + "embeddings.position_embeddings"],
         "patch_embed.proj.weight": state[hf + "embeddings.patch_embeddings.projection.weight"],
         "patch_embed.proj.bias": state[hf + "embeddings.patch_embeddings.projection.bias"]}
    if hf + "embeddings.distillation_token" in state:
        s["dist_token"] = state[hf + "embeddings.distillation_token"]
    b = 0
    while f"{hf}encoder.layer.{b}.layernorm_before.weight" in state:
        layer = f"{hf}encoder.layer.{b}."
        names = {"norm1": "layernorm_before", "norm2": "layernorm_after", "q": "attention.attention.query",
                 "k": "attention.attention.key", "v": "attention.attention.value", "attn.proj": "attention.output.dense",
                 "mlp.fc1": "intermediate.dense", "mlp.fc2": "output.dense"}
        for ours, theirs in names.items():
            for wb in ("weight", "bias"):
                s[f"blocks.{b}.{ours}.{wb}"] = state[layer + theirs + "." + wb]
        b += 1
    for wb in ("weight", "bias"):
        s["norm." + wb] = state[hf + "layernorm." + wb]
        if "cls_classifier.weight" in state:
            s["head." + wb] = state["cls_classifier." + wb]
            s["head_dist." + wb] = state["distillation_classifier." + wb]
        else:
            s["head." + wb] = state["classifier." + wb]
    return s


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def forward(s, cfg, x, heads, head_dim, seen=None, hidden=None):
    """Logits; heads[b] = the head indices block b still has (its q, k, v rows in that order)."""
    eps, pool = cfg["eps"], cfg["pool"]
    p = s["patch_embed.proj.weight"].shape[-1]
    n = x.shape[0]
    t = torch.nn.functional.conv2d(x, s["patch_embed.proj.weight"], s["patch_embed.proj.bias"], stride=p)
    t = t.flatten(2).transpose(1, 2)
    prefix = [s["cls_token"].expand(n, -1, -1)]
    if "dist_token" in s:
        prefix.append(s["dist_token"].expand(n, -1, -1))
    t = torch.cat(prefix + [t], 1) + s["pos_embed"]
    for b in range(len(heads)):
        k = f"blocks.{b}."
        y = layer_norm(t, s[k + "norm1.weight"], s[k + "norm1.bias"], eps)
        outs = []
        for h in range(len(heads[b])):
            rows = slice(h * head_dim, (h + 1) * head_dim)
            q = y @ s[k + "q.weight"][rows].T + s[k + "q.bias"][rows]
            kk = y @ s[k + "k.weight"][rows].T + s[k + "k.bias"][rows]
            v = y @ s[k + "v.weight"][rows].T + s[k + "v.bias"][rows]
            a = torch.softmax(q @ kk.transpose(1, 2) / math.sqrt(head_dim), -1)
            outs.append(a @ v)
        o = torch.cat(outs, -1)
        if seen is not None:
            seen.append(o.reshape(-1, o.shape[-1]))
        t = t + o @ s[k + "attn.proj.weight"].T + s[k + "attn.proj.bias"]
        y = layer_norm(t, s[k + "norm2.weight"], s[k + "norm2.bias"], eps)
        g = gelu(y @ s[k + "mlp.fc1.weight"].T + s[k + "mlp.fc1.bias"])
        if hidden is not None:
            hidden.append(g.reshape(-1, g.shape[-1]))
        t = t + g @ s[k + "mlp.fc2.weight"].T + s[k + "mlp.fc2.bias"]
    t = layer_norm(t, s["norm.weight"], s["norm.bias"], eps)
    if "head_dist.weight" in s:
        return ((t[:, 0] @ s["head.weight"].T + s["head.bias"]) + (t[:, 1] @ s["head_dist.weight"].T + s["head_dist.bias"])) / 2
    pooled = t[:, 1:].mean(1) if pool == "avg" else t[:, 0]
    return pooled @ s["head.weight"].T + s["head.bias"]


def refitted(o, w, bias, cols, gone, ridge):
    """The removed channels o[gone] replaced by their least-squares affine prediction M o[cols] + c over
    the tokens (ridge λ·n on M, none on c), folded into proj: W' = W[:, cols] + W[:, gone] M, b' = b + W[:, gone] c."""
    n = o.shape[0]
    z = torch.cat([o[:, cols], torch.ones(n, 1, dtype=o.dtype)], 1)
    lhs = z.T @ z + ridge * n * torch.diag(torch.tensor([1.0] * len(cols) + [0.0], dtype=o.dtype))
    solution = torch.linalg.solve(lhs, z.T @ o[:, gone])  # [|cols| + 1, |gone|]
    m, c = solution[:-1].T, solution[-1]
    return w[:, cols] + w[:, gone] @ m, bias + w[:, gone] @ c


def main(model_dir, x_file, remove_file, out_file):
    with open(f"{model_dir}/config.json", encoding="utf-8") as f:
        config = json.load(f)
    state = {k: v.double() for k, v in timm_state(read_safetensors(f"{model_dir}/model.safetensors")).items()}
    if "num_attention_heads" in config:
        num_heads, eps, pool = config["num_attention_heads"], config.get("layer_norm_eps", 1e-12), "token"
    else:
        num_heads, eps = config["model_args"]["num_heads"], config.get("layer_norm_eps", 1e-6)
        pool = config.get("global_pool", "token")
    cfg = {"eps": eps, "pool": pool}
    head_dim = state["patch_embed.proj.weight"].shape[0] // num_heads
    depth = sum(1 for k in state if k.endswith(".norm1.weight"))
    x = read_safetensors(x_file)["x"].double()
    with open(remove_file, encoding="utf-8") as f:
        spec = json.load(f)
    if "heads" not in spec and "neurons" not in spec:  # the heads alone, as {"0": [1], …}
        spec = {"heads": spec}
    remove = {int(b): hs for b, hs in spec.get("heads", {}).items()}
    neurons = {int(b): js for b, js in spec.get("neurons", {}).items()}
    refit = spec.get("compensation") == "refit"
    fold = 1.0 if spec.get("compensation", True) and not refit else 0.0

    seen, hidden = [], []
    forward(state, cfg, x, [list(range(num_heads))] * depth, head_dim, seen, hidden)
    out = {}
    for b, o in enumerate(seen):
        mean = o.mean(0)
        out[f"blocks.{b}.attn.mean"] = mean
        out[f"blocks.{b}.attn.m2"] = ((o - mean) ** 2).sum(0)
        out[f"blocks.{b}.attn.count"] = torch.tensor([float(o.shape[0])])
        z = torch.cat([o, torch.ones(o.shape[0], 1, dtype=o.dtype)], 1)
        out[f"blocks.{b}.attn.gram"] = z.T @ z

    pruned = dict(state)
    kept = []
    for b in range(depth):
        k = f"blocks.{b}."
        keep = [h for h in range(num_heads) if h not in remove.get(b, [])]
        gone = [c for h in remove.get(b, []) for c in range(h * head_dim, (h + 1) * head_dim)]
        cols = [c for h in keep for c in range(h * head_dim, (h + 1) * head_dim)]
        w = state[k + "attn.proj.weight"]
        pruned[k + "attn.proj.bias"] = state[k + "attn.proj.bias"] + fold * (w[:, gone] @ out[k + "attn.mean"][gone])
        pruned[k + "attn.proj.weight"] = w[:, cols]
        if refit and gone:
            pruned[k + "attn.proj.weight"], pruned[k + "attn.proj.bias"] = refitted(
                seen[b], w, state[k + "attn.proj.bias"], cols, gone, spec["ridge"])
        for part in "qkv":
            pruned[k + part + ".weight"] = state[k + part + ".weight"][cols]
            pruned[k + part + ".bias"] = state[k + part + ".bias"][cols]
        gone = neurons.get(b, [])
        live = [j for j in range(state[k + "mlp.fc1.weight"].shape[0]) if j not in gone]
        fc2 = state[k + "mlp.fc2.weight"]
        pruned[k + "mlp.fc2.bias"] = state[k + "mlp.fc2.bias"] + fold * (fc2[:, gone] @ hidden[b].mean(0)[gone])
        pruned[k + "mlp.fc2.weight"] = fc2[:, live]
        pruned[k + "mlp.fc1.weight"] = state[k + "mlp.fc1.weight"][live]
        pruned[k + "mlp.fc1.bias"] = state[k + "mlp.fc1.bias"][live]
        kept.append(keep)
    out["logits"] = forward(pruned, cfg, x, kept, head_dim)
    write_safetensors(out_file, out)


if __name__ == "__main__":
    main(*sys.argv[1:5])
