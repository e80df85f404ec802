# SPDX-License-Identifier: Apache-2.0
"""timm's SwinTransformer (v1) in plain torch, with per-block MLP widths: vbp_torch.py loads Swin exports with it.

Parameter names are timm 1.0's (``layers.S.downsample`` opens stage S > 0, ``head.fc``), activations
channels-last [B, H, W, C]. Windows follow timm: a stage whose grid is not larger than the window
attends over the whole grid and never shifts; otherwise odd blocks shift by half a window.

Head-pruned exports keep ``model_args.num_heads`` per stage (the unpruned count: head width
d_h = stage width / num_heads) and list ``block_heads`` (per stage, the heads of each block): a block
with h heads has 3·h·d_h rows of ``attn.qkv``, h·d_h columns of ``attn.proj`` and h columns of
``attn.relative_position_bias_table``.
"""
import torch
from torch import nn
from torch.nn import functional as F


def window_partition(x, w):
    b, h, wd, c = x.shape
    x = x.view(b, h // w, w, wd // w, w, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, w * w, c)


def window_reverse(windows, w, h, wd):
    c = windows.shape[-1]
    x = windows.view(-1, h // w, wd // w, w, w, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, h, wd, c)


def relative_position_index(w):
    coords = torch.stack(torch.meshgrid(torch.arange(w), torch.arange(w), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (w - 1)
    return rel[:, :, 0] * (2 * w - 1) + rel[:, :, 1]


def shift_mask(grid, w, shift):
    """timm's attention mask: -100 between positions that the cyclic shift brought from different regions."""
    img = torch.zeros(1, grid, grid, 1)
    cnt = 0
    for hs in (slice(0, -w), slice(-w, -shift), slice(-shift, None)):
        for ws in (slice(0, -w), slice(-w, -shift), slice(-shift, None)):
            img[:, hs, ws, :] = cnt
            cnt += 1
    windows = window_partition(img, w).squeeze(-1)
    mask = windows.unsqueeze(1) - windows.unsqueeze(2)
    return mask.masked_fill(mask != 0, -100.0)


class WindowAttention(nn.Module):
    def __init__(self, dim, heads, w, head_dim):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        self.scale = head_dim ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * w - 1) ** 2, heads))
        self.register_buffer("relative_position_index", relative_position_index(w).view(-1), persistent=False)
        self.qkv = nn.Linear(dim, 3 * heads * head_dim)
        self.proj = nn.Linear(heads * head_dim, dim)

    def forward(self, x, mask):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        bias = self.relative_position_bias_table[self.relative_position_index].view(n, n, -1).permute(2, 0, 1)
        attn = (q * self.scale) @ k.transpose(-2, -1) + bias.unsqueeze(0)
        if mask is not None:
            windows = mask.shape[0]
            attn = (attn.view(-1, windows, self.heads, n, n) + mask.unsqueeze(1).unsqueeze(0)).view(-1, self.heads, n, n)
        return self.proj((attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, self.heads * self.head_dim))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class SwinBlock(nn.Module):
    def __init__(self, dim, heads, grid, w, shift, hidden, eps, head_dim):
        super().__init__()
        self.w, self.shift = w, shift
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = WindowAttention(dim, heads, w, head_dim)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, hidden)
        self.register_buffer("attn_mask", shift_mask(grid, w, shift) if shift else None, persistent=False)

    def forward(self, x):
        b, h, wd, c = x.shape
        y = self.norm1(x)
        if self.shift:
            y = torch.roll(y, shifts=(-self.shift, -self.shift), dims=(1, 2))
        y = window_reverse(self.attn(window_partition(y, self.w), self.attn_mask), self.w, h, wd)
        if self.shift:
            y = torch.roll(y, shifts=(self.shift, self.shift), dims=(1, 2))
        x = x + y
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    """timm 1.0's order of the 2×2 neighbours: (0,0), (1,0), (0,1), (1,1) as (row, column)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim, eps=eps)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        b, h, w, c = x.shape
        x = x.reshape(b, h // 2, 2, w // 2, 2, c).permute(0, 1, 3, 4, 2, 5).flatten(3)
        return self.reduction(self.norm(x))


class Stage(nn.Module):
    def __init__(self, s, a, widths, heads, eps):
        super().__init__()
        dim, grid, window = a["embed_dim"] << s, (a["img_size"] // a["patch_size"]) >> s, a["window_size"]
        w = min(window, grid)
        if grid % w:
            raise ValueError(f"stage {s}'s {grid}x{grid} grid is not a whole number of {w}x{w} windows")
        shift = window // 2 if grid > window else 0
        self.downsample = PatchMerging(dim // 2, eps) if s > 0 else nn.Identity()
        head_dim = dim // a["num_heads"][s]
        self.blocks = nn.Sequential(*[SwinBlock(dim, heads[j], grid, w, shift if j % 2 else 0, h, eps, head_dim)
                                      for j, h in enumerate(widths)])

    def forward(self, x):
        return self.blocks(self.downsample(x))


class PatchEmbed(nn.Module):
    def __init__(self, in_chans, dim, patch, eps):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)
        self.norm = nn.LayerNorm(dim, eps=eps)

    def forward(self, x):
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class Head(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.fc = nn.Linear(dim, classes)

    def forward(self, x):
        return self.fc(x.mean(dim=(1, 2)))


class SwinTransformer(nn.Module):
    def __init__(self, a, widths, classes, eps):
        super().__init__()
        depths = a["depths"]
        self.patch_embed = PatchEmbed(a.get("in_chans", 3), a["embed_dim"], a["patch_size"], eps)
        starts = [sum(depths[:s]) for s in range(len(depths))]
        heads = a.get("block_heads") or [[a["num_heads"][s]] * d for s, d in enumerate(depths)]
        if [len(h) for h in heads] != list(depths):
            raise ValueError(f"model_args.block_heads {heads} do not list a head count per block of depths {depths}")
        self.layers = nn.Sequential(*[Stage(s, a, widths[starts[s]:starts[s] + d], heads[s], eps)
                                      for s, d in enumerate(depths)])
        last = a["embed_dim"] << (len(depths) - 1)
        self.norm = nn.LayerNorm(last, eps=eps)
        self.head = Head(last, classes)
        self.img_size = a["img_size"]

    def forward(self, x):
        if x.shape[-2:] != (self.img_size, self.img_size):
            raise ValueError(f"input {list(x.shape)} is not {self.img_size}x{self.img_size} pixels")
        return self.head(self.norm(self.layers(self.patch_embed(x))))


def build(cfg, state, check_widths):
    """The module for a Swin export's config.json and tensors (fc1 widths checked against mlp_hidden_dims)."""
    a = dict(cfg.get("model_args", {}))
    for key in ("embed_dim", "depths", "num_heads", "window_size", "img_size", "patch_size"):
        if key not in a:
            raise ValueError(f"config.json has no model_args.{key}")
    if len(a["depths"]) != len(a["num_heads"]):
        raise ValueError(f"model_args.depths {a['depths']} and num_heads {a['num_heads']} differ in length")
    names = [f"layers.{s}.blocks.{j}.mlp.fc1.weight" for s, d in enumerate(a["depths"]) for j in range(d)]
    missing = [n for n in names if n not in state]
    if missing:
        raise ValueError(f"model_args.depths {a['depths']} need tensor {missing[0]}")
    widths = check_widths(a, [state[n].shape[0] for n in names])
    return SwinTransformer(a, widths, state["head.fc.weight"].shape[0], float(cfg.get("layer_norm_eps", 1e-5)))
