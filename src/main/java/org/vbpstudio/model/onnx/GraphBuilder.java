package org.vbpstudio.model.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;

/**
 * Appends nodes and initializers to an ONNX graph. Every node's single output is named after the
 * node, so the graph reads like the module tree it came from; names are checked to be unique
 * because ONNX requires it (SSA) and a clash would silently rewire the graph.
 */
final class GraphBuilder {
    /** The operators the exporter may use (published as {@link OnnxExporter#OPS}). */
    static final Set<String> OPS = Set.of("Conv", "Reshape", "Transpose", "Shape", "Concat", "Expand", "Add",
            "Gather", "Mul", "MatMul", "Softmax", "Div", "Erf", "LayerNormalization", "Slice", "ReduceMean");
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    GraphProto.Builder graph() {
        return graph;
    }

    /** Whether a node, output or initializer is called {@code name} already. */
    boolean has(String name) {
        return names.contains(name);
    }

    /** A float32 initializer with raw little-endian data (what every ONNX writer emits). */
    String floats(String name, long[] dims, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return initializer(name, dims, TensorProto.DataType.FLOAT, ByteString.copyFrom(b.array()));
    }

    /** A float32 scalar constant (shape []), shared by name. */
    String scalar(String name, float value) {
        return names.contains(name) ? name : floats(name, new long[0], new float[] {value});
    }

    /** An int64 constant of shape [n] (or [] for a scalar index), shared by name. */
    String int64s(String name, boolean scalar, long... values) {
        if (names.contains(name)) {
            return name;
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return initializer(name, scalar ? new long[0] : new long[] {values.length}, TensorProto.DataType.INT64,
                ByteString.copyFrom(b.array()));
    }

    private String initializer(String name, long[] dims, TensorProto.DataType type, ByteString raw) {
        claim(name);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(raw);
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Adds node {@code name}; its output is called {@code name} too. */
    String node(String opType, String name, List<String> inputs, AttributeProto... attributes) {
        return node(opType, name, name, inputs, attributes);
    }

    /** Adds node {@code name} whose output is called {@code output} (the graph's own outputs). */
    String node(String opType, String name, String output, List<String> inputs, AttributeProto... attributes) {
        if (!OPS.contains(opType)) { // OnnxCheck would refuse the export
            throw new IllegalStateException(opType + " is not in GraphBuilder.OPS");
        }
        claim(name);
        if (!output.equals(name)) {
            claim(output);
        }
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(name).addAllInput(inputs).addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return output;
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("ONNX name used twice: " + name);
        }
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }
}
