package org.vbpstudio.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import java.util.HashMap;
import java.util.Map;
import org.vbpstudio.model.HostTensor;
import org.vbpstudio.model.VitConfig;
import org.vbpstudio.model.ModelWeights;

/**
 * The benchmark's yardstick: the same ViT written as one straight sequence of DJL NDArray calls,
 * weights pre-transposed for {@code matMul}, no hooks, no parameter lookup. The runtime
 * ({@link org.vbpstudio.model.VitForward}) must stay within 10% of it: the hooks and lookups pruning needs may not cost more.
 */
public final class PlainVitBaseline implements AutoCloseable {
    private final VitConfig c;
    private final NDManager manager;
    private final Map<String, NDArray> p = new HashMap<>();

    public PlainVitBaseline(VitConfig cfg, ModelWeights weights, NDManager parent) {
        this.c = cfg;
        this.manager = parent.newSubManager();
        for (Map.Entry<String, HostTensor> e : weights.asMap().entrySet()) {
            NDArray a = manager.create(e.getValue().data(), new Shape(e.getValue().shape()));
            boolean linear = e.getKey().endsWith(".weight") && e.getValue().rank() == 2;
            p.put(e.getKey(), linear ? a.transpose() : a); // [out, in] → [in, out] for x·W
        }
    }

    public NDArray forward(NDArray images) {
        long b = images.getShape().get(0);
        int d = c.embedDim();
        int t = c.numTokens();
        int hd = c.headDim();
        NDArray x = Conv2d.conv2d(images, p.get("patch_embed.proj.weight"), p.get("patch_embed.proj.bias"),
                new Shape(c.patchSize(), c.patchSize()), new Shape(0, 0), new Shape(1, 1)).head();
        x = x.reshape(b, d, c.numPatches()).transpose(0, 2, 1);
        NDArray cls = images.getManager().zeros(new Shape(b, 1, d)).add(p.get("cls_token"));
        x = NDArrays.concat(new NDList(cls, x), 1).add(p.get("pos_embed"));
        for (int i = 0; i < c.depth(); i++) {
            String k = "blocks." + i + ".";
            NDArray y = LayerNorm.layerNorm(x, new Shape(d), p.get(k + "norm1.weight"), p.get(k + "norm1.bias"), 1e-6f).head();
            NDArray qkv = y.matMul(p.get(k + "attn.qkv.weight")).add(p.get(k + "attn.qkv.bias"))
                    .reshape(b, t, 3, c.numHeads(i), hd).transpose(2, 0, 3, 1, 4);
            NDArray a = qkv.get(0).mul((float) (1 / Math.sqrt(hd))).matMul(qkv.get(1).transpose(0, 1, 3, 2)).softmax(-1);
            NDArray o = a.matMul(qkv.get(2)).transpose(0, 2, 1, 3).reshape(b, t, c.attentionDim(i));
            x = x.add(o.matMul(p.get(k + "attn.proj.weight")).add(p.get(k + "attn.proj.bias")));
            y = LayerNorm.layerNorm(x, new Shape(d), p.get(k + "norm2.weight"), p.get(k + "norm2.bias"), 1e-6f).head();
            NDArray hid = Activation.gelu(y.matMul(p.get(k + "mlp.fc1.weight")).add(p.get(k + "mlp.fc1.bias")));
            x = x.add(hid.matMul(p.get(k + "mlp.fc2.weight")).add(p.get(k + "mlp.fc2.bias")));
        }
        x = LayerNorm.layerNorm(x, new Shape(d), p.get("norm.weight"), p.get("norm.bias"), 1e-6f).head();
        return x.get(":, 0, :").matMul(p.get("head.weight")).add(p.get("head.bias"));
    }

    @Override
    public void close() {
        manager.close();
    }
}
