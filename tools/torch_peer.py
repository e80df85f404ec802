#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The program a researcher would otherwise run: a VBP Studio export timed in PyTorch eager.

Builds the export's architecture from plain torch and torchvision (no timm), loads its timm-named
``model.safetensors`` and times the forward pass, so that ``bench --peer torch`` can set the Java
engine's figures beside it. The families, each with per-block MLP widths (pruned exports):
  * ViT / DeiT: tools/vbp_torch.py's plain-torch module (torchvision's VisionTransformer cannot
    take per-block widths);
  * Swin (v1): torchvision's SwinTransformer; a stage whose grid is smaller than the window uses
    the grid as its window and never shifts, as timm does (torchvision would pad instead);
  * ConvNeXt (v1): torchvision's ConvNeXt.

    /usr/bin/python3 tools/torch_peer.py --model DIR --batch 32 --threads 2 --iterations 10 \
        [--warmup 3] [--inputs X.safetensors] [--logits LOGITS.safetensors]
    /usr/bin/python3 tools/torch_peer.py --model DIR --batch 32 --threads 2 --images FOLDER \
        --task stats|predict [--limit N] [--stats-output S.safetensors]

The second form is the folder mode (tools/peer_folder.py): a user of the paper's code collecting
the statistics (or predicting) over the images ``stats`` (``predict``) reads.

Prints one JSON object: per-iteration ``seconds``, ``median_s``, ``images_per_s``,
``ms_per_batch``, ``peak_rss_mb`` (bytes / 1e6), ``threads``, ``torch`` and ``blas`` (the BLAS
library torch loaded: Debian's torch calls the generic ``libblas.so.3``, the reference BLAS unless
an optimised one such as libopenblas0-pthread is installed). ``--inputs`` (one float tensor
[N, C, H, W], N >= batch) gives the batch (default: a fixed random normal one); ``--logits``
writes the logits of that batch. Exit status 2 and one line on stderr for bad input.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
from torch import nn

import vbp_torch


def _mlp_widths(args, depth, default):
    widths = list(args.get("mlp_hidden_dims", default))
    if len(widths) != depth:
        raise ValueError(f"model_args.mlp_hidden_dims has {len(widths)} widths for {depth} blocks")
    return widths


def _check_covered(model, mapped, state, fixed=()):
    """Every parameter of the torchvision model (but ``fixed``) comes from one tensor of the export, and all are used."""
    params = {k for k, _ in model.named_parameters()}
    missing = params - set(mapped) - set(fixed)
    unused = set(state) - set(mapped.values())
    if missing or unused:
        raise ValueError(f"tensors do not fit the architecture (unfilled: {sorted(missing)[:3]}, unused: {sorted(unused)[:3]})")
    sd = model.state_dict()
    for tv, timm in mapped.items():
        t = state[timm]
        if t.numel() != sd[tv].numel():
            raise ValueError(f"{timm}: shape {list(t.shape)} does not fit {list(sd[tv].shape)}")
        sd[tv] = t.reshape(sd[tv].shape)
    model.load_state_dict(sd, strict=True)


