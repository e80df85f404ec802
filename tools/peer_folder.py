# SPDX-License-Identifier: Apache-2.0
"""torch_peer.py's folder mode: what a user of the paper's code runs, over the images `stats` and
`predict` read.

The images are listed as VBP Studio lists an image folder (class folders sorted, then relative paths
sorted) and ``--limit N`` takes every (size / N)-th of them, as ``stats --limit N`` does. They are
preprocessed with PIL and torchvision transforms as the model's timm config says (resize the short
side to floor(size / crop_pct), centre crop, normalise) and run through the model in eager mode,
batch by batch, on the main thread (a DataLoader without workers):

  * ``stats``: forward hooks on every block's GELU add the per-neuron sum and sum of squares of its
    output in float64, as the paper's code does; the variance is sum_sq / n - mean^2;
  * ``predict``: the plain forward pass, the arg-max kept.

Prints one JSON object: ``images``, ``seconds`` (the loop alone: reading, preprocessing, forward and
statistics, without the interpreter's and the model's start), ``images_per_s``, ``peak_rss_mb``.
``--stats-output F.safetensors`` writes per block ``blocks.B.mean`` and ``blocks.B.var`` (computed in float64,
stored as float32).
"""
import math
import os
import time

import torch
from torch import nn

import vbp_torch

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def list_images(root, limit):
    """Paths of the images VBP Studio reads from ``root`` with ``--limit limit`` (0: all)."""
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    names = []
    for c in classes:
        for base, dirs, files in os.walk(os.path.join(root, c), followlinks=True):
            names += [os.path.relpath(os.path.join(base, f), root) for f in files if f.lower().endswith(EXTENSIONS)]
    if not classes:  # a flat folder
        names = [f for f in os.listdir(root) if f.lower().endswith(EXTENSIONS)]
    names.sort()
    if 0 < limit < len(names):
        names = [names[i * len(names) // limit] for i in range(limit)]
    if not names:
        raise ValueError("no images")
    return [os.path.join(root, n) for n in names]


def transform(cfg):
    """timm's evaluation transform for the config's pretrained_cfg, from torchvision."""
    from torchvision import transforms
    p = cfg["pretrained_cfg"]
    size = int(p["input_size"][1])
    modes = {"bicubic": transforms.InterpolationMode.BICUBIC, "bilinear": transforms.InterpolationMode.BILINEAR,
             "nearest": transforms.InterpolationMode.NEAREST}
    return transforms.Compose([
        transforms.Resize(math.floor(size / float(p.get("crop_pct", 0.875))), interpolation=modes[p.get("interpolation", "bicubic")]),
        transforms.CenterCrop(size),
        transforms.ToTensor(),
        transforms.Normalize(p["mean"], p["std"])])


class Folder(torch.utils.data.Dataset):
    def __init__(self, paths, tf, channels):
        self.paths, self.tf, self.mode = paths, tf, "L" if channels == 1 else "RGB"

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        from PIL import Image
        with Image.open(self.paths[i]) as im:
            return self.tf(im.convert(self.mode))


class Moments:
    """Per block: token count, and the float64 sum and sum of squares of the GELU's output."""

    def __init__(self, model):
        acts = [m for m in model.modules() if isinstance(m, nn.GELU)]
        self.n = [0] * len(acts)
        self.s = [None] * len(acts)
        self.ss = [None] * len(acts)
        for b, act in enumerate(acts):
            act.register_forward_hook(self._hook(b))

    def _hook(self, b):
        def fold(module, inputs, out):
            h = out.reshape(-1, out.shape[-1]).double()
            s, ss = h.sum(0), (h * h).sum(0)
            self.n[b] += h.shape[0]
            self.s[b] = s if self.s[b] is None else self.s[b] + s
            self.ss[b] = ss if self.ss[b] is None else self.ss[b] + ss
        return fold

    def tensors(self):
        out = {}
        for b, n in enumerate(self.n):
            mean = self.s[b] / n
            out[f"blocks.{b}.mean"] = mean
            out[f"blocks.{b}.var"] = self.ss[b] / n - mean * mean
        return out


def run(model, cfg, images, limit, batch, task, stats_output=None):
    """Runs ``task`` over the folder; returns the JSON report's fields."""
    paths = list_images(images, limit)
    moments = Moments(model) if task == "stats" else None
    loader = torch.utils.data.DataLoader(Folder(paths, transform(cfg), int(cfg["pretrained_cfg"]["input_size"][0])), batch_size=batch, num_workers=0)
    t0 = time.perf_counter()
    predicted = []
    with torch.inference_mode():
        for x in loader:
            logits = model(x)
            predicted += logits.argmax(1).tolist()
    seconds = time.perf_counter() - t0
    if stats_output and moments is not None:
        vbp_torch.write_safetensors(stats_output, moments.tensors())
    return {"task": task, "images": len(paths), "seconds": seconds, "images_per_s": len(paths) / seconds,
            "predicted_first": predicted[:8]}
