"""Independent reference for the ConvNeXt family: torchvision 0.14's ConvNeXt, not this project's code.

Two commands (from the repository root; Debian's python3-torch 1.13 and python3-torchvision 0.14, nothing else):

    /usr/bin/python3 src/test/resources/python/convnext_reference.py generate src/test/resources/fixtures/convnext-micro

builds a small torchvision ConvNeXt (img 32, dims [8, 16, 32], depths [2, 2, 2], 5 classes) with seeded random
weights: MLP rows of fc1 scaled by exp(U(-1.5, 1.5)) so the neurons' variances spread, layer scales of both signs
between 0.2 and 1.2. It writes 30 RGB 32x32 PNGs (images/class_KK/img_NNN.png, 5 classes), the model in timm's
layout (timm/) and in Hugging Face's ConvNextForImageClassification layout (hf/), and, computed in float64:
expected.json (logits of both layouts, the per-block mean and population variance of GELU(fc1) over every
position of all 30 images, the pruned models' logits) and stages.json (per-stage summaries for images 0, 7, 29).
Names: features.0.{0,1} = stem.{0,1}; features.(2S).{0,1} = stages.S.downsample.{0,1}; features.(2S+1).J =
stages.S.blocks.J with layer_scale [C,1,1] = gamma [C], block.0 = conv_dw, block.2 = norm, block.3 = mlp.fc1,
block.5 = mlp.fc2; classifier.0 = head.norm, classifier.2 = head.fc.

Pruning as this project's Selection does with the variance criterion: per block, round(R x H) neurons of lowest
variance go (round half up, ties to the lower index, a block keeps at least one); globally, round(R x sum H) over
all blocks at once (ties to the lower block, then index; a block's last neuron is skipped). Removed rows of fc1 and
columns of fc2, fc2.bias += fc2.weight[:, removed] @ mean[removed].

    /usr/bin/python3 src/test/resources/python/convnext_reference.py logits EXPORT_DIR FIXTURE_DIR

loads an exported timm-layout model directory (config.json's model_args: depths, dims, mlp_hidden_dims) into a
torchvision ConvNeXt whose MLPs are narrowed to those widths and prints its float64 logits for the fixture's 30
images as JSON (the tests compare them with expected.json's pruned logits).
"""
import json
import math
import os
import struct
import sys
import zlib

import torch
from torchvision.models.convnext import CNBlockConfig, ConvNeXt

IMG, DIMS, DEPTHS, CLASSES, PER_CLASS = 32, [8, 16, 32], [2, 2, 2], 5, 6
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
STAGE_IMAGES, HEAD = [0, 7, 29], 16
PRUNED = [("pruned_block_0.3", 0.3, False), ("pruned_global_0.6", 0.6, True)]


def build(dims, depths, classes, widths=None):
    settings = [CNBlockConfig(dims[s], dims[s + 1] if s + 1 < len(dims) else None, depths[s]) for s in range(len(dims))]
    m = ConvNeXt(settings, layer_scale=1.0, num_classes=classes).double().eval()
    if widths is not None:
        for (s, j), h in zip(blocks(depths), widths):
            blk = m.features[2 * s + 1][j].block
            blk[3] = torch.nn.Linear(dims[s], h).double()
            blk[5] = torch.nn.Linear(h, dims[s]).double()
    return m


def blocks(depths):
    return [(s, j) for s in range(len(depths)) for j in range(depths[s])]


def timm_names(depths):
    """torchvision name -> timm name."""
    m = {"features.0.0.weight": "stem.0.weight", "features.0.0.bias": "stem.0.bias",
         "features.0.1.weight": "stem.1.weight", "features.0.1.bias": "stem.1.bias"}
    for s in range(len(depths)):
        if s > 0:
            for i in (0, 1):
                for wb in ("weight", "bias"):
                    m[f"features.{2 * s}.{i}.{wb}"] = f"stages.{s}.downsample.{i}.{wb}"
        for j in range(depths[s]):
            tv, t = f"features.{2 * s + 1}.{j}.", f"stages.{s}.blocks.{j}."
            m[tv + "layer_scale"] = t + "gamma"
            for i, name in ((0, "conv_dw"), (2, "norm"), (3, "mlp.fc1"), (5, "mlp.fc2")):
                for wb in ("weight", "bias"):
                    m[f"{tv}block.{i}.{wb}"] = f"{t}{name}.{wb}"
    for tv, t in (("classifier.0", "head.norm"), ("classifier.2", "head.fc")):
        for wb in ("weight", "bias"):
            m[f"{tv}.{wb}"] = f"{t}.{wb}"
    return m


