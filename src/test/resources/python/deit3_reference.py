"""Independent float64 reference for the LayerScale / fc_norm ViTs (timm's DeiT III and avg-pooled ViTs).

Generating the fixture (from the repository root; Debian's python3-torch 1.13, nothing else):

    /usr/bin/python3 src/test/resources/python/deit3_reference.py generate \
        src/test/resources/fixtures/deit3-micro src/test/resources/fixtures/vit-micro

writes two random timm-named models beside an expected.json, both 16x16 RGB, patch 4, D 32, 2 heads,
3 blocks of MLP width 96, 5 classes (the vit-micro images and preprocessing):

    deit3/    timm's DeiT III: blocks.N.ls1.gamma / ls2.gamma scale the attention and MLP branches
              (x + ls1 * attn(norm1(x)), x + ls2 * mlp(norm2(x))); no_embed_class: pos_embed [1, 16, D]
              is added to the patch tokens BEFORE the class token is prepended; class-token pooling
              after the final norm
    fcnorm/   global_pool avg with fc_norm: no final norm over the tokens; the mean of the patch tokens
              is normalised by fc_norm, then the head

expected.json holds, per model, `logits` for the 30 images (sorted relative paths, as `files`) and
`mlp_mean` / `mlp_var` (per block and neuron, over every token of the 30 images: the mean and
population variance of the GELU output, the input of mlp.fc2).

The pruned reference (run by the tests on an export the Java code wrote):

    /usr/bin/python3 deit3_reference.py pruned MODEL_DIR EXPORT_DIR IMAGES_DIR OUT.json

reads the export's config.json model_args.mlp_hidden_dims, keeps in each block of MODEL_DIR's model
that many neurons of highest variance (its own statistics over the images), folds the removed neurons'
means into fc2.bias (fc2.bias += fc2.weight[:, removed] @ mean[removed]) and writes the pruned
model's logits to OUT.json as {"logits": [[...]], "widths": [...]}.

usage: deit3_reference.py generate FIXTURE_DIR VIT_MICRO_DIR
       deit3_reference.py pruned MODEL_DIR EXPORT_DIR IMAGES_DIR OUT.json
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vit_stages_reference import gelu, layer_norm, read_png_rgb8, read_st  # noqa: E402 (sibling reference)

EPS = 1e-6
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def forward(w, a, x, hook=None):
    """timm VisionTransformer.forward in float64; `hook(block, gelu_output)` sees every MLP hidden."""
    d, heads, p = a["embed_dim"], a["num_heads"], a["patch_size"]
    layer_scale = a.get("init_values") is not None
    y = torch.nn.functional.conv2d(x, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=p)
    y = y.flatten(2).transpose(1, 2)
    cls = w["cls_token"].expand(y.shape[0], -1, -1)
    if a.get("no_embed_class"):
        y = torch.cat([cls, y + w["pos_embed"]], dim=1)
    else:
        y = torch.cat([cls, y], dim=1) + w["pos_embed"]
    for k in range(a["depth"]):
        pre = f"blocks.{k}."
        h = layer_norm(y, w[pre + "norm1.weight"], w[pre + "norm1.bias"], EPS)
        bsz, t, _ = h.shape
        qkv = (h @ w[pre + "attn.qkv.weight"].T + w[pre + "attn.qkv.bias"]).reshape(bsz, t, 3, heads, d // heads)
        q, kk, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        att = ((q * (d // heads) ** -0.5) @ kk.transpose(-2, -1)).softmax(-1)
        o = (att @ v).transpose(1, 2).reshape(bsz, t, d) @ w[pre + "attn.proj.weight"].T + w[pre + "attn.proj.bias"]
        y = y + (o * w[pre + "ls1.gamma"] if layer_scale else o)
        h = layer_norm(y, w[pre + "norm2.weight"], w[pre + "norm2.bias"], EPS)
        g = gelu(h @ w[pre + "mlp.fc1.weight"].T + w[pre + "mlp.fc1.bias"])
        if hook:
            hook(k, g)
        m = g @ w[pre + "mlp.fc2.weight"].T + w[pre + "mlp.fc2.bias"]
        y = y + (m * w[pre + "ls2.gamma"] if layer_scale else m)
    if not a.get("fc_norm"):
        y = layer_norm(y, w["norm.weight"], w["norm.bias"], EPS)
    pooled = y[:, 1:].mean(1) if a.get("global_pool") == "avg" else y[:, 0]
    if a.get("fc_norm"):
        pooled = layer_norm(pooled, w["fc_norm.weight"], w["fc_norm.bias"], EPS)
    return pooled @ w["head.weight"].T + w["head.bias"]


def stats(w, a, pixels):
    """Per block: mean and population variance of each GELU output over every token of every image."""
    acc = {}

    def hook(k, g):
        acc[k] = g.reshape(-1, g.shape[-1])

    forward(w, a, pixels, hook)
    return [acc[k].mean(0) for k in range(a["depth"])], [acc[k].var(0, unbiased=False) for k in range(a["depth"])]


def images(directory):
    files = sorted(os.path.relpath(os.path.join(r, f), directory).replace(os.sep, "/")
                   for r, _, fs in os.walk(directory) for f in fs if f.endswith(".png"))
    mean = torch.tensor(MEAN, dtype=torch.float64)
    std = torch.tensor(STD, dtype=torch.float64)
    # crop_pct 1.0 and images of the input size: preprocessing is /255 and the per-channel normalisation
    return files, torch.stack([((read_png_rgb8(os.path.join(directory, f)) / 255 - mean) / std).permute(2, 0, 1)
                               for f in files])


def write_st(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def random_model(a, gen, classes):
    d, p, depth, hid = a["embed_dim"], a["patch_size"], a["depth"], int(a["mlp_ratio"] * a["embed_dim"])
    n = (a["img_size"] // p) ** 2
    layer_scale = a.get("init_values") is not None

    def r(*shape, std=0.2, mean=0.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std + mean

    w = {"cls_token": r(1, 1, d), "pos_embed": r(1, n if a.get("no_embed_class") else n + 1, d, std=0.1),
         "patch_embed.proj.weight": r(d, 3, p, p), "patch_embed.proj.bias": r(d, std=0.1)}
    for k in range(depth):
        pre = f"blocks.{k}."
        w[pre + "norm1.weight"], w[pre + "norm1.bias"] = r(d, std=0.1, mean=1), r(d, std=0.1)
        w[pre + "attn.qkv.weight"], w[pre + "attn.qkv.bias"] = r(3 * d, d), r(3 * d, std=0.1)
        w[pre + "attn.proj.weight"], w[pre + "attn.proj.bias"] = r(d, d), r(d, std=0.1)
        if layer_scale:  # trained DeiT III gammas differ per channel; random ones catch a missing product
            w[pre + "ls1.gamma"] = r(d, std=0.3, mean=0.5)
        w[pre + "norm2.weight"], w[pre + "norm2.bias"] = r(d, std=0.1, mean=1), r(d, std=0.1)
        w[pre + "mlp.fc1.weight"], w[pre + "mlp.fc1.bias"] = r(hid, d), r(hid, std=0.1)
        w[pre + "mlp.fc2.weight"], w[pre + "mlp.fc2.bias"] = r(d, hid), r(d, std=0.1)
        if layer_scale:
            w[pre + "ls2.gamma"] = r(d, std=0.3, mean=0.5)
    norm = "fc_norm" if a.get("fc_norm") else "norm"
    w[norm + ".weight"], w[norm + ".bias"] = r(d, std=0.1, mean=1), r(d, std=0.1)
    w["head.weight"], w["head.bias"] = r(classes, d), r(classes, std=0.1)
    # the float32 the fixture stores is what every consumer reads
    return {k: v.float().double() for k, v in w.items()}


def config(arch, a, classes):
    return {"architecture": arch, "num_classes": classes, "num_features": a["embed_dim"],
            "global_pool": a.get("global_pool", "token"), "model_args": a,
            "pretrained_cfg": {"input_size": [3, a["img_size"], a["img_size"]], "interpolation": "bicubic",
                               "crop_pct": 1.0, "crop_mode": "center", "mean": MEAN, "std": STD,
                               "num_classes": classes, "first_conv": "patch_embed.proj", "classifier": "head"}}


MODELS = {
    "deit3": ("deit3_micro_patch4_16", {"init_values": 1e-6, "no_embed_class": True}),
    "fcnorm": ("vit_micro_patch4_gap_16", {"global_pool": "avg", "fc_norm": True}),
}


def generate(fixture, vit_micro):
    files, pixels = images(os.path.join(vit_micro, "images"))
    gen = torch.Generator().manual_seed(20261207)
    expected = {"generated_by": "src/test/resources/python/deit3_reference.py generate (see its header), torch "
                                + torch.__version__ + ", float64", "files": files}
    for name, (arch, extra) in MODELS.items():
        a = {"img_size": 16, "patch_size": 4, "in_chans": 3, "embed_dim": 32, "depth": 3, "num_heads": 2,
             "mlp_ratio": 3.0, **extra}
        w = random_model(a, gen, 5)
        os.makedirs(os.path.join(fixture, name), exist_ok=True)
        write_st(os.path.join(fixture, name, "model.safetensors"), w)
        with open(os.path.join(fixture, name, "config.json"), "w") as f:
            json.dump(config(arch, a, 5), f, indent=2)
            f.write("\n")
        with torch.no_grad():
            mean, var = stats(w, a, pixels)
            expected[name] = {"logits": forward(w, a, pixels).tolist(),
                              "mlp_mean": [m.tolist() for m in mean], "mlp_var": [v.tolist() for v in var]}
    with open(os.path.join(fixture, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    print(f"wrote {', '.join(MODELS)} and expected.json for {len(files)} images")


def pruned(model_dir, export_dir, image_dir, out):
    with open(os.path.join(model_dir, "config.json")) as f:
        a = json.load(f)["model_args"]
    with open(os.path.join(export_dir, "config.json")) as f:
        widths = json.load(f)["model_args"]["mlp_hidden_dims"]
    w = read_st(os.path.join(model_dir, "model.safetensors"))
    _, pixels = images(image_dir)
    with torch.no_grad():
        mean, var = stats(w, a, pixels)
        for k, keep in enumerate(widths):
            pre = f"blocks.{k}.mlp."
            order = torch.argsort(var[k], descending=True)
            kept = order[:keep].sort().values
            removed = order[keep:]
            w[pre + "fc2.bias"] = w[pre + "fc2.bias"] + w[pre + "fc2.weight"][:, removed] @ mean[k][removed]
            w[pre + "fc1.weight"] = w[pre + "fc1.weight"][kept]
            w[pre + "fc1.bias"] = w[pre + "fc1.bias"][kept]
            w[pre + "fc2.weight"] = w[pre + "fc2.weight"][:, kept]
        logits = forward(w, a, pixels)
    with open(out, "w") as f:
        json.dump({"logits": logits.tolist(), "widths": widths}, f)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "generate":
        generate(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "pruned":
        pruned(*sys.argv[2:])
    else:
        sys.exit(__doc__)
