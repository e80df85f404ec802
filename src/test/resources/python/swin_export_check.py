"""Logits of an exported (pruned) Swin, computed by torchvision's independent SwinTransformer.

Builds torchvision's model from the export's config.json (model_args: embed_dim, depths, num_heads,
window_size, patch_size, and mlp_hidden_dims: each block's MLP Linear layers are replaced by ones of
the exported widths), loads the timm-named model.safetensors into it and prints, as one JSON list of
rows, its float64 logits for the images named in FILES (relative to IMAGES, normalised with the
config's pretrained_cfg mean and std). Run by SwinCommandTest at test time.

usage: swin_export_check.py MODEL_DIR IMAGES FILE...
"""
import json
import os
import sys

import torch

import swin_torchvision as tv


def main(model_dir, images, files):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    args = dict(cfg["model_args"], num_classes=cfg["num_classes"])
    model = tv.build(args, args["mlp_hidden_dims"])
    tv.load_timm(model, tv.read_safetensors(os.path.join(model_dir, "model.safetensors")))
    pre = cfg["pretrained_cfg"]
    x = tv.read_images(images, files, pre["mean"], pre["std"])
    with torch.no_grad():
        print(json.dumps(model.double()(x).tolist()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