def swin(cfg, state):
    from torchvision.models.swin_transformer import SwinTransformer
    a = cfg["model_args"]
    depths, heads, window = list(a["depths"]), list(a["num_heads"]), int(a["window_size"])
    patch, dim, img = int(a["patch_size"]), int(a["embed_dim"]), int(a["img_size"])
    widths = _mlp_widths(a, sum(depths), [4 * (dim << s) for s, d in enumerate(depths) for _ in range(d)])
    m = SwinTransformer([patch, patch], dim, depths, heads, [window, window], stochastic_depth_prob=0.0,
                        num_classes=int(cfg["num_classes"]))
    m.features[0][0] = nn.Conv2d(int(a.get("in_chans", 3)), dim, patch, patch)
    eps = float(cfg.get("layer_norm_eps", 1e-5))
    mapped = {"features.0.0.weight": "patch_embed.proj.weight", "features.0.0.bias": "patch_embed.proj.bias",
              "features.0.2.weight": "patch_embed.norm.weight", "features.0.2.bias": "patch_embed.norm.bias",
              "norm.weight": "norm.weight", "norm.bias": "norm.bias",
              "head.weight": "head.fc.weight", "head.bias": "head.fc.bias"}
    b = 0
    for s, depth in enumerate(depths):
        c, grid = dim << s, (img // patch) >> s
        if s > 0:
            for p in ("norm.weight", "norm.bias", "reduction.weight"):
                mapped[f"features.{2 * s}.{p}"] = f"layers.{s}.downsample.{p}"
        for j in range(depth):
            blk = m.features[2 * s + 1][j]
            if grid < window:  # timm: the whole grid is one window, unshifted
                blk.attn.window_size, blk.attn.shift_size = [grid, grid], [0, 0]
                blk.attn.define_relative_position_bias_table()
                blk.attn.define_relative_position_index()
            blk.mlp[0], blk.mlp[3] = nn.Linear(c, widths[b]), nn.Linear(widths[b], c)
            tv, tm = f"features.{2 * s + 1}.{j}.", f"layers.{s}.blocks.{j}."
            for p in ("norm1", "attn.qkv", "attn.proj", "norm2"):
                mapped[tv + p + ".weight"], mapped[tv + p + ".bias"] = tm + p + ".weight", tm + p + ".bias"
            mapped[tv + "attn.relative_position_bias_table"] = tm + "attn.relative_position_bias_table"
            for tvn, tmn in (("mlp.0", "mlp.fc1"), ("mlp.3", "mlp.fc2")):
                mapped[f"{tv}{tvn}.weight"], mapped[f"{tv}{tvn}.bias"] = f"{tm}{tmn}.weight", f"{tm}{tmn}.bias"
            b += 1
    for mod in m.modules():
        if isinstance(mod, nn.LayerNorm):
            mod.eps = eps
    _check_covered(m, mapped, state)
    return m


def convnext(cfg, state):
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    a = cfg["model_args"]
    depths, dims, patch = list(a["depths"]), list(a["dims"]), int(a.get("patch_size", 4))
    setting = [CNBlockConfig(d, dims[s + 1] if s + 1 < len(dims) else None, n) for s, (d, n) in enumerate(zip(dims, depths))]
    m = ConvNeXt(setting, stochastic_depth_prob=0.0, num_classes=int(cfg["num_classes"]))
    m.features[0][0] = nn.Conv2d(int(a.get("in_chans", 3)), dims[0], patch, patch)
    widths = _mlp_widths(a, sum(depths), [4 * d for d, n in zip(dims, depths) for _ in range(n)])
    eps = float(a.get("norm_eps", cfg.get("layer_norm_eps", 1e-6)))
    mapped = {"features.0.0.weight": "stem.0.weight", "features.0.0.bias": "stem.0.bias",
              "features.0.1.weight": "stem.1.weight", "features.0.1.bias": "stem.1.bias",
              "classifier.0.weight": "head.norm.weight", "classifier.0.bias": "head.norm.bias",
              "classifier.2.weight": "head.fc.weight", "classifier.2.bias": "head.fc.bias"}
    b, scaled, fixed = 0, any(k.endswith(".gamma") for k in state), []
    for s, depth in enumerate(depths):
        c = dims[s]
        if s > 0:
            for i in (0, 1):
                for p in ("weight", "bias"):
                    mapped[f"features.{2 * s}.{i}.{p}"] = f"stages.{s}.downsample.{i}.{p}"
        for j in range(depth):
            blk = m.features[2 * s + 1][j]
            blk.block[3], blk.block[5] = nn.Linear(c, widths[b]), nn.Linear(widths[b], c)
            tv, tm = f"features.{2 * s + 1}.{j}.", f"stages.{s}.blocks.{j}."
            for tvn, tmn in (("block.0", "conv_dw"), ("block.2", "norm"), ("block.3", "mlp.fc1"), ("block.5", "mlp.fc2")):
                mapped[f"{tv}{tvn}.weight"], mapped[f"{tv}{tvn}.bias"] = f"{tm}{tmn}.weight", f"{tm}{tmn}.bias"
            if scaled:
                mapped[tv + "layer_scale"] = tm + "gamma"
            else:  # timm without ls_init_value has no gamma: the branch is scaled by one
                with torch.no_grad():
                    blk.layer_scale.fill_(1.0)
                fixed.append(tv + "layer_scale")
            b += 1
    for mod in m.modules():
        if isinstance(mod, nn.LayerNorm):
            mod.eps = eps
    m.classifier[0].eps = float(cfg.get("head_norm_eps", eps))  # Hugging Face's final LayerNorm keeps its own
    _check_covered(m, mapped, state, fixed)
    return m


def _family_of(directory):
    """The family a timm hub config without our ``family`` field describes, from its tensor names."""
    with open(os.path.join(directory, vbp_torch.WEIGHTS), "rb") as f:
        names = json.loads(f.read(int.from_bytes(f.read(8), "little")).decode("utf-8"))
    if "stem.0.weight" in names:
        return "convnext"
    return "swin" if "layers.0.blocks.0.attn.relative_position_bias_table" in names else "vit"


def load(directory):
    """The export in ``directory`` as an eval-mode torch module, by config.json's ``family``."""
    with open(os.path.join(directory, vbp_torch.CONFIG), encoding="utf-8") as f:
        cfg = json.load(f)
    family = cfg.get("family") or _family_of(directory)
    cfg["family"] = family
    if family == "vit":
        return vbp_torch.load(directory, backend="own"), cfg
    state = vbp_torch.read_safetensors(os.path.join(directory, vbp_torch.WEIGHTS))
    builders = {"swin": swin, "convnext": convnext}
    if family not in builders:
        raise ValueError(f"family '{family}' is not one of vit, swin, convnext")
    return builders[family](cfg, state).eval(), cfg


def blas_library():
    """The BLAS shared library this process has mapped (torch loads it on its first matrix product)."""
    libs = set()
    with open("/proc/self/maps", encoding="utf-8") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in os.path.basename(path).lower() or "openblas" in path or "/mkl" in path:
                libs.add(path)
    return ", ".join(sorted(libs)) if libs else "none mapped"


def time_forward(model, x, warmup, iterations):
    seconds = []
    with torch.inference_mode():
        for i in range(warmup + iterations):
            t0 = time.perf_counter()
            model(x)
            if i >= warmup:
                seconds.append(time.perf_counter() - t0)
    return seconds


def main(argv=None):
    p = argparse.ArgumentParser(description="Time a VBP Studio export in PyTorch eager.")
    p.add_argument("--model", required=True, help="export directory (model.safetensors + config.json, timm names)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch.set_num_threads (intra-op)")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--inputs", help="X.safetensors: one float tensor [N, C, H, W]; the first --batch images are timed")
    p.add_argument("--logits", help="LOGITS.safetensors: the logits of the timed batch")
    p.add_argument("--images", help="folder mode: an image folder, read as `stats --calibration` reads it")
    p.add_argument("--task", choices=("stats", "predict"), default="predict", help="folder mode: what to run")
    p.add_argument("--limit", type=int, default=0, help="folder mode: every (size / N)-th image only (0: all)")
    p.add_argument("--stats-output", help="folder mode, stats: S.safetensors of every block's mean and variance")
    a = p.parse_args(argv)
    if a.batch < 1 or a.threads < 1 or a.iterations < 1 or a.warmup < 0:
        print("error: --batch, --threads and --iterations must be at least 1, --warmup at least 0", file=sys.stderr)
        return 2
    torch.set_num_threads(a.threads)
    try:
        model, cfg = load(a.model)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, json.JSONDecodeError) as e:
        print(f"error: {a.model}: cannot build the model ({str(e).splitlines()[0] if str(e) else type(e).__name__})",
              file=sys.stderr)
        return 2
    if a.images:
        return folder_mode(a, model, cfg)
    c, size = cfg["pretrained_cfg"]["input_size"][0], cfg["pretrained_cfg"]["input_size"][1]
    if a.inputs:
        try:
            x = next(iter(vbp_torch.read_safetensors(a.inputs).values()))
        except (OSError, ValueError, KeyError, StopIteration, json.JSONDecodeError) as e:
            print(f"error: {a.inputs}: cannot read ({e})", file=sys.stderr)
            return 2
        if x.dim() != 4 or x.shape[0] < a.batch or list(x.shape[1:]) != [c, size, size]:
            print(f"error: {a.inputs}: shape {list(x.shape)} is not [>= {a.batch}, {c}, {size}, {size}]", file=sys.stderr)
            return 2
        x = x[:a.batch].contiguous()
    else:
        x = torch.randn(a.batch, c, size, size, generator=torch.Generator().manual_seed(0))
    seconds = time_forward(model, x, a.warmup, a.iterations)
    if a.logits:
        with torch.inference_mode():
            vbp_torch.write_safetensors(a.logits, {"logits": model(x)})
    median = statistics.median(seconds)
    print(json.dumps({
        "model": a.model, "family": cfg["family"], "batch": a.batch, "threads": torch.get_num_threads(),
        "seconds": seconds, "median_s": median, "ms_per_batch": median * 1e3, "images_per_s": a.batch / median,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
        "torch": torch.__version__, "blas": blas_library()}))
    return 0


def folder_mode(a, model, cfg):
    import peer_folder
    if a.limit < 0:
        print("error: --limit must be at least 0", file=sys.stderr)
        return 2
    try:
        report = peer_folder.run(model, cfg, a.images, a.limit, a.batch, a.task, a.stats_output)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {a.images}: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return 2
    report.update({"model": a.model, "family": cfg["family"], "batch": a.batch, "threads": torch.get_num_threads(),
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
                   "torch": torch.__version__, "blas": blas_library()})
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
