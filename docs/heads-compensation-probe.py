#!/usr/bin/python3
"""Why a removed head's mean costs accuracy on the sample model: which constant stands in for it.

Plain PyTorch (Debian's python3-torch) over tools/vbp_torch.py's ViT, independent of the Java code.
Run from the repository root: ``/usr/bin/python3 docs/heads-compensation-probe.py``. It takes the
calibration images' statistics of every block's attention output (proj's input), removes each
block's lowest-variance head (as ``prune --ratio 0 --head-ratio 0.34`` does) and holds its channels
at a constant, then prints top-1 on the 10,000 validation images for each choice of constant: zero
(no compensation), the mean over all tokens (what mean compensation folds into proj's bias), the
class token's own mean (only the class token reaches the classifier after the last block), and the
all-token mean in one block at a time with zero elsewhere.
"""
import gzip
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import vbp_torch  # noqa: E402

MODEL = os.path.join(ROOT, "sample-models", "vit-fashion-mnist")
MEAN, STD = 0.286, 0.353  # the model's config.json
BATCH = 500


def idx(path):
    """An IDX file (gzip): uint8 images [n, 1, h, w] or labels [n]."""
    with gzip.open(path) as f:
        data = f.read()
    if data[3] == 3:
        n, h, w = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, h, w)
    return np.frombuffer(data, np.uint8, offset=8)


def images(split, prefix):
    folder = os.path.join(MODEL, "data", split)
    x = idx(os.path.join(folder, prefix + "-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = idx(os.path.join(folder, prefix + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy((x - MEAN) / STD), torch.from_numpy(y)


def main():
    torch.set_num_threads(1)
    xc, _ = images("calibration", "calibration")
    xv, yv = images("validation", "t10k")
    model = vbp_torch.load(MODEL, backend="own")
    blocks = model.blocks
    heads, dh = blocks[0].attn.num_heads, blocks[0].attn.head_dim
    width = heads * dh
    sums = [torch.zeros(width, dtype=torch.float64) for _ in blocks]
    squares = [torch.zeros(width, dtype=torch.float64) for _ in blocks]
    cls_sums = [torch.zeros(width, dtype=torch.float64) for _ in blocks]
    tokens, classes = [0] * len(blocks), [0] * len(blocks)

    def collect(b):
        def hook(_, inputs):
            z = inputs[0].double()
            sums[b] += z.sum((0, 1))
            squares[b] += (z * z).sum((0, 1))
            tokens[b] += z.shape[0] * z.shape[1]
            cls_sums[b] += z[:, 0].sum(0)
            classes[b] += z.shape[0]
        return hook

    handles = [blk.attn.proj.register_forward_pre_hook(collect(b)) for b, blk in enumerate(blocks)]
    with torch.no_grad():
        for i in range(0, len(xc), BATCH):
            model(xc[i:i + BATCH])
    for h in handles:
        h.remove()
    mean = [sums[b] / tokens[b] for b in range(len(blocks))]
    var = [squares[b] / tokens[b] - mean[b] ** 2 for b in range(len(blocks))]
    cls = [cls_sums[b] / classes[b] for b in range(len(blocks))]
    low = [int(torch.argmin(var[b].view(heads, dh).sum(1))) for b in range(len(blocks))]
    zero = [torch.zeros(width, dtype=torch.float64) for _ in blocks]

    def top1(constants):
        handles = []
        for b, blk in enumerate(blocks):
            cols = slice(low[b] * dh, (low[b] + 1) * dh)

            def hold(_, inputs, c=constants[b] if constants else None, cols=cols):
                z = inputs[0].clone()
                z[..., cols] = c[cols].float()
                return (z,)
            if constants is not None:
                handles.append(blk.attn.proj.register_forward_pre_hook(hold))
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xv), BATCH):
                correct += int((model(xv[i:i + BATCH]).argmax(1) == yv[i:i + BATCH]).sum())
        for h in handles:
            h.remove()
        return 100.0 * correct / len(xv)

    print("removed head per block (lowest variance):", low)
    for b in range(len(blocks)):
        cols = slice(low[b] * dh, (low[b] + 1) * dh)
        gap = (cls[b][cols] - mean[b][cols]).abs() / var[b][cols].clamp(min=0).sqrt()
        print(f"block {b}: class-token mean against all-token mean, median |difference| / sd {float(gap.median()):.2f}")
    print(f"unpruned | {top1(None):.2f}")
    print(f"zero (no compensation) | {top1(zero):.2f}")
    print(f"all-token mean (mean compensation) | {top1(mean):.2f}")
    print(f"class-token mean in every block | {top1(cls):.2f}")
    print(f"class-token mean in the last block, all-token mean before | {top1(mean[:-1] + [cls[-1]]):.2f}")
    print(f"zero in the last block, all-token mean before | {top1(mean[:-1] + [zero[-1]]):.2f}")
    for k in range(len(blocks)):
        print(f"all-token mean in block {k} only, zero elsewhere | "
              f"{top1([mean[b] if b == k else zero[b] for b in range(len(blocks))]):.2f}")


if __name__ == "__main__":
    main()
