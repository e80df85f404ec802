"""Independent PyTorch reference for the research criteria (variance, wifv, wanda, taylor), selection and surgery.

Reads a model directory (timm or Hugging Face names, F32 safetensors), calibration pixels and
labels, evaluation pixels and a list of plans; writes, per plan, the kept width of every block and
the pruned model's logits on the evaluation pixels. Nothing here comes from the Java code or from
tools/: its own safetensors reader, its own ViT forward pass, its own scores and selection.

usage: criteria_reference.py SPEC.json OUT.safetensors
"""
import json
import math
import struct
import sys

import torch


def read_st(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] in ("F32", "F64"), e["dtype"]
        a, b = e["data_offsets"]
        dt = torch.float32 if e["dtype"] == "F32" else torch.float64
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dt).reshape(e["shape"]) if b > a else torch.zeros(e["shape"], dtype=dt)
        out[name] = t.clone()
    return out


def write_st(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def timm_names(w, depth):
    """Hugging Face ViT/DeiT names -> timm names (qkv concatenated as timm stores it)."""
    if "cls_token" in w:
        return w
    p = "deit." if any(k.startswith("deit.") for k in w) else "vit."
    t = {"cls_token": w[p + "embeddings.cls_token"], "pos_embed": w[p + "embeddings.position_embeddings"],
         "patch_embed.proj.weight": w[p + "embeddings.patch_embeddings.projection.weight"],
         "patch_embed.proj.bias": w[p + "embeddings.patch_embeddings.projection.bias"],
         "norm.weight": w[p + "layernorm.weight"], "norm.bias": w[p + "layernorm.bias"]}
    if p + "embeddings.distillation_token" in w:
        t["dist_token"] = w[p + "embeddings.distillation_token"]
        for wb in ("weight", "bias"):
            t["head." + wb] = w["cls_classifier." + wb]
            t["head_dist." + wb] = w["distillation_classifier." + wb]
    else:
        for wb in ("weight", "bias"):
            t["head." + wb] = w["classifier." + wb]
    for b in range(depth):
        l, k = p + "encoder.layer.%d." % b, "blocks.%d." % b
        for wb in ("weight", "bias"):
            t[k + "norm1." + wb] = w[l + "layernorm_before." + wb]
            t[k + "attn.qkv." + wb] = torch.cat([w[l + "attention.attention.%s.%s" % (q, wb)] for q in ("query", "key", "value")])
            t[k + "attn.proj." + wb] = w[l + "attention.output.dense." + wb]
            t[k + "norm2." + wb] = w[l + "layernorm_after." + wb]
            t[k + "mlp.fc1." + wb] = w[l + "intermediate.dense." + wb]
            t[k + "mlp.fc2." + wb] = w[l + "output.dense." + wb]
    return t


def forward(w, spec, x, hook=lambda b, h: h):
    depth, heads, eps = spec["depth"], spec["heads"], spec["eps"]
    p = spec["patch"]
    n = x.shape[0]
    e = torch.nn.functional.conv2d(x, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=p)
    e = e.flatten(2).transpose(1, 2)
    prefix = [w["cls_token"].expand(n, -1, -1)]
    if "dist_token" in w:
        prefix.append(w["dist_token"].expand(n, -1, -1))
    h = torch.cat(prefix + [e], 1) + w["pos_embed"]
    d = h.shape[-1]
    ln = lambda v, k: torch.nn.functional.layer_norm(v, (d,), w[k + ".weight"], w[k + ".bias"], eps)
    lin = lambda v, k: v @ w[k + ".weight"].T + w[k + ".bias"]
    for b in range(depth):
        k = "blocks.%d." % b
        y = ln(h, k + "norm1")
        qkv = lin(y, k + "attn.qkv").reshape(n, -1, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
        a = (qkv[0] @ qkv[1].transpose(-1, -2) / math.sqrt(d // heads)).softmax(-1)
        h = h + lin((a @ qkv[2]).transpose(1, 2).reshape(n, -1, d), k + "attn.proj")
        hidden = torch.nn.functional.gelu(lin(ln(h, k + "norm2"), k + "mlp.fc1"))
        h = h + lin(hook(b, hidden), k + "mlp.fc2")
    h = ln(h, "norm")
    if "dist_token" in w:
        return (lin(h[:, 0], "head") + lin(h[:, 1], "head_dist")) / 2
    pooled = h[:, len(prefix):].mean(1) if spec["pool"] == "avg" else h[:, 0]
    return lin(pooled, "head")


def statistics(w, spec, x, labels):
    """Per block: mean and population variance of the hidden over all tokens, and sum x * dL/dx."""
    hiddens, gates = {}, []
    for b in range(spec["depth"]):
        g = torch.ones(w["blocks.%d.mlp.fc1.weight" % b].shape[0], requires_grad=True)
        gates.append(g)

    def hook(b, h):
        hiddens[b] = h.detach().reshape(-1, h.shape[-1]).double()
        return h * gates[b]

    logits = forward(w, spec, x, hook)
    loss = torch.nn.functional.cross_entropy(logits, labels, reduction="sum")
    loss.backward()
    mean = [hiddens[b].mean(0) for b in range(spec["depth"])]
    var = [hiddens[b].var(0, unbiased=False) for b in range(spec["depth"])]
    taylor = [gates[b].grad.double() for b in range(spec["depth"])]
    return mean, var, taylor


def scores(w, criterion, mean, var, taylor, b):
    fc1 = w["blocks.%d.mlp.fc1.weight" % b].double()
    fc2 = w["blocks.%d.mlp.fc2.weight" % b].double()
    if criterion == "variance":
        return var[b]
    if criterion == "magnitude":
        return fc1.norm(dim=1) * fc2.norm(dim=0)
    if criterion == "wifv":
        return var[b] * (fc2 ** 2).sum(0)
    if criterion == "wanda":
        return fc2.abs().mean(0) * torch.sqrt(var[b] + mean[b] ** 2)
    if criterion == "taylor":
        return taylor[b].abs()
    raise ValueError(criterion)


def removed_sets(s, plan):
    """Per block, the removed indices: lowest (score, [block,] index) first, keep one per block."""
    depth = len(s)
    if plan["mode"] == "per-block":
        out = []
        for b in range(depth):
            h = len(s[b])
            k = min(int(math.floor(plan["ratios"][b] * h + 0.5)), h - 1)
            order = sorted(range(h), key=lambda j: (float(s[b][j]), j))
            out.append(set(order[:k]))
        return out
    if plan.get("normalize") == "standardize":
        z = []
        for v in s:
            sd = v.std(unbiased=False)
            z.append((v - v.mean()) / sd if sd > 0 else torch.zeros_like(v))
        s = z
    total = sum(len(v) for v in s)
    k = min(int(math.floor(plan["ratio"] * total + 0.5)), total - depth)
    order = sorted(((float(s[b][j]), b, j) for b in range(depth) for j in range(len(s[b]))))
    left = [len(v) for v in s]
    out = [set() for _ in range(depth)]
    for _, b, j in order:
        if sum(len(o) for o in out) >= k:
            break
        if left[b] > 1:
            out[b].add(j)
            left[b] -= 1
    return out


def main(spec_path, out_path):
    spec = json.load(open(spec_path))
    w = {k: v.float() for k, v in timm_names(read_st(spec["model"]), spec["depth"]).items()}
    data = read_st(spec["data"])
    cal, labels, ev = data["calibration"], data["labels"].round().long(), data["evaluation"]
    with torch.enable_grad():
        mean, var, taylor = statistics(w, spec, cal, labels)
    out = {}
    for i, plan in enumerate(spec["plans"]):
        s = [scores(w, plan["criterion"], mean, var, taylor, b) for b in range(spec["depth"])]
        removed = removed_sets(s, plan)
        pw = dict(w)
        widths = []
        for b in range(spec["depth"]):
            k = "blocks.%d.mlp." % b
            h = w[k + "fc1.weight"].shape[0]
            kept = [j for j in range(h) if j not in removed[b]]
            gone = sorted(removed[b])
            pw[k + "fc1.weight"] = w[k + "fc1.weight"][kept]
            pw[k + "fc1.bias"] = w[k + "fc1.bias"][kept]
            pw[k + "fc2.weight"] = w[k + "fc2.weight"][:, kept]
            bias = w[k + "fc2.bias"].double()
            # plans write "none"/"mean"/"refit" (older ones true/false); a non-empty string is truthy
            compensation = plan["compensation"]
            if compensation not in (True, False, "none", "mean"):
                raise ValueError("this reference compensates with none or mean only: %r" % (compensation,))
            if compensation in (True, "mean") and gone:
                bias = bias + w[k + "fc2.weight"][:, gone].double() @ mean[b][gone]
            pw[k + "fc2.bias"] = bias.float()
            widths.append(len(kept))
        with torch.no_grad():
            out["plan%d.logits" % i] = forward(pw, spec, ev)
        out["plan%d.widths" % i] = torch.tensor(widths, dtype=torch.float32)
    write_st(out_path, out)


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    main(sys.argv[1], sys.argv[2])
