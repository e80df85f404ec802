"""Writes fixtures/swin-micro: a tiny random-weight Swin Transformer v1 in timm's and Hugging Face's
layouts, 15 images, and what torchvision's independent SwinTransformer computes for them.

How it was run (from the repository root; Debian's python3-torch 1.13, python3-torchvision 0.14,
python3-pil):

    /usr/bin/python3 src/test/resources/python/swin_reference.py src/test/resources/fixtures/swin-micro

Model: 32 px RGB, patch 2, embed_dim 8, depths [2, 2, 2], heads [2, 2, 4], window 4 (grids 16, 8, 4:
stages 0 and 1 shift their odd blocks, stage 2 is one window), 5 classes, LayerNorm eps 1e-5. Random
weights (seed 0); each fc1 row is scaled by exp(U(-1.5, 1.5)) so hidden variances spread.

Writes:
    timm/model.safetensors, timm/config.json        timm names and hub config
    hf/model.safetensors, hf/config.json,           SwinForImageClassification names (separate
      hf/preprocessor_config.json                   query/key/value, patch merging at the end of
                                                    the previous stage, relative_position_index kept)
    images/class_KK/img_N.png                       5 classes x 3 images, 32 x 32
    stages.safetensors                              float64 run of images 0 and 7 (as float32):
                                                    embed, block.B (each block's output [2, H, W, C]),
                                                    logits
    expected.json                                   files, labels, logits of all 15 images; per block
                                                    the post-GELU mean and population variance over
                                                    every position of the 15 images; pruned_block_0.3
                                                    and pruned_global_0.6: kept widths and logits of
                                                    VBP with mean compensation (see prune())

usage: swin_reference.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

import swin_torchvision as tv

ARGS = {"img_size": 32, "patch_size": 2, "in_chans": 3, "embed_dim": 8, "depths": [2, 2, 2],
        "num_heads": [2, 2, 4], "window_size": 4}
CLASSES = 5
PER_CLASS = 3
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
STAGE_IMAGES = [0, 7]
MIN_GAP = 1e-3  # relative gap between the last removed and the first kept variance


def randomise(model, gen):
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name.endswith("norm.weight") or ".norm1.weight" in name or ".norm2.weight" in name or name == "features.0.2.weight":
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith("relative_position_bias_table"):
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)
            if ".mlp.0.weight" in name:
                p.mul_(torch.exp(torch.empty(p.shape[0], 1).uniform_(-1.5, 1.5, generator=gen)))


def images(out, gen):
    files, labels = [], []
    yy, xx = np.mgrid[0:32, 0:32] / 31.0
    for c in range(CLASSES):
        os.makedirs(os.path.join(out, "images", "class_%02d" % c), exist_ok=True)
        for i in range(PER_CLASS):
            phase = torch.rand(3, generator=gen).numpy() * 6.28
            base = [np.sin((c + 1) * 3 * xx + phase[k]) * np.cos((k + 1) * 2 * yy + c) for k in range(3)]
            noise = torch.rand(32, 32, 3, generator=gen).numpy()
            img = np.clip((np.stack(base, -1) * 0.35 + 0.5) * 255 * 0.8 + noise * 51, 0, 255).astype(np.uint8)
            f = "class_%02d/img_%d.png" % (c, i)
            Image.fromarray(img, "RGB").save(os.path.join(out, "images", f))
            files.append(f)
            labels.append(c)
    return files, labels


def observe(model, x):
    """Outputs of the embedding, of every block (patch merging included), the logits, and each block's GELU."""
    seen, gelu = [], []
    hooks = [model.features[0].register_forward_hook(lambda m, i, o: seen.append(o))]
    for s in range(len(ARGS["depths"])):
        for block in model.features[2 * s + 1]:
            hooks.append(block.register_forward_hook(lambda m, i, o: seen.append(o)))
            hooks.append(block.mlp[1].register_forward_hook(lambda m, i, o: gelu.append(o)))
    with torch.no_grad():
        logits = model(x)
    for h in hooks:
        h.remove()
    return seen, gelu, logits