def hf_name(timm):
    """timm name -> Hugging Face ConvNextForImageClassification name."""
    p = timm.split(".")
    if p[0] == "stem":
        return ("convnext.embeddings.patch_embeddings." if p[1] == "0" else "convnext.embeddings.layernorm.") + p[2]
    if p[0] == "head":
        return ("convnext.layernorm." if p[1] == "norm" else "classifier.") + p[2]
    if p[2] == "downsample":
        return f"convnext.encoder.stages.{p[1]}.downsampling_layer.{p[3]}.{p[4]}"
    layer = f"convnext.encoder.stages.{p[1]}.layers.{p[3]}."
    rest = ".".join(p[4:])
    return layer + {"gamma": "layer_scale_parameter", "conv_dw.weight": "dwconv.weight", "conv_dw.bias": "dwconv.bias",
                    "norm.weight": "layernorm.weight", "norm.bias": "layernorm.bias",
                    "mlp.fc1.weight": "pwconv1.weight", "mlp.fc1.bias": "pwconv1.bias",
                    "mlp.fc2.weight": "pwconv2.weight", "mlp.fc2.bias": "pwconv2.bias"}[rest]


def to_timm(model, depths):
    names = timm_names(depths)
    out = {}
    for k, v in model.state_dict().items():
        out[names[k]] = v.reshape(-1) if k.endswith("layer_scale") else v
    return out


def from_timm(model, depths, w):
    names = timm_names(depths)
    sd = {}
    for k, v in model.state_dict().items():
        sd[k] = w[names[k]].reshape(v.shape)
    model.load_state_dict(sd)


def write_st(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


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


def write_png(path, rgb):
    """[H, W, 3] uint8 -> an 8-bit RGB PNG (filter 0)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + bytes(rgb[y].reshape(-1).tolist()) for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def read_png(path):
    """An 8-bit RGB PNG written by write_png (filter 0) -> [H, W, 3] float64."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = []
    for y in range(h):
        line = raw[y * (3 * w + 1):(y + 1) * (3 * w + 1)]
        assert line[0] == 0, "filter"
        rows.append(list(line[1:]))
    return torch.tensor(rows, dtype=torch.float64).reshape(h, w, 3)


def pixels(fixture, files):
    mean, std = torch.tensor(MEAN, dtype=torch.float64), torch.tensor(STD, dtype=torch.float64)
    return torch.stack([((read_png(os.path.join(fixture, "images", f)) / 255 - mean) / std).permute(2, 0, 1)
                        for f in files])


def image_files(fixture):
    out = []
    for c in sorted(os.listdir(os.path.join(fixture, "images"))):
        out += [c + "/" + f for f in sorted(os.listdir(os.path.join(fixture, "images", c)))]
    return out


def make_images(fixture, gen):
    for c in range(CLASSES):
        d = os.path.join(fixture, "images", f"class_{c:02d}")
        os.makedirs(d, exist_ok=True)
        for i in range(PER_CLASS):
            yy, xx = torch.meshgrid(torch.arange(IMG, dtype=torch.float64), torch.arange(IMG, dtype=torch.float64),
                                    indexing="ij")
            base = torch.stack([torch.sin(xx * (0.2 + 0.1 * c) + k + i) * torch.cos(yy * (0.15 + 0.05 * k) - c)
                                for k in range(3)], -1)
            img = 127.5 + 80 * base + 30 * torch.randn(IMG, IMG, 3, generator=gen, dtype=torch.float64)
            write_png(os.path.join(d, f"img_{i:03d}.png"), img.clamp(0, 255).round().to(torch.uint8).numpy())


def randomise(model, gen):
    norms = {name + "." + wb for name, mod in model.named_modules() if isinstance(mod, torch.nn.LayerNorm)
             for wb in ("weight", "bias")}  # torchvision's LayerNorm2d is a LayerNorm too
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            if name.endswith("layer_scale"):
                sign = torch.where(torch.rand(p.shape, generator=gen) < 0.3, -1.0, 1.0).double()
                p.copy_(sign * (0.2 + torch.rand(p.shape, generator=gen, dtype=torch.float64)))
            elif name in norms:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * r)
            elif p.dim() == 1:
                p.copy_(0.3 * r)
            else:
                p.copy_(r / math.sqrt(p[0].numel()))
        for s, j in blocks(DEPTHS):
            fc1 = model.features[2 * s + 1][j].block[3]
            scale = torch.exp(3 * torch.rand(fc1.out_features, generator=gen, dtype=torch.float64) - 1.5)
            fc1.weight.mul_(scale[:, None])
            fc1.bias.mul_(scale)


