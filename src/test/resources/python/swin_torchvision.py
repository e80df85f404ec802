"""torchvision 0.14's SwinTransformer as an independent Swin v1 for the tests, with timm's names.

Shared by swin_reference.py (which writes fixtures/swin-micro) and swin_export_check.py (which loads
an exported, pruned model at test time). torchvision computes what timm 1.0 computes wherever every
stage's grid is a whole number of windows or equal to the window (it pads where timm shrinks the
window), which swin-micro's grids (16, 8, 4 with window 4) are.

timm -> torchvision names:
    patch_embed.proj / patch_embed.norm          features.0.0 / features.0.2
    layers.S.downsample.{norm,reduction} (S>=1)  features.(2S).{norm,reduction}
    layers.S.blocks.J.{norm1,attn.*,norm2}       features.(2S+1).J.{norm1,attn.*,norm2}
    layers.S.blocks.J.mlp.fc1 / mlp.fc2          features.(2S+1).J.mlp.0 / mlp.3
    norm / head.fc                               norm / head
"""
import re

import torch
from torchvision.models.swin_transformer import SwinTransformer


def build(cfg, widths=None):
    """torchvision's model for a timm model_args dict; `widths` replaces each block's MLP hidden width."""
    m = SwinTransformer(patch_size=[cfg["patch_size"]] * 2, embed_dim=cfg["embed_dim"], depths=cfg["depths"],
                        num_heads=cfg["num_heads"], window_size=[cfg["window_size"]] * 2,
                        num_classes=cfg["num_classes"])
    if widths is not None:
        b = 0
        for s, depth in enumerate(cfg["depths"]):
            for j in range(depth):
                mlp = m.features[2 * s + 1][j].mlp
                dim = mlp[0].in_features
                mlp[0] = torch.nn.Linear(dim, widths[b])
                mlp[3] = torch.nn.Linear(widths[b], dim)
                b += 1
    return m.eval()


def torchvision_name(timm):
    rules = [
        (r"patch_embed\.proj\.(.*)", lambda g: "features.0.0." + g[0]),
        (r"patch_embed\.norm\.(.*)", lambda g: "features.0.2." + g[0]),
        (r"layers\.(\d+)\.downsample\.(.*)", lambda g: "features.%d.%s" % (2 * int(g[0]), g[1])),
        (r"layers\.(\d+)\.blocks\.(\d+)\.mlp\.fc1\.(.*)", lambda g: "features.%d.%s.mlp.0.%s" % (2 * int(g[0]) + 1, g[1], g[2])),
        (r"layers\.(\d+)\.blocks\.(\d+)\.mlp\.fc2\.(.*)", lambda g: "features.%d.%s.mlp.3.%s" % (2 * int(g[0]) + 1, g[1], g[2])),
        (r"layers\.(\d+)\.blocks\.(\d+)\.(.*)", lambda g: "features.%d.%s.%s" % (2 * int(g[0]) + 1, g[1], g[2])),
        (r"norm\.(.*)", lambda g: "norm." + g[0]),
        (r"head\.fc\.(.*)", lambda g: "head." + g[0]),
    ]
    for pattern, name in rules:
        match = re.fullmatch(pattern, timm)
        if match:
            return name(match.groups())
    raise KeyError(timm)


def load_timm(model, tensors):
    """Loads timm-named tensors; every parameter of the model must be given (buffers are its own)."""
    state = {torchvision_name(k): v for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("relative_position_index")]
    if missing or unexpected:
        raise ValueError("missing %s, unexpected %s" % (missing, unexpected))
    return model


def timm_state(model):
    """The model's parameters under timm's names, in timm's order (buffers left out)."""
    out = {}
    for timm in timm_names(model):
        out[timm] = model.state_dict()[torchvision_name(timm)]
    return out


def timm_names(model):
    depths = [len(model.features[2 * s + 1]) for s in range((len(model.features) + 1) // 2)]
    names = ["patch_embed.proj.weight", "patch_embed.proj.bias", "patch_embed.norm.weight", "patch_embed.norm.bias"]
    for s, depth in enumerate(depths):
        if s > 0:
            names += ["layers.%d.downsample.norm.weight" % s, "layers.%d.downsample.norm.bias" % s,
                      "layers.%d.downsample.reduction.weight" % s]
        for j in range(depth):
            k = "layers.%d.blocks.%d." % (s, j)
            names += [k + n for n in ["norm1.weight", "norm1.bias", "attn.relative_position_bias_table",
                                       "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
                                       "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias",
                                       "mlp.fc2.weight", "mlp.fc2.bias"]]
    return names + ["norm.weight", "norm.bias", "head.fc.weight", "head.fc.bias"]


def read_safetensors(path):
    """F32 safetensors, read with the standard library (no safetensors package on Debian)."""
    import json
    import struct
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise ValueError(name + ": " + e["dtype"])
        start, end = e["data_offsets"]
        buf = bytearray(data[8 + n + start:8 + n + end])
        out[name] = torch.frombuffer(buf, dtype=torch.float32).reshape(e["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    import json
    import struct
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_images(root, files, mean, std):
    """PNGs as normalised [B, 3, H, W] float64 (crop_pct 1.0 at the input size: nothing else to do)."""
    import numpy as np
    from PIL import Image
    x = np.stack([np.asarray(Image.open(root + "/" + f).convert("RGB"), dtype=np.float64) / 255.0 for f in files])
    x = (x - np.array(mean)) / np.array(std)
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