def prune(tensors, stats, ratio, global_mode):
    """Variance-Based Pruning: remove the lowest-variance neurons (round half up; ties to the lower
    index, globally to the lower block), keep one per block, fold the removed means into fc2.bias."""
    depth = len(stats)
    keys = block_keys()
    if global_mode:
        order = sorted((float(v), b, j) for b, (_, var) in enumerate(stats) for j, v in enumerate(var))
        k = int(np.floor(ratio * len(order) + 0.5))
        removed = [set() for _ in range(depth)]
        for v, b, j in order[:k]:
            removed[b].add(j)
        assert all(len(r) < len(stats[b][1]) for b, r in enumerate(removed))
        check_gap([v for v, _, _ in order], k)
    else:
        removed = []
        for _, var in stats:
            order = sorted((float(v), j) for j, v in enumerate(var))
            k = int(np.floor(ratio * len(order) + 0.5))
            removed.append({j for _, j in order[:k]})
            check_gap([v for v, _ in order], k)
    out = dict(tensors)
    widths = []
    for b, k in enumerate(keys):
        mean = torch.tensor(stats[b][0], dtype=torch.float64)
        h = out[k + "mlp.fc1.weight"].shape[0]
        keep = [j for j in range(h) if j not in removed[b]]
        gone = sorted(removed[b])
        w2 = out[k + "mlp.fc2.weight"].double()
        out[k + "mlp.fc2.bias"] = (out[k + "mlp.fc2.bias"].double() + w2[:, gone] @ mean[gone]).float()
        out[k + "mlp.fc1.weight"] = out[k + "mlp.fc1.weight"][keep]
        out[k + "mlp.fc1.bias"] = out[k + "mlp.fc1.bias"][keep]
        out[k + "mlp.fc2.weight"] = out[k + "mlp.fc2.weight"][:, keep]
        widths.append(len(keep))
    return out, widths


def check_gap(sorted_vars, k):
    lo, hi = sorted_vars[k - 1], sorted_vars[k]
    assert (hi - lo) > MIN_GAP * abs(hi), "variances too close at the cut: %g %g" % (lo, hi)


def block_keys():
    return ["layers.%d.blocks.%d." % (s, j) for s, d in enumerate(ARGS["depths"]) for j in range(d)]


