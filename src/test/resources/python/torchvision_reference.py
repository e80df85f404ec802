"""Independent reference for Swin and ConvNeXt exports: torchvision 0.14's own models, in float64.

Run by interop/VbpTorchFamiliesTest (Debian's python3-torch 1.13 and python3-torchvision 0.14):

    /usr/bin/python3 src/test/resources/python/torchvision_reference.py EXPORT_DIR X.safetensors OUT.safetensors

reads the export's config.json (family swin or convnext, timm's model_args) and timm-named
model.safetensors, builds torchvision's SwinTransformer (v1) or ConvNeXt of that shape, replaces each
block's MLP Linear layers by ones of the exported widths (mlp_hidden_dims), copies the weights across
under torchvision's names, and writes the logits of the single [N, C, H, W] tensor in X.safetensors
to OUT.safetensors as "logits".

The two libraries differ where the code below says so: torchvision merges patches at the end of a
stage (timm at the start of the next), keeps ConvNeXt's layer scale as [C, 1, 1] and always has one
(ones stand in for a model without gamma), pads Swin grids smaller than the window (timm shrinks the
window: the tests keep every grid a multiple of the window or equal to it), and fixes ConvNeXt's
stem at 4×4.
"""
import json
import os
import sys

import torch
from torch import nn
from torchvision.models import convnext, swin_transformer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deit3_reference import write_st  # noqa: E402 (sibling reference)
from vit_stages_reference import read_st  # noqa: E402


def blocks(depths):
    return [(s, j) for s, d in enumerate(depths) for j in range(d)]


def swin(a, w, classes):
    m = swin_transformer.SwinTransformer([a["patch_size"]] * 2, a["embed_dim"], a["depths"], a["num_heads"],
                                         [a["window_size"]] * 2, num_classes=classes)
    sd = {"features.0.0.weight": w["patch_embed.proj.weight"], "features.0.0.bias": w["patch_embed.proj.bias"],
          "features.0.2.weight": w["patch_embed.norm.weight"], "features.0.2.bias": w["patch_embed.norm.bias"],
          "norm.weight": w["norm.weight"], "norm.bias": w["norm.bias"],
          "head.weight": w["head.fc.weight"], "head.bias": w["head.fc.bias"]}
    for s in range(1, len(a["depths"])):
        t, f = f"layers.{s}.downsample.", f"features.{2 * s}."  # torchvision: the end of stage s - 1
        sd.update({f + "norm.weight": w[t + "norm.weight"], f + "norm.bias": w[t + "norm.bias"],
                   f + "reduction.weight": w[t + "reduction.weight"]})
    for s, j in blocks(a["depths"]):
        t, f = f"layers.{s}.blocks.{j}.", f"features.{2 * s + 1}.{j}."
        mlp = m.features[2 * s + 1][j].mlp
        h, c = w[t + "mlp.fc1.weight"].shape
        mlp[0], mlp[3] = nn.Linear(c, h), nn.Linear(h, c)
        names = ["norm1.weight", "norm1.bias", "attn.relative_position_bias_table", "attn.qkv.weight",
                 "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias", "norm2.weight", "norm2.bias"]
        sd.update({f + n: w[t + n] for n in names})
        sd.update({f + "mlp.0.weight": w[t + "mlp.fc1.weight"], f + "mlp.0.bias": w[t + "mlp.fc1.bias"],
                   f + "mlp.3.weight": w[t + "mlp.fc2.weight"], f + "mlp.3.bias": w[t + "mlp.fc2.bias"]})
    return m, sd


def convnext_model(a, w, classes):
    depths, dims = a["depths"], a["dims"]
    assert a.get("patch_size", 4) == 4, "torchvision's ConvNeXt stem is 4x4"
    setting = [convnext.CNBlockConfig(dims[s], dims[s + 1] if s + 1 < len(dims) else None, depths[s])
               for s in range(len(depths))]
    m = convnext.ConvNeXt(setting, num_classes=classes)
    sd = {"features.0.0.weight": w["stem.0.weight"], "features.0.0.bias": w["stem.0.bias"],
          "features.0.1.weight": w["stem.1.weight"], "features.0.1.bias": w["stem.1.bias"],
          "classifier.0.weight": w["head.norm.weight"], "classifier.0.bias": w["head.norm.bias"],
          "classifier.2.weight": w["head.fc.weight"], "classifier.2.bias": w["head.fc.bias"]}
    for s in range(1, len(depths)):
        t, f = f"stages.{s}.downsample.", f"features.{2 * s}."
        sd.update({f + n: w[t + n] for n in ("0.weight", "0.bias", "1.weight", "1.bias")})
    for s, j in blocks(depths):
        t, f = f"stages.{s}.blocks.{j}.", f"features.{2 * s + 1}.{j}."
        block = m.features[2 * s + 1][j].block
        h, c = w[t + "mlp.fc1.weight"].shape
        block[3], block[5] = nn.Linear(c, h), nn.Linear(h, c)
        gamma = w.get(t + "gamma", torch.ones(c, dtype=torch.float64))
        sd.update({f + "layer_scale": gamma.view(c, 1, 1),
                   f + "block.0.weight": w[t + "conv_dw.weight"], f + "block.0.bias": w[t + "conv_dw.bias"],
                   f + "block.2.weight": w[t + "norm.weight"], f + "block.2.bias": w[t + "norm.bias"],
                   f + "block.3.weight": w[t + "mlp.fc1.weight"], f + "block.3.bias": w[t + "mlp.fc1.bias"],
                   f + "block.5.weight": w[t + "mlp.fc2.weight"], f + "block.5.bias": w[t + "mlp.fc2.bias"]})
    return m, sd


def main(export_dir, inputs, out):
    with open(os.path.join(export_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    w = read_st(os.path.join(export_dir, "model.safetensors"))
    build = {"swin": swin, "convnext": convnext_model}[cfg["family"]]
    m, sd = build(cfg["model_args"], w, cfg["num_classes"])
    m = m.double()
    for k, v in m.state_dict().items():
        if k.endswith("relative_position_index"):
            sd[k] = v  # a buffer torchvision computes itself (timm's is not saved)
    m.load_state_dict(sd, strict=True)
    x = next(iter(read_st(inputs).values()))
    with torch.no_grad():
        logits = m.eval()(x)
    write_st(out, {"logits": logits})


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
