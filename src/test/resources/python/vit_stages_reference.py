"""Independent per-stage reference of vit-micro's forward pass (so each stage is checked alone, not only the logits).

How it was run (from the repository root; Debian's python3-torch 1.13, nothing else):

    /usr/bin/python3 src/test/resources/python/vit_stages_reference.py \
        src/test/resources/fixtures/vit-micro src/test/resources/fixtures/vit-micro/stages.json

It reads the fixture's timm/model.safetensors, timm/config.json and PNG images with its own readers
(no PIL, no safetensors package, nothing from the Java code or from tools/), runs timm's
VisionTransformer.forward written out in plain torch in float64 (pre-norm blocks, qkv attention
with scale head_dim ** -0.5, exact erf GELU, LayerNorm eps 1e-6, class-token pooling; as timm's
vision_transformer.py), and writes, for a batch of three images, a summary of every stage:

    patch_embed             conv(patch) output as tokens             [B, N, D]
    embed                   cls token prepended, pos_embed added     [B, 1 + N, D]
    blocks.K.attn_residual  x + attn(norm1(x))                       [B, 1 + N, D]
    blocks.K.fc1            mlp.fc1(norm2(x))                        [B, 1 + N, H]
    blocks.K.gelu           GELU of it (the input of mlp.fc2)        [B, 1 + N, H]
    blocks.K.mlp_residual   the block's output                       [B, 1 + N, D]
    pre_logits              final norm of the class token            [B, D]
    logits                  head                                      [B, K]

Per image and stage: `head` (the first 16 values in row-major order), `sum`, `sum_sq`, `sum_abs`
and `probe` = sum_i x_i * cos(i) over the image's row-major values (i from 0), which a permuted or
transposed layout changes even where sum and sum_sq do not. Before writing, the script checks its
logits against expected.json's (the fixture's own float32 reference) for all 30 images.

usage: vit_stages_reference.py FIXTURE_DIR OUT.json
"""
import json
import math
import os
import struct
import sys
import zlib

import torch

IMAGES = [0, 7, 29]  # a batch of three images from classes 0, 1 and 4 (expected.json's file order)
HEAD = 16


def read_st(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e["dtype"]
        a, b = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(e["shape"]).double()
    return out


def read_png_rgb8(path):
    """An 8-bit RGB, non-interlaced PNG -> [H, W, 3] uint8 values (the five PNG filters)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color == 2 and interlace == 0, (path, depth, color, interlace)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride, bpp = w * 3, 3
    rows, prev, i = [], [0] * stride, 0
    for _ in range(h):
        ftype, line = raw[i], list(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            else:
                assert ftype == 0, ftype
        rows.append(line)
        prev = line
    return torch.tensor(rows, dtype=torch.float64).reshape(h, w, 3)


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)  # biased, as torch.nn.LayerNorm
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def forward(w, cfg, x, eps=1e-6):
    """timm VisionTransformer.forward, recording every stage in `stages` (name -> [B, ...])."""
    a = cfg["model_args"]
    d, heads, p = a["embed_dim"], a["num_heads"], a["patch_size"]
    stages = {}
    y = torch.nn.functional.conv2d(x, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=p)
    y = y.flatten(2).transpose(1, 2)  # [B, N, D]
    stages["patch_embed"] = y
    y = torch.cat([w["cls_token"].expand(y.shape[0], -1, -1), y], dim=1) + w["pos_embed"]
    stages["embed"] = y
    for k in range(a["depth"]):
        pre = f"blocks.{k}."
        h = layer_norm(y, w[pre + "norm1.weight"], w[pre + "norm1.bias"], eps)
        bsz, t, _ = h.shape
        qkv = (h @ w[pre + "attn.qkv.weight"].T + w[pre + "attn.qkv.bias"]).reshape(bsz, t, 3, heads, d // heads)
        q, kk, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        att = ((q * (d // heads) ** -0.5) @ kk.transpose(-2, -1)).softmax(-1)
        o = (att @ v).transpose(1, 2).reshape(bsz, t, d)
        y = y + (o @ w[pre + "attn.proj.weight"].T + w[pre + "attn.proj.bias"])
        stages[pre + "attn_residual"] = y
        h = layer_norm(y, w[pre + "norm2.weight"], w[pre + "norm2.bias"], eps)
        f = h @ w[pre + "mlp.fc1.weight"].T + w[pre + "mlp.fc1.bias"]
        stages[pre + "fc1"] = f
        g = gelu(f)
        stages[pre + "gelu"] = g
        y = y + (g @ w[pre + "mlp.fc2.weight"].T + w[pre + "mlp.fc2.bias"])
        stages[pre + "mlp_residual"] = y
    y = layer_norm(y, w["norm.weight"], w["norm.bias"], eps)[:, 0]
    stages["pre_logits"] = y
    stages["logits"] = y @ w["head.weight"].T + w["head.bias"]
    return stages


def summary(t):
    flat = t.reshape(-1)
    cos = torch.cos(torch.arange(flat.numel(), dtype=torch.float64))
    return {"head": flat[:HEAD].tolist(), "sum": flat.sum().item(), "sum_sq": (flat * flat).sum().item(),
            "sum_abs": flat.abs().sum().item(), "probe": (flat * cos).sum().item()}


def main(fixture, out):
    with open(os.path.join(fixture, "timm", "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(fixture, "expected.json")) as f:
        expected = json.load(f)
    w = read_st(os.path.join(fixture, "timm", "model.safetensors"))
    mean = torch.tensor(cfg["pretrained_cfg"]["mean"], dtype=torch.float64)
    std = torch.tensor(cfg["pretrained_cfg"]["std"], dtype=torch.float64)
    # crop_pct 1.0 and images of the input size: preprocessing is /255 and the per-channel normalisation
    pixels = torch.stack([((read_png_rgb8(os.path.join(fixture, "images", name)) / 255 - mean) / std).permute(2, 0, 1)
                          for name in expected["files"]])
    with torch.no_grad():
        all_logits = forward(w, cfg, pixels)["logits"]
        worst = (all_logits - torch.tensor(expected["logits"], dtype=torch.float64)).abs().max().item()
        assert worst < 1e-4, f"this forward pass disagrees with expected.json's logits by {worst}"
        stages = forward(w, cfg, pixels[IMAGES])
    doc = {
        "generated_by": "src/test/resources/python/vit_stages_reference.py (see its header), torch "
                        + torch.__version__ + ", float64",
        "model": "timm/model.safetensors",
        "files": [expected["files"][i] for i in IMAGES],
        "indices": IMAGES,
        "logits_vs_expected_json_max_abs": worst,
        "summary": "per image: head = first " + str(HEAD) + " values (row-major), sum, sum_sq, sum_abs, "
                   "probe = sum_i x_i cos(i)",
        "stages": [{"name": name, "shape": list(t.shape), "images": [summary(t[i]) for i in range(t.shape[0])]}
                   for name, t in stages.items()],
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(stages)} stages for images {IMAGES}; logits within {worst:.2e} of expected.json")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