def run(model, x, record=None):
    """Logits; with `record` (a dict), every stage's output as well, under timm's names."""
    hooks = []
    if record is not None:
        def keep(name, fn=lambda t: t):
            return lambda mod, inp, out: record.__setitem__(name, fn(out).clone())
        hooks.append(model.features[0].register_forward_hook(keep("stem")))
        for s in range(1, len(DEPTHS)):
            hooks.append(model.features[2 * s].register_forward_hook(keep(f"stages.{s}.downsample")))
        for s, j in blocks(DEPTHS):
            blk = model.features[2 * s + 1][j]
            hooks.append(blk.block[4].register_forward_hook(keep(f"stages.{s}.blocks.{j}.gelu")))
            hooks.append(blk.register_forward_hook(keep(f"stages.{s}.blocks.{j}")))
        hooks.append(model.classifier[0].register_forward_hook(keep("pre_logits", lambda t: t.flatten(1))))
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in hooks:
            h.remove()
    if record is not None:
        record["logits"] = out.clone()
        if "stages.1.downsample" in record:  # reorder: each downsample before its stage's blocks
            ordered = {k: record[k] for k in sorted(record, key=order)}
            record.clear()
            record.update(ordered)
    return out


def order(name):
    if name == "stem":
        return (-1, 0, 0)
    if name in ("pre_logits", "logits"):
        return (99, 0, 0 if name == "pre_logits" else 1)
    p = name.split(".")
    if p[2] == "downsample":
        return (int(p[1]), -1, 0)
    return (int(p[1]), int(p[3]), 0 if len(p) == 5 else 1)


def selection(var, ratio, global_):
    """Kept indices per block, as this project's Selection (variance criterion)."""
    widths = [len(v) for v in var]
    removed = [set() for _ in var]
    if not global_:
        for b, v in enumerate(var):
            k = min(int(math.floor(ratio * len(v) + 0.5)), len(v) - 1)
            order_ = sorted(range(len(v)), key=lambda i: (v[i], i))
            removed[b] = set(order_[:k])
    else:
        k = int(math.floor(ratio * sum(widths) + 0.5))
        ranked = sorted(((v[i], b, i) for b, v in enumerate(var) for i in range(len(v))))
        for _, b, i in ranked:
            if k == 0:
                break
            if len(removed[b]) == widths[b] - 1:
                continue
            removed[b].add(i)
            k -= 1
    return [[i for i in range(widths[b]) if i not in removed[b]] for b in range(len(var))]


def pruned(w, kept, mean):
    w = dict(w)
    for b, (s, j) in enumerate(blocks(DEPTHS)):
        k = f"stages.{s}.blocks.{j}.mlp."
        keep = torch.tensor(kept[b])
        gone = torch.tensor([i for i in range(w[k + "fc1.weight"].shape[0]) if i not in set(kept[b])], dtype=torch.long)
        w[k + "fc2.bias"] = w[k + "fc2.bias"] + w[k + "fc2.weight"][:, gone] @ mean[b][gone]
        w[k + "fc1.weight"], w[k + "fc1.bias"] = w[k + "fc1.weight"][keep], w[k + "fc1.bias"][keep]
        w[k + "fc2.weight"] = w[k + "fc2.weight"][:, keep]
    return w


def summary(t):
    flat = t.reshape(-1)
    cos = torch.cos(torch.arange(flat.numel(), dtype=torch.float64))
    return {"head": flat[:HEAD].tolist(), "sum": flat.sum().item(), "sum_sq": (flat * flat).sum().item(),
            "sum_abs": flat.abs().sum().item(), "probe": (flat * cos).sum().item()}


