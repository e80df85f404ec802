#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Rebuild a VBP Studio export as a plain PyTorch module, with nothing but torch installed.

An export is a directory with timm-named F32 ``model.safetensors`` and a timm-style
``config.json`` whose ``family`` (vit, swin or convnext; absent in older exports: vit) names the
architecture and whose ``model_args.mlp_hidden_dims`` lists every block's kept MLP width (pruning
makes them differ per block, which timm's own constructors cannot express).

    import vbp_torch
    model = vbp_torch.load("/tmp/vit-half")          # eval mode
    logits = model(pixels)                           # pixels: float [N, C, H, W], preprocessed

Command line (X: a float tensor [N, C, H, W] saved with torch.save, already preprocessed as the
export's ``pretrained_cfg`` says; ``.safetensors`` files holding one tensor work too):

    python3 tools/vbp_torch.py --model DIR --inputs X.pt --output LOGITS.pt

Copy vbp_torch_swin.py and vbp_torch_convnext.py beside this file for Swin and ConvNeXt exports
(plain torch modules with timm's parameter names). For a ViT, with timm installed the model is
timm's own ``VisionTransformer`` (``VisionTransformerDistilled`` for DeiT's distillation token) with
each block's ``mlp.fc1``/``mlp.fc2`` replaced by Linear layers of the exported shapes; without it,
the small module below computes the same thing. Pass ``backend="own"`` (``--backend own``) to force
the latter.

What has to match the project's ViT forward pass exactly:
  * LayerNorm eps: timm's 1e-6, unless config.json records ``layer_norm_eps`` (exports of
    Hugging Face models keep theirs, typically 1e-12);
  * ``global_pool: avg`` without ``fc_norm`` averages the patch tokens AFTER the final ``norm``;
    with ``fc_norm`` (``fc_norm.*`` tensors, no ``norm.*``) the pooled vector is normalised instead;
  * DeiT III: ``blocks.N.ls1.gamma`` / ``ls2.gamma`` scale the attention and MLP branches, and
    ``no_embed_class`` adds ``pos_embed`` (patches only) before the class token is prepended;
  * distilled DeiT (``dist_token``, ``head_dist``): the two heads' logits are averaged, as timm does
    at inference;
  * GELU is the exact (erf) one;
  * head-pruned exports: ``model_args.num_heads`` is a list (heads per block) with ``head_dim``; a
    block with h heads has 3·h·head_dim rows of ``attn.qkv`` and h·head_dim columns of ``attn.proj``.
"""
import argparse
import json
import math
import os
import struct
import sys

import torch
from torch import nn

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
           "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    """{name: tensor} of a safetensors file, parsed here so that only torch is needed."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {e['dtype']}")
        begin, end = e["data_offsets"]
        buf = bytearray(data[base + begin:base + end])  # a writable copy: frombuffer shares memory
        t = torch.frombuffer(buf, dtype=_DTYPES[e["dtype"]]) if buf else torch.empty(0, dtype=_DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).float() if t.is_floating_point() else t.reshape(e["shape"])
    return out


