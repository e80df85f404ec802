"""Independent activations of one MLP neuron of vit-micro, for the inspect command's test.

    /usr/bin/python3 src/test/resources/python/neuron_reference.py FIXTURE_DIR BLOCK NEURON

Runs the float64 plain-torch forward pass of vit_stages_reference.py (its own safetensors and PNG
readers, timm's VisionTransformer written out; nothing from the Java code) over every image of the
fixture and prints one JSON object: for each image file, the post-GELU activation of neuron NEURON
of block BLOCK at the class token and at every patch, as rows x columns of the patch grid.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vit_stages_reference as ref  # noqa: E402


def main(fixture, block, neuron):
    with open(os.path.join(fixture, "timm", "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(fixture, "expected.json")) as f:
        files = json.load(f)["files"]
    w = ref.read_st(os.path.join(fixture, "timm", "model.safetensors"))
    mean = torch.tensor(cfg["pretrained_cfg"]["mean"], dtype=torch.float64)
    std = torch.tensor(cfg["pretrained_cfg"]["std"], dtype=torch.float64)
    pixels = torch.stack([((ref.read_png_rgb8(os.path.join(fixture, "images", name)) / 255 - mean) / std).permute(2, 0, 1)
                          for name in files])
    with torch.no_grad():
        g = ref.forward(w, cfg, pixels)[f"blocks.{block}.gelu"][:, :, neuron]  # [B, 1 + N]
    side = int(round((g.shape[1] - 1) ** 0.5))
    out = {"files": files, "cls": g[:, 0].tolist(), "grids": g[:, 1:].reshape(-1, side, side).tolist()}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