def generate(fixture):
    gen = torch.Generator().manual_seed(20261207)
    make_images(fixture, gen)
    model = build(DIMS, DEPTHS, CLASSES)
    randomise(model, gen)
    w32 = {k: v.to(torch.float32).double() for k, v in to_timm(model, DEPTHS).items()}  # what the files hold
    from_timm(model, DEPTHS, w32)
    files = image_files(fixture)
    x = pixels(fixture, files)

    os.makedirs(os.path.join(fixture, "timm"), exist_ok=True)
    write_st(os.path.join(fixture, "timm", "model.safetensors"), w32)
    timm_cfg = {"architecture": "convnext_micro", "num_classes": CLASSES, "global_pool": "avg",
                "model_args": {"depths": DEPTHS, "dims": DIMS, "in_chans": 3, "patch_size": 4, "ls_init_value": 1e-6},
                "pretrained_cfg": {"input_size": [3, IMG, IMG], "crop_pct": 1.0, "interpolation": "bicubic",
                                   "mean": MEAN, "std": STD, "num_classes": CLASSES, "first_conv": "stem.0",
                                   "classifier": "head.fc"}}
    with open(os.path.join(fixture, "timm", "config.json"), "w") as f:
        json.dump(timm_cfg, f, indent=1)

    os.makedirs(os.path.join(fixture, "hf"), exist_ok=True)
    write_st(os.path.join(fixture, "hf", "model.safetensors"), {hf_name(k): v for k, v in w32.items()})
    hf_cfg = {"architectures": ["ConvNextForImageClassification"], "model_type": "convnext", "num_channels": 3,
              "patch_size": 4, "num_stages": len(DEPTHS), "hidden_sizes": DIMS, "depths": DEPTHS, "hidden_act": "gelu",
              "layer_norm_eps": 1e-12, "layer_scale_init_value": 1e-6, "image_size": IMG,
              "id2label": {str(c): f"class_{c:02d}" for c in range(CLASSES)},
              "label2id": {f"class_{c:02d}": c for c in range(CLASSES)}}
    with open(os.path.join(fixture, "hf", "config.json"), "w") as f:
        json.dump(hf_cfg, f, indent=1)
    with open(os.path.join(fixture, "hf", "preprocessor_config.json"), "w") as f:
        json.dump({"image_processor_type": "ConvNextImageProcessor", "do_resize": True, "size": {"shortest_edge": IMG},
                   "crop_pct": 1.0, "resample": 3, "do_rescale": True, "rescale_factor": 1 / 255,
                   "do_normalize": True, "image_mean": MEAN, "image_std": STD}, f, indent=1)

    record = {}
    logits = run(model, x, record)
    hf_model = build(DIMS, DEPTHS, CLASSES)
    from_timm(hf_model, DEPTHS, w32)
    hf_model.classifier[0].eps = 1e-12  # HF's final layernorm takes config.layer_norm_eps; every other one 1e-6
    hf_logits = run(hf_model, x)
    mean = [record[f"stages.{s}.blocks.{j}.gelu"].reshape(-1, record[f"stages.{s}.blocks.{j}.gelu"].shape[-1]).mean(0)
            for s, j in blocks(DEPTHS)]
    var = [record[f"stages.{s}.blocks.{j}.gelu"].reshape(-1, mean[b].numel()).var(0, unbiased=False)
           for b, (s, j) in enumerate(blocks(DEPTHS))]
    expected = {"files": files, "labels": [int(f[6:8]) for f in files], "logits": logits.tolist(),
                "hf_logits": hf_logits.tolist(), "mlp_mean": [m.tolist() for m in mean],
                "mlp_var": [v.tolist() for v in var],
                "params": sum(v.numel() for v in w32.values())}
    for key, ratio, global_ in PRUNED:
        kept = selection([v.tolist() for v in var], ratio, global_)
        pw = pruned(w32, kept, mean)
        pm = build(DIMS, DEPTHS, CLASSES, [len(k) for k in kept])
        from_timm(pm, DEPTHS, pw)
        expected[key] = {"kept": kept, "widths": [len(k) for k in kept], "logits": run(pm, x).tolist(),
                         "params": sum(v.numel() for v in pw.values())}
    with open(os.path.join(fixture, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")

    stage_record = {}
    run(model, x[STAGE_IMAGES], stage_record)
    stages = {"generated_by": "src/test/resources/python/convnext_reference.py generate (see its header), torch "
                              + torch.__version__ + ", float64",
              "files": [files[i] for i in STAGE_IMAGES], "indices": STAGE_IMAGES,
              "summary": "per image: head = first " + str(HEAD) + " values (row-major), sum, sum_sq, sum_abs, "
                         "probe = sum_i x_i cos(i); blocks' outputs [B, C, H, W], gelu [B, H, W, hidden]",
              "stages": [{"name": n, "shape": list(t.shape), "images": [summary(t[i]) for i in range(t.shape[0])]}
                         for n, t in stage_record.items()]}
    with open(os.path.join(fixture, "stages.json"), "w") as f:
        json.dump(stages, f, indent=1)
        f.write("\n")
    print(f"wrote {fixture}: {expected['params']} parameters, {len(stage_record)} stages, "
          + ", ".join(f"{k} widths {expected[k]['widths']}" for k, _, _ in PRUNED))


def logits(export, fixture):
    with open(os.path.join(export, "config.json")) as f:
        args = json.load(f)["model_args"]
    w = read_st(os.path.join(export, "model.safetensors"))
    classes = w["head.fc.weight"].shape[0]
    model = build(args["dims"], args["depths"], classes, args["mlp_hidden_dims"])
    from_timm(model, args["depths"], w)
    with open(os.path.join(fixture, "expected.json")) as f:
        files = json.load(f)["files"]
    print(json.dumps(run(model, pixels(fixture, files)).tolist()))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "generate":
        generate(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "logits":
        logits(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