def write_safetensors(path, tensors):
    """Writes {name: tensor} as F32 safetensors (the test harness reads logits this way)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Config:
    """What config.json and the tensor shapes say about a ViT."""

    def __init__(self, cfg, state):
        if "vit.embeddings.cls_token" in state or "deit.embeddings.cls_token" in state:
            raise ValueError("Hugging Face names: this loader reads the project's exports (timm names);"
                             " export the model first (prune --ratio 0, or the onnx command)")
        args = cfg.get("model_args", {})
        proj = state["patch_embed.proj.weight"]
        self.embed_dim, self.in_chans, self.patch_size = proj.shape[0], proj.shape[1], proj.shape[2]
        depth = 0
        while f"blocks.{depth}.mlp.fc1.weight" in state:
            depth += 1
        self.mlp_hidden_dims = check_widths(args, [state[f"blocks.{b}.mlp.fc1.weight"].shape[0] for b in range(depth)])
        self.distilled = "dist_token" in state
        self.num_prefix_tokens = 2 if self.distilled else 1
        self.layer_scale = "blocks.0.ls1.gamma" in state
        if (args.get("init_values") is not None) != self.layer_scale:
            raise ValueError(f"model_args.init_values {args.get('init_values')} contradicts the tensors "
                             f"({'with' if self.layer_scale else 'without'} blocks.N.ls1.gamma)")
        self.no_embed_class = bool(args.get("no_embed_class", False))
        self.fc_norm = "fc_norm.weight" in state
        patches = state["pos_embed"].shape[1] - (0 if self.no_embed_class else self.num_prefix_tokens)
        grid = int(round(math.sqrt(patches)))
        if grid * grid != patches:
            raise ValueError(f"pos_embed's {state['pos_embed'].shape[1]} positions are not a square grid"
                             f" (no_embed_class {self.no_embed_class})")
        self.img_size = grid * self.patch_size
        self.num_classes = state["head.weight"].shape[0]
        if "num_heads" not in args:
            raise ValueError("config.json has no model_args.num_heads")
        self.head_dim, self.block_heads = block_heads(args, self.embed_dim, state, depth)
        self.num_heads = self.embed_dim // self.head_dim
        self.eps = float(cfg.get("layer_norm_eps", 1e-6))
        self.global_pool = cfg.get("global_pool", args.get("global_pool", "token"))
        if self.global_pool not in ("token", "avg"):
            raise ValueError(f"global_pool '{self.global_pool}' is not supported (token or avg)")


def block_heads(args, dim, state, depth):
    """(head_dim, heads of each block): num_heads is an int, or a list per block with head_dim beside it."""
    heads = args["num_heads"]
    if isinstance(heads, list):
        if "head_dim" not in args:
            raise ValueError("model_args.num_heads is a list per block: model_args.head_dim is needed")
        head_dim = int(args["head_dim"])
    else:
        head_dim = int(args.get("head_dim", dim // int(heads)))
    found = []
    for b in range(depth):
        width = state[f"blocks.{b}.attn.proj.weight"].shape[1]
        if width % head_dim:
            raise ValueError(f"blocks.{b}.attn.proj.weight has {width} input channels, not whole heads of {head_dim}")
        found.append(width // head_dim)
    if isinstance(heads, list) and [int(h) for h in heads] != found:
        raise ValueError(f"model_args.num_heads {heads} contradicts the attention tensors {found}")
    return head_dim, found


def check_widths(args, widths):
    """The fc1 widths, which model_args.mlp_hidden_dims must repeat when present."""
    if "mlp_hidden_dims" in args and list(args["mlp_hidden_dims"]) != widths:
        raise ValueError(f"model_args.mlp_hidden_dims {args['mlp_hidden_dims']} contradicts the fc1 tensors {widths}")
    return widths


class Attention(nn.Module):
    """timm's Attention with ``num_heads`` heads of ``head_dim`` channels (fewer than dim / head_dim once pruned)."""

    def __init__(self, dim, num_heads, head_dim):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = head_dim
        self.scale = head_dim ** -0.5
        self.qkv = nn.Linear(dim, 3 * num_heads * head_dim)
        self.proj = nn.Linear(num_heads * head_dim, dim)

    def forward(self, x):
        b, t, _ = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, t, self.num_heads * self.head_dim))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact (erf) GELU, as timm's default
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class LayerScale(nn.Module):
    """timm's ``ls1``/``ls2``: the branch times a learned per-channel ``gamma``."""

    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class Block(nn.Module):
    def __init__(self, dim, num_heads, hidden, eps, layer_scale=False, head_dim=None):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, num_heads, head_dim or dim // num_heads)
        self.ls1 = LayerScale(dim) if layer_scale else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, hidden)
        self.ls2 = LayerScale(dim) if layer_scale else nn.Identity()

    def forward(self, x):
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, in_chans, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class VisionTransformer(nn.Module):
    """timm's VisionTransformer (DeiT's distilled variant, DeiT III) with per-block MLP widths."""

    def __init__(self, c):
        super().__init__()
        d = c.embed_dim
        self.global_pool = c.global_pool
        self.num_prefix_tokens = c.num_prefix_tokens
        self.no_embed_class = c.no_embed_class
        self.patch_embed = PatchEmbed(c.in_chans, d, c.patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.dist_token = nn.Parameter(torch.zeros(1, 1, d)) if c.distilled else None
        positions = (c.img_size // c.patch_size) ** 2 + (0 if c.no_embed_class else c.num_prefix_tokens)
        self.pos_embed = nn.Parameter(torch.zeros(1, positions, d))
        self.blocks = nn.Sequential(*[Block(d, heads, h, c.eps, c.layer_scale, c.head_dim)
                                      for heads, h in zip(c.block_heads, c.mlp_hidden_dims)])
        self.norm = nn.Identity() if c.fc_norm else nn.LayerNorm(d, eps=c.eps)
        self.fc_norm = nn.LayerNorm(d, eps=c.eps) if c.fc_norm else nn.Identity()
        self.head = nn.Linear(d, c.num_classes)
        self.head_dist = nn.Linear(d, c.num_classes) if c.distilled else None

    def forward(self, x):
        x = self.patch_embed(x)
        prefix = [self.cls_token.expand(x.shape[0], -1, -1)]
        if self.dist_token is not None:
            prefix.append(self.dist_token.expand(x.shape[0], -1, -1))
        if self.no_embed_class:
            x = torch.cat(prefix + [x + self.pos_embed], dim=1)
        else:
            x = torch.cat(prefix + [x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        if self.head_dist is not None:
            return (self.head(x[:, 0]) + self.head_dist(x[:, 1])) / 2
        pooled = x[:, self.num_prefix_tokens:].mean(dim=1) if self.global_pool == "avg" else x[:, 0]
        return self.head(self.fc_norm(pooled))


def _timm_model(c):
    """timm's own classes, MLPs resized to the export; None when timm is not installed."""
    try:
        from functools import partial
        import timm.models.vision_transformer as tv
    except ImportError:
        return None
    kwargs = dict(img_size=c.img_size, patch_size=c.patch_size, in_chans=c.in_chans, num_classes=c.num_classes,
                  global_pool=c.global_pool, embed_dim=c.embed_dim, depth=len(c.mlp_hidden_dims),
                  num_heads=c.num_heads, qkv_bias=True, fc_norm=c.fc_norm, no_embed_class=c.no_embed_class,
                  init_values=1.0 if c.layer_scale else None, norm_layer=partial(nn.LayerNorm, eps=c.eps))
    if c.distilled:
        from timm.models.deit import VisionTransformerDistilled
        model = VisionTransformerDistilled(**kwargs)
    else:
        model = tv.VisionTransformer(**kwargs)
    for block, h, heads in zip(model.blocks, c.mlp_hidden_dims, c.block_heads):
        block.mlp.fc1 = nn.Linear(c.embed_dim, h)
        block.mlp.fc2 = nn.Linear(h, c.embed_dim)
        if heads != c.num_heads:  # timm's Attention assumes all heads: use ours for a pruned block
            block.attn = Attention(c.embed_dim, heads, c.head_dim)
    return model


def load(directory, backend="auto"):
    """The export in ``directory`` as a torch.nn.Module in eval mode (float32, CPU).

    backend: "auto" (timm for a ViT when installed, else the modules here), "timm" or "own".
    """
    state = read_safetensors(os.path.join(directory, WEIGHTS))
    with open(os.path.join(directory, CONFIG), encoding="utf-8") as f:
        cfg = json.load(f)
    family = cfg.get("family", "vit")
    if family in ("swin", "convnext"):
        if backend == "timm":
            raise ValueError(f"the timm backend covers ViTs only, not family {family}")
        import importlib
        model = importlib.import_module("vbp_torch_" + family).build(cfg, state, check_widths)
    elif family == "vit":
        c = Config(cfg, state)
        model = _timm_model(c) if backend in ("auto", "timm") else None
        if model is None and backend == "timm":
            raise ImportError("timm is not installed")
        if model is None:
            model = VisionTransformer(c)
    else:
        raise ValueError(f"config.json family '{family}' is not one of vit, swin, convnext")
    model.load_state_dict(state, strict=True)
    return model.eval()


def in_channels(model):
    """Input channels of any of the families' first convolution."""
    first = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    return first.in_channels


def _read_inputs(path):
    if path.endswith(".safetensors"):
        tensors = read_safetensors(path)
        if len(tensors) != 1:
            raise ValueError(f"{path}: expected one tensor, found {len(tensors)}")
        return next(iter(tensors.values()))
    x = torch.load(path, map_location="cpu")
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{path}: expected a tensor saved with torch.save, got {type(x).__name__}")
    return x


def main(argv=None):
    p = argparse.ArgumentParser(description="Run a VBP Studio export in plain PyTorch.")
    p.add_argument("--model", required=True, help="export directory (model.safetensors + config.json)")
    p.add_argument("--inputs", required=True, help="X.pt (torch.save of float [N, C, H, W], preprocessed) or X.safetensors")
    p.add_argument("--output", required=True, help="LOGITS.pt (torch.save of [N, K]) or LOGITS.safetensors")
    p.add_argument("--backend", choices=["auto", "timm", "own"], default="auto",
                   help="for a ViT, timm's VisionTransformer (auto: when installed) or this file's module")
    a = p.parse_args(argv)
    for path in (a.model, a.inputs):
        if not os.path.exists(path):
            print(f"error: {path}: does not exist", file=sys.stderr)
            return 2
    try:
        model = load(a.model, a.backend)
    except (OSError, ValueError, KeyError, RuntimeError, ImportError, json.JSONDecodeError) as e:
        print(f"error: {a.model}: cannot load ({str(e).splitlines()[0] if str(e) else type(e).__name__})", file=sys.stderr)
        return 2
    try:
        x = _read_inputs(a.inputs).float()
    except Exception as e:  # torch.load raises many kinds on a bad file
        print(f"error: {a.inputs}: cannot read ({str(e).splitlines()[0] if str(e) else type(e).__name__})", file=sys.stderr)
        return 2
    chans = in_channels(model)
    if x.dim() != 4 or x.shape[1] != chans:
        print(f"error: {a.inputs}: shape {list(x.shape)} is not [N, {chans}, H, W]", file=sys.stderr)
        return 2
    try:
        with torch.no_grad():
            logits = model(x)
    except (ValueError, RuntimeError) as e:  # e.g. a Swin export given another image size
        print(f"error: {a.inputs}: does not fit the model ({str(e).splitlines()[0]})", file=sys.stderr)
        return 2
    if a.output.endswith(".safetensors"):
        write_safetensors(a.output, {"logits": logits})
    else:
        torch.save(logits, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
