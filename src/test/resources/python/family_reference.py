"""Independent logits of a Swin, ConvNeXt or LayerScale ViT export, for OnnxFamiliesTest.

usage (run by the test; Debian's python3-torch and python3-torchvision, nothing else):

    /usr/bin/python3 src/test/resources/python/family_reference.py MODEL_DIR X.safetensors OUT.safetensors [...]

(one run for any number of such triples: importing torch dominates). MODEL_DIR is an export (timm-named F32 model.safetensors, config.json with family and model_args);
X.safetensors holds "x" [N, C, H, W]; OUT.safetensors receives "logits" [N, K].

Swin and ConvNeXt run torchvision's own implementations (torchvision.models.swin_transformer /
convnext, v1) with the timm-named weights mapped onto torchvision's module names and each block's
MLP replaced by Linear layers of the exported (pruned) widths. torchvision pads a grid smaller than
the window instead of shrinking the window as timm does, so only grids that are whole windows at
every stage are comparable. torchvision has no ViT with LayerScale, so that family is written out
here from timm's vision_transformer.py (pos_embed on every token or on the patches only
(no_embed_class), pre-norm blocks, ls1/ls2 gammas, final norm before pooling or fc_norm after it,
exact GELU).
"""
import json
import os
import sys

import torch
from torch import nn
from torch.nn import functional as F

from vbp_torch import read_safetensors, write_safetensors  # tools/ is on PYTHONPATH


def swin(cfg, args, state):
    from torchvision.models.swin_transformer import SwinTransformer
    depths = args["depths"]
    model = SwinTransformer(patch_size=[args["patch_size"]] * 2, embed_dim=args["embed_dim"], depths=depths,
                            num_heads=args["num_heads"], window_size=[args["window_size"]] * 2,
                            stochastic_depth_prob=0.0, num_classes=cfg["num_classes"])
    own = model.state_dict()
    mapped = {"features.0.0.weight": state["patch_embed.proj.weight"],
              "features.0.0.bias": state["patch_embed.proj.bias"],
              "features.0.2.weight": state["patch_embed.norm.weight"],
              "features.0.2.bias": state["patch_embed.norm.bias"],
              "norm.weight": state["norm.weight"], "norm.bias": state["norm.bias"],
              "head.weight": state["head.fc.weight"], "head.bias": state["head.fc.bias"]}
    for s, depth in enumerate(depths):
        if s > 0:
            for t in ("norm.weight", "norm.bias", "reduction.weight"):
                mapped[f"features.{2 * s}.{t}"] = state[f"layers.{s}.downsample.{t}"]
        for j in range(depth):
            k, v = f"layers.{s}.blocks.{j}.", f"features.{2 * s + 1}.{j}."
            block = model.features[2 * s + 1][j]
            hidden, dim = state[k + "mlp.fc1.weight"].shape
            block.mlp[0], block.mlp[3] = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
            for t in ("norm1.weight", "norm1.bias", "attn.relative_position_bias_table", "attn.qkv.weight",
                      "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias", "norm2.weight", "norm2.bias"):
                mapped[v + t] = state[k + t]
            for timm_name, tv in (("fc1", "0"), ("fc2", "3")):
                for t in ("weight", "bias"):
                    mapped[f"{v}mlp.{tv}.{t}"] = state[f"{k}mlp.{timm_name}.{t}"]
            mapped[v + "attn.relative_position_index"] = own[v + "attn.relative_position_index"]
    model.load_state_dict(mapped, strict=True)
    return model