def hf_state(tensors):
    """timm names -> SwinForImageClassification's (query/key/value split; merging at the previous stage's end)."""
    out = {"swin.embeddings.patch_embeddings.projection.weight": tensors["patch_embed.proj.weight"],
           "swin.embeddings.patch_embeddings.projection.bias": tensors["patch_embed.proj.bias"],
           "swin.embeddings.norm.weight": tensors["patch_embed.norm.weight"],
           "swin.embeddings.norm.bias": tensors["patch_embed.norm.bias"]}
    for s, depth in enumerate(ARGS["depths"]):
        ws = min(ARGS["window_size"], (ARGS["img_size"] // ARGS["patch_size"]) >> s)
        for j in range(depth):
            t = "layers.%d.blocks.%d." % (s, j)
            h = "swin.encoder.layers.%d.blocks.%d." % (s, j)
            for wb in ["weight", "bias"]:
                out[h + "layernorm_before." + wb] = tensors[t + "norm1." + wb]
                q, k, v = tensors[t + "attn.qkv." + wb].chunk(3)
                out[h + "attention.self.query." + wb] = q
                out[h + "attention.self.key." + wb] = k
                out[h + "attention.self.value." + wb] = v
                out[h + "attention.output.dense." + wb] = tensors[t + "attn.proj." + wb]
                out[h + "layernorm_after." + wb] = tensors[t + "norm2." + wb]
                out[h + "intermediate.dense." + wb] = tensors[t + "mlp.fc1." + wb]
                out[h + "output.dense." + wb] = tensors[t + "mlp.fc2." + wb]
            out[h + "attention.self.relative_position_bias_table"] = tensors[t + "attn.relative_position_bias_table"]
            c = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
            rel = (c[:, :, None] - c[:, None, :]).permute(1, 2, 0) + (ws - 1)
            out[h + "attention.self.relative_position_index"] = (rel[:, :, 0] * (2 * ws - 1) + rel[:, :, 1]).float()
        if s > 0:
            for n in ["norm.weight", "norm.bias", "reduction.weight"]:
                out["swin.encoder.layers.%d.downsample.%s" % (s - 1, n)] = tensors["layers.%d.downsample.%s" % (s, n)]
    for wb in ["weight", "bias"]:
        out["swin.layernorm." + wb] = tensors["norm." + wb]
        out["classifier." + wb] = tensors["head.fc." + wb]
    return out


def main(out):
    gen = torch.Generator().manual_seed(0)
    cfg = dict(ARGS, num_classes=CLASSES)
    model = tv.build(cfg)
    randomise(model, gen)
    files, labels = images(out, gen)
    tensors = tv.timm_state(model)
    os.makedirs(os.path.join(out, "timm"), exist_ok=True)
    os.makedirs(os.path.join(out, "hf"), exist_ok=True)
    tv.write_safetensors(os.path.join(out, "timm", "model.safetensors"), tensors)
    timm_cfg = {"architecture": "swin_micro_patch2_window4_32", "num_classes": CLASSES, "num_features": 32,
                "global_pool": "avg", "model_args": ARGS,
                "pretrained_cfg": {"input_size": [3, 32, 32], "interpolation": "bicubic", "crop_pct": 1.0,
                                   "crop_mode": "center", "mean": MEAN, "std": STD, "num_classes": CLASSES,
                                   "first_conv": "patch_embed.proj", "classifier": "head.fc"}}
    with open(os.path.join(out, "timm", "config.json"), "w") as f:
        json.dump(timm_cfg, f, indent=2)
    tv.write_safetensors(os.path.join(out, "hf", "model.safetensors"), hf_state(tensors))
    hf_cfg = {"architectures": ["SwinForImageClassification"], "model_type": "swin", "image_size": 32,
              "patch_size": 2, "num_channels": 3, "embed_dim": 8, "depths": ARGS["depths"],
              "num_heads": ARGS["num_heads"], "window_size": 4, "mlp_ratio": 4.0, "hidden_act": "gelu",
              "layer_norm_eps": 1e-5, "id2label": {str(c): "class_%02d" % c for c in range(CLASSES)},
              "label2id": {"class_%02d" % c: c for c in range(CLASSES)}}
    with open(os.path.join(out, "hf", "config.json"), "w") as f:
        json.dump(hf_cfg, f, indent=2)
    with open(os.path.join(out, "hf", "preprocessor_config.json"), "w") as f:
        json.dump({"do_normalize": True, "do_resize": False, "image_mean": MEAN, "image_std": STD,
                   "size": {"height": 32, "width": 32}}, f, indent=2)

    model = model.double()
    x = tv.read_images(os.path.join(out, "images"), files, MEAN, STD)
    seen, gelu, logits = observe(model, x)
    stats = []
    for g in gelu:
        flat = g.reshape(-1, g.shape[-1])
        stats.append((flat.mean(0).tolist(), flat.var(0, unbiased=False).tolist()))
    stages = {"embed": seen[0][STAGE_IMAGES]}
    for b, y in enumerate(seen[1:]):
        stages["block.%d" % b] = y[STAGE_IMAGES]
    stages["logits"] = logits[STAGE_IMAGES]
    tv.write_safetensors(os.path.join(out, "stages.safetensors"), stages)

    expected = {"generated_by": "src/test/resources/python/swin_reference.py (torchvision %s, float64)"
                % __import__("torchvision").__version__,
                "files": files, "labels": labels, "stage_images": STAGE_IMAGES, "logits": logits.tolist(),
                "mlp_mean": [m for m, _ in stats], "mlp_var": [v for _, v in stats]}
    for name, ratio, global_mode in [("pruned_block_0.3", 0.3, False), ("pruned_global_0.6", 0.6, True)]:
        pruned, widths = prune(tensors, stats, ratio, global_mode)
        pm = tv.load_timm(tv.build(cfg, widths), pruned).double()
        with torch.no_grad():
            expected[name] = {"widths": widths, "logits": pm(x).tolist()}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main(sys.argv[1])
