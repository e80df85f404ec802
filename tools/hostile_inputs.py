#!/usr/bin/env python3
"""Builds hostile inputs in OUT (default /tmp/vbp-hostile) for measuring exit status, message and
peak memory of each case: see tools/measure_hostile.sh. Standard library only, except the ONNX
cases: given an export of the vit-micro fixture as second argument, they are built from it with the
onnx package (Debian: python3-onnx; run with /usr/bin/python3)."""
"""Builds hostile inputs in OUT (default /tmp/vbp-hostile) for measuring exit status,
message and peak memory of each case: see tools/measure_hostile.sh. Standard library only."""
import gzip, json, os, shutil, struct, sys, zlib

FIX = os.path.join(os.path.dirname(__file__), "..", "src/test/resources/fixtures/vit-micro")
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/vbp-hostile"


def read_st(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]


def write_model(name, header, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    h = json.dumps(header, separators=(",", ":")).encode()
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        f.write(data)
    shutil.copy(os.path.join(FIX, "timm/config.json"), d)
    return d


def png(w, h, colour=0, rows=None, chunk_bytes=None):
    """A PNG of w x h zeros (grey by default), IDAT compressed a row at a time; rows=k stops after k rows."""
    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)
    out = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0))]
    if rows != 0:
        c = zlib.compressobj(9)
        row = b"\x00" * (1 + w * (3 if colour == 2 else 1))
        parts = [c.compress(row) for _ in range(h if rows is None else rows)]
        parts.append(c.flush())
        out.append(chunk(b"IDAT", b"".join(parts)))
        if rows is None:
            out.append(chunk(b"IEND", b""))
    return b"".join(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    header, data = read_st(os.path.join(FIX, "timm/model.safetensors"))

    # 17 MB file whose 120 (and 60) extra entries share one data region
    for k in (120, 60):
        h = dict(header)
        big = 17 * 1024 * 1024 // 4 * 4
        start = len(data)
        for i in range(k):
            h["shared.%d" % i] = {"dtype": "F32", "shape": [big // 4], "data_offsets": [start, start + big]}
        write_model("shared-%d" % k, h, data + bytes(big))

    # a 90 MB header of empty tensors
    h = dict(header)
    n = 0
    size = len(json.dumps(header))
    while size < 90_000_000:
        key = "empty.%07d" % n
        h[key] = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
        size += len(key) + 52
        n += 1
    write_model("empty-90mb", h, data)

    # rank-0 fc1.weight / head.weight, embedding width 0
    for name, tensor, shape, nbytes in (("rank0-fc1", "blocks.0.mlp.fc1.weight", [], 4),
                                        ("rank0-head", "head.weight", [], 4),
                                        ("width0", "patch_embed.proj.weight", [0, 3, 4, 4], 0)):
        h = json.loads(json.dumps(header))
        b = h[tensor]["data_offsets"][0]
        h[tensor] = {"dtype": "F32", "shape": shape, "data_offsets": [b, b + nbytes]}
        write_model(name, h, data)

    imgs = lambda name: os.makedirs(os.path.join(OUT, name), exist_ok=True) or os.path.join(OUT, name)
    # a tiny JPEG declaring 26000 x 26000: SOI, SOF0 (one component), DHT-less SOS, EOI
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 26000, 26000, 1) + b"\x01\x11\x00"
    dqt = b"\xff\xdb\x00\x43\x00" + bytes([1] * 64)
    sos = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    jpg = b"\xff\xd8" + dqt + sof + sos + bytes(200) + b"\xff\xd9"
    open(os.path.join(imgs("jpeg-26000"), "x.jpg"), "wb").write(jpg)
    # a GIF declaring 46000 x 46000 (logical screen and frame)
    gif = (b"GIF89a" + struct.pack("<HHBBB", 46000, 46000, 0x80, 0, 0) + bytes(6)
           + b"\x2c" + struct.pack("<HHHHB", 0, 0, 46000, 46000, 0) + b"\x02\x02\x44\x01\x00\x3b")
    open(os.path.join(imgs("gif-46000"), "x.gif"), "wb").write(gif)
    # a sparse 3 GB PNG declaring 46000 x 46000
    p = os.path.join(imgs("png-sparse-3gb"), "x.png")
    with open(p, "wb") as f:
        f.write(png(46000, 46000, rows=0))
        f.truncate(3 * 1024 ** 3)
    # valid 20000^2 and 12000^2 grey PNGs of a few hundred KB
    for s in (20000, 12000):
        open(os.path.join(imgs("png-%d" % s), "x.png"), "wb").write(png(s, s))
    # a truncated PNG declaring 46000^2 (64 rows of data)
    open(os.path.join(imgs("png-truncated-46000"), "x.png"), "wb").write(png(46000, 46000, rows=64))

    # a ~2 MB gzip of one 46000 x 46000 IDX image (2.1 GB decompressed)
    d = imgs("idx-gzip-46000")
    with gzip.open(os.path.join(d, "x-images-idx3-ubyte.gz"), "wb", compresslevel=9) as f:
        f.write(struct.pack(">IIII", 0x803, 1, 46000, 46000))
        zero = bytes(46000 * 100)
        for _ in range(460):
            f.write(zero)
    with gzip.open(os.path.join(d, "x-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, 1) + b"\x00")
    # count x rows x cols overflowing 64 bits: 2^22 images of 2^21 x 2^21
    d = imgs("idx-overflow")
    open(os.path.join(d, "x-images-idx3-ubyte"), "wb").write(struct.pack(">IIII", 0x803, 1 << 22, 1 << 21, 1 << 21))

    # a plan whose round_to is 2^32 + 8
    json.dump({"mode": "global", "ratio": 0.5, "criterion": "magnitude", "compensation": False,
               "round_to": 2 ** 32 + 8}, open(os.path.join(OUT, "plan-round-to.json"), "w"))

    # FIFOs where a user names a file (opening one for reading blocks until a writer comes)
    fifos = os.path.join(OUT, "fifo")
    os.makedirs(os.path.join(fifos, "model"), exist_ok=True)
    shutil.copy(os.path.join(FIX, "timm/config.json"), os.path.join(fifos, "model"))
    for name in ("stats.safetensors", "plan.json", "session.vbps", "sensitivity.json", "model/model.safetensors"):
        p = os.path.join(fifos, name)
        if not os.path.exists(p):
            os.mkfifo(p)

    # statistics of the fixture's model (its fingerprint, from real.stats.safetensors when
    # tools/measure_hostile.sh has written it) declaring one block of 40 million neurons: 640 MB of
    # sparse data of the wrong widths, to be refused from the header
    real = os.path.join(OUT, "real.stats.safetensors")
    if os.path.exists(real):
        fingerprint = read_st(real)[0]["__metadata__"]["model_fingerprint"]
        width = 40_000_000
        header = {"__metadata__": {"format": "vbp-studio/activation-stats/1", "model_fingerprint": fingerprint,
                                   "images": "200"},
                  "blocks.0.mlp.count": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]},
                  "blocks.0.mlp.mean": {"dtype": "F64", "shape": [width], "data_offsets": [8, 8 + 8 * width]},
                  "blocks.0.mlp.m2": {"dtype": "F64", "shape": [width],
                                      "data_offsets": [8 + 8 * width, 8 + 16 * width]}}
        h = json.dumps(header, separators=(",", ":")).encode()
        with open(os.path.join(OUT, "wide-stats.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h + struct.pack("<d", 1000.0))
            f.truncate(8 + len(h) + 8 + 16 * width)


def onnx_cases(base_path):
    """Crafted variants of an exported model, each in its own folder OUT/onnx-NAME/model.onnx."""
    import copy, json as js
    import onnx
    from onnx import helper, TensorProto, numpy_helper
    base = onnx.load(base_path)

    def save(name, m, files=()):
        d = os.path.join(OUT, "onnx-" + name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(m.SerializeToString())  # no checker: these are meant to be wrong
        for fname, make in files:
            make(os.path.join(d, fname))

    def external(location, dims=None):
        m = copy.deepcopy(base)
        for t in m.graph.initializer:
            if t.name == "head.bias":
                t.ClearField("raw_data")
                if dims:
                    del t.dims[:]
                    t.dims.extend(dims)
                t.data_location = TensorProto.EXTERNAL
                e = t.external_data.add()
                e.key, e.value = "location", location
        return m

    save("ext-dotdot", external("../" * 12 + "etc/passwd"))
    save("ext-absolute", external("/etc/passwd"))
    save("ext-symlink", external("w.bin"), [("w.bin", lambda p: os.symlink("/etc/passwd", p))])
    save("ext-fifo", external("w.bin"), [("w.bin", os.mkfifo)])
    save("ext-missing", external("w.bin"))
    # dims of 4 GiB over a 20-byte external file
    save("ext-declared-4gb", external("w.bin", [1 << 30]), [("w.bin", lambda p: open(p, "wb").write(bytes(20)))])

    def with_nodes(nodes, inits=(), rename_output=False):
        m = copy.deepcopy(base)
        if rename_output:
            for n in m.graph.node:
                n.output[:] = ["logits_pre" if o == "logits" else o for o in n.output]
        m.graph.initializer.extend(inits)
        m.graph.node.extend(nodes)
        return m

    # a 2 GiB float constant in 4 bytes, and one made by ConstantOfShape from a 1-element shape
    huge = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[1 << 29], raw_data=b"\0" * 4)
    save("constant-2gb", with_nodes([helper.make_node("Constant", [], ["c"], name="c", value=huge)]))
    shape = numpy_helper.from_array(__import__("numpy").array([1 << 29], dtype="int64"), "big_shape")
    save("constant-of-shape-2gb", with_nodes([helper.make_node("ConstantOfShape", ["big_shape"], ["c"], name="c")], [shape]))
    # an endless Loop around the logits: no trip count, the condition always true
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("Identity", ["v_in"], ["v_out"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_in", TensorProto.FLOAT, ["n", "k"])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_out", TensorProto.FLOAT, ["n", "k"])])
    always = helper.make_tensor("always", TensorProto.BOOL, [], [True])
    save("loop", with_nodes([helper.make_node("Loop", ["", "always", "logits_pre"], ["logits"], name="forever", body=body)],
                            [always], rename_output=True))
    m = copy.deepcopy(base)
    m.graph.output[0].type.tensor_type.elem_type = TensorProto.DOUBLE
    save("double-output", m)
    for size in (16000, 46341, 65536):
        m = copy.deepcopy(base)
        for p in m.metadata_props:
            if p.key == "preprocessing":
                pre = js.loads(p.value)
                pre["input_size"] = [pre["input_size"][0], size, size]
                p.value = js.dumps(pre)
        save("input-size-%d" % size, m)


if __name__ == "__main__":
    main()
    if len(sys.argv) > 2:
        onnx_cases(sys.argv[2])
