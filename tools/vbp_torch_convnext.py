# SPDX-License-Identifier: Apache-2.0
"""timm's ConvNeXt (v1) in plain torch, with per-block MLP widths: vbp_torch.py loads ConvNeXt exports with it.

Parameter names are timm 1.0's (``stem.0``/``stem.1``, ``stages.S.downsample.0``/``.1`` opening stage
S > 0, ``head.norm``, ``head.fc``); activations channels-first [B, C, H, W]. ``model_args.ls_init_value:
null`` means no ``gamma`` (timm builds it only when set); the tensors decide, the config must agree.
LayerNorm eps: ``model_args.norm_eps`` (timm's default 1e-6); the head's own ``head_norm_eps`` when the
export records one (models read from Hugging Face keep theirs).
"""
import torch
from torch import nn

KERNEL = 7  # the depthwise convolution of every released ConvNeXt v1


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of [B, C, H, W]."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """x + gamma · fc2(GELU(fc1(norm(conv_dw(x))))), the MLP over channels at every position."""

    def __init__(self, dim, hidden, eps, layer_scale):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim)) if layer_scale else None
        self.conv_dw = nn.Conv2d(dim, dim, KERNEL, padding=KERNEL // 2, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x):
        y = self.mlp(self.norm(self.conv_dw(x).permute(0, 2, 3, 1)))
        if self.gamma is not None:
            y = y * self.gamma
        return x + y.permute(0, 3, 1, 2)


class Stage(nn.Module):
    def __init__(self, in_dim, dim, widths, eps, layer_scale, first):
        super().__init__()
        self.downsample = nn.Identity() if first else nn.Sequential(LayerNorm2d(in_dim, eps=eps),
                                                                    nn.Conv2d(in_dim, dim, 2, stride=2))
        self.blocks = nn.Sequential(*[Block(dim, h, eps, layer_scale) for h in widths])

    def forward(self, x):
        return self.blocks(self.downsample(x))


class Head(nn.Module):
    def __init__(self, dim, classes, eps):
        super().__init__()
        self.norm = LayerNorm2d(dim, eps=eps)
        self.fc = nn.Linear(dim, classes)

    def forward(self, x):
        return self.fc(self.norm(x.mean(dim=(2, 3), keepdim=True)).flatten(1))


class ConvNeXt(nn.Module):
    def __init__(self, a, widths, classes, eps, head_eps, layer_scale):
        super().__init__()
        depths, dims, p = a["depths"], a["dims"], a.get("patch_size", 4)
        self.stem = nn.Sequential(nn.Conv2d(a.get("in_chans", 3), dims[0], p, stride=p), LayerNorm2d(dims[0], eps=eps))
        starts = [sum(depths[:s]) for s in range(len(depths))]
        self.stages = nn.Sequential(*[Stage(dims[max(s - 1, 0)], dims[s], widths[starts[s]:starts[s] + d], eps,
                                            layer_scale, s == 0) for s, d in enumerate(depths)])
        self.head = Head(dims[-1], classes, head_eps)

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))


def build(cfg, state, check_widths):
    """The module for a ConvNeXt export's config.json and tensors (fc1 widths checked against mlp_hidden_dims)."""
    a = dict(cfg.get("model_args", {}))
    for key in ("depths", "dims"):
        if key not in a:
            raise ValueError(f"config.json has no model_args.{key}")
    if len(a["depths"]) != len(a["dims"]):
        raise ValueError(f"model_args.depths {a['depths']} and dims {a['dims']} differ in length")
    names = [f"stages.{s}.blocks.{j}.mlp.fc1.weight" for s, d in enumerate(a["depths"]) for j in range(d)]
    missing = [n for n in names if n not in state]
    if missing:
        raise ValueError(f"model_args.depths {a['depths']} need tensor {missing[0]}")
    widths = check_widths(a, [state[n].shape[0] for n in names])
    layer_scale = "stages.0.blocks.0.gamma" in state
    if "ls_init_value" in a and (a["ls_init_value"] is not None) != layer_scale:
        raise ValueError(f"model_args.ls_init_value {a['ls_init_value']} contradicts the tensors "
                         f"({'with' if layer_scale else 'without'} stages.S.blocks.J.gamma)")
    if a.get("conv_mlp"):
        raise ValueError("model_args.conv_mlp is true: exports write the MLP as linear layers (conv_mlp false)")
    eps = float(a.get("norm_eps") or 1e-6)
    head_eps = float(cfg.get("head_norm_eps", eps))
    return ConvNeXt(a, widths, state["head.fc.weight"].shape[0], eps, head_eps, layer_scale)