def convnext(cfg, args, state):
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    dims, depths = args["dims"], args["depths"]
    settings = [CNBlockConfig(d, dims[s + 1] if s + 1 < len(dims) else None, depths[s]) for s, d in enumerate(dims)]
    model = ConvNeXt(settings, stochastic_depth_prob=0.0, num_classes=cfg["num_classes"])
    mapped = {"features.0.0.weight": state["stem.0.weight"], "features.0.0.bias": state["stem.0.bias"],
              "features.0.1.weight": state["stem.1.weight"], "features.0.1.bias": state["stem.1.bias"],
              "classifier.0.weight": state["head.norm.weight"], "classifier.0.bias": state["head.norm.bias"],
              "classifier.2.weight": state["head.fc.weight"], "classifier.2.bias": state["head.fc.bias"]}
    for s, depth in enumerate(depths):
        if s > 0:
            for i in ("0", "1"):
                for t in ("weight", "bias"):
                    mapped[f"features.{2 * s}.{i}.{t}"] = state[f"stages.{s}.downsample.{i}.{t}"]
        for j in range(depth):
            k, v = f"stages.{s}.blocks.{j}.", f"features.{2 * s + 1}.{j}."
            block = model.features[2 * s + 1][j]
            hidden, dim = state[k + "mlp.fc1.weight"].shape
            block.block[3], block.block[5] = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
            gamma = state.get(k + "gamma", torch.ones(dim))
            mapped[v + "layer_scale"] = gamma.reshape(dim, 1, 1)
            for timm_name, tv in (("conv_dw", "0"), ("norm", "2"), ("mlp.fc1", "3"), ("mlp.fc2", "5")):
                for t in ("weight", "bias"):
                    mapped[f"{v}block.{tv}.{t}"] = state[f"{k}{timm_name}.{t}"]
    model.load_state_dict(mapped, strict=True)
    model.classifier[0].eps = float(cfg.get("head_norm_eps", 1e-6))  # Hugging Face's head norm has its own
    return model


class Vit(nn.Module):
    """timm's VisionTransformer.forward over the state dict (class-token or avg pooling, LayerScale, fc_norm)."""

    def __init__(self, cfg, args, state):
        super().__init__()
        self.s, self.args = state, args
        self.eps = float(cfg.get("layer_norm_eps", 1e-6))
        self.pool = cfg.get("global_pool", "token")
        self.depth = args["depth"]

    def ln(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.s[name + ".weight"], self.s[name + ".bias"], self.eps)

    def lin(self, x, name):
        return F.linear(x, self.s[name + ".weight"], self.s[name + ".bias"])

    def forward(self, images):
        s, heads, p = self.s, self.args["num_heads"], self.args["patch_size"]
        x = F.conv2d(images, s["patch_embed.proj.weight"], s["patch_embed.proj.bias"], stride=p)
        x = x.flatten(2).transpose(1, 2)
        cls = s["cls_token"].expand(x.shape[0], -1, -1)
        if s["pos_embed"].shape[1] == x.shape[1]:  # timm's no_embed_class: the patches' positions only
            x = torch.cat([cls, x + s["pos_embed"]], dim=1)
        else:
            x = torch.cat([cls, x], dim=1) + s["pos_embed"]
        b_, t, d = x.shape
        for b in range(self.depth):
            k = f"blocks.{b}."
            qkv = self.lin(self.ln(x, k + "norm1"), k + "attn.qkv").reshape(b_, t, 3, heads, d // heads)
            q, kk, v = qkv.permute(2, 0, 3, 1, 4)
            attn = ((q * (d // heads) ** -0.5) @ kk.transpose(-2, -1)).softmax(-1)
            a = self.lin((attn @ v).transpose(1, 2).reshape(b_, t, d), k + "attn.proj")
            x = x + a * s.get(k + "ls1.gamma", 1.0)
            m = self.lin(F.gelu(self.lin(self.ln(x, k + "norm2"), k + "mlp.fc1")), k + "mlp.fc2")
            x = x + m * s.get(k + "ls2.gamma", 1.0)
        fc_norm = "fc_norm.weight" in s
        if not fc_norm:
            x = self.ln(x, "norm")
        x = x[:, 1:].mean(1) if self.pool == "avg" else x[:, 0]
        if fc_norm:
            x = self.ln(x, "fc_norm")
        return self.lin(x, "head")


def main():
    args = sys.argv[1:]
    if not args or len(args) % 3:
        sys.exit(__doc__)
    for i in range(0, len(args), 3):
        run(*args[i:i + 3])


def run(model_dir, inputs, output):
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    state = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    build = {"swin": swin, "convnext": convnext, "vit": Vit}[cfg["family"]]
    model = build(cfg, cfg["model_args"], state).eval()
    x = next(iter(read_safetensors(inputs).values()))
    with torch.no_grad():
        logits = model(x)
    write_safetensors(output, {"logits": logits})


if __name__ == "__main__":
    main()
