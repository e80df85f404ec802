package org.vbpstudio.model.onnx;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.FunctionProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.SparseTensorProto;
import onnx.Onnx.StringStringEntryProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.InputFiles;
import org.vbpstudio.io.OneLine;

/**
 * What an {@code .onnx} file must pass before ONNX Runtime sees it, because ONNX Runtime trusts
 * its input: it opens whatever external-data path a tensor names (absolute, {@code ../}, a symlink
 * out of the folder, a FIFO), allocates whatever a tensor declares, and runs loops until they end.
 * The file is read once into memory (at most {@link #MAX_FILE_BYTES}) and parsed with the generated
 * protobuf classes; those bytes are what ONNX Runtime then loads, so the file checked is the file run.
 *
 * <p>Always: external data must be a regular file inside the model's folder (symlinks resolved),
 * checked without opening it; every tensor's declared size must equal the bytes that hold it and
 * all tensors together stay within {@link #maxTensorBytes()}; the graph has one float32 input of
 * rank 4 and one float32 output of rank 2. Unless the file is trusted: only the operators
 * {@link OnnxExporter} writes ({@link OnnxExporter#OPS}), in the default domain, no subgraphs (so
 * no Loop, Scan or If), no model-local functions, only float32 and int64 tensors. Trusted or
 * not, int64 constants that become shapes must stay within the budget.
 */
public final class OnnxCheck {
    /** Protobuf's own limit for one message: larger files cannot be parsed at all. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
    /** Default budget for all tensors of a model together (our exports stop below 2 GiB). */
    public static final long DEFAULT_MAX_TENSOR_BYTES = 2L << 30;
    /** Overrides {@link #DEFAULT_MAX_TENSOR_BYTES}. */
    public static final String MAX_TENSOR_BYTES_PROPERTY = "vbp.onnx.max-tensor-bytes";
    /** The largest node count accepted: DeiT-Base exports about 450. */
    static final int MAX_NODES = 100_000;
    /** Any one dimension of a shape constant (Reshape, Expand, Concat of shapes). */
    static final long MAX_SHAPE_DIM = 1L << 24;

    private final Path file;
    private final boolean trusted;
    private final Path folder;
    private final long budget = maxTensorBytes();
    private long tensorBytes;

    /** The parsed model and the bytes it came from (a direct buffer, ready for ONNX Runtime). */
    public record Checked(ModelProto model, ByteBuffer bytes, Path folder) {}

    private OnnxCheck(Path file, boolean trusted, Path folder) {
        this.file = file;
        this.trusted = trusted;
        this.folder = folder;
    }

    public static long maxTensorBytes() {
        Long v = Long.getLong(MAX_TENSOR_BYTES_PROPERTY);
        return v == null || v < 1 ? DEFAULT_MAX_TENSOR_BYTES : v;
    }

    /**
     * Reads, parses and checks {@code file}.
     *
     * @param trusted the user vouches for the file: any standard operator and control flow
     * @throws BadInputException naming the file and the first problem found
     */
    public static Checked read(Path file, boolean trusted) {
        long size = InputFiles.requireRegular(file, "an ONNX model");
        if (size > MAX_FILE_BYTES) {
            throw new BadInputException(file, String.format(Locale.ROOT,
                    "is %,d bytes, more than one ONNX protobuf can hold (%,d)", size, MAX_FILE_BYTES));
        }
        Path folder;
        ByteBuffer bytes;
        try (FileChannel ch = InputFiles.openRead(file, "an ONNX model")) {
            folder = file.toAbsolutePath().getParent().toRealPath();
            bytes = ByteBuffer.allocateDirect((int) size);
            while (bytes.hasRemaining() && ch.read(bytes) >= 0) {
                // read to the size stat reported; a file that shrank meanwhile is caught by the parser
            }
            bytes.flip();
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + OneLine.firstLine(String.valueOf(e.getMessage())) + ")", e);
        }
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes.duplicate());
            in.enableAliasing(true); // raw_data stays a view of the buffer, not a heap copy
            in.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(in);
        } catch (IOException e) { // InvalidProtocolBufferException: not protobuf, truncated, too deep
            throw new BadInputException(file, "is not an ONNX model (" + OneLine.firstLine(String.valueOf(e.getMessage())) + ")");
        }
        new OnnxCheck(file, trusted, folder).model(model);
        return new Checked(model, bytes, folder);
    }

    private BadInputException bad(String problem) {
        return new BadInputException(file, problem);
    }

    private void model(ModelProto m) {
        if (!m.hasGraph()) {
            throw bad("is not an ONNX model (it has no graph)");
        }
        if (!trusted && m.getFunctionsCount() > 0) {
            FunctionProto f = m.getFunctions(0);
            throw untrusted("defines its own function " + f.getDomain() + "." + f.getName());
        }
        for (FunctionProto f : m.getFunctionsList()) {
            nodes(f.getNodeList());
        }
        GraphProto g = m.getGraph();
        graph(g);
        interfaceTypes(g);
    }

    private BadInputException untrusted(String what) {
        return bad(what + ", which exports of this tool never contain; if you trust the file, pass --trust-onnx");
    }

    private void graph(GraphProto g) {
        if (g.getNodeCount() > MAX_NODES) {
            throw bad(String.format(Locale.ROOT, "has %,d nodes, more than %,d", g.getNodeCount(), MAX_NODES));
        }
        nodes(g.getNodeList()); // first: an operator that needs trust is the clearest message
        for (TensorProto t : g.getInitializerList()) {
            tensor(t, "initializer " + t.getName());
        }
        if (!trusted && g.getSparseInitializerCount() > 0) {
            throw untrusted("has sparse initializers");
        }
        for (SparseTensorProto s : g.getSparseInitializerList()) {
            sparse(s, "sparse initializer " + s.getValues().getName());
        }
        shapeConstants(g);
    }

    private void nodes(List<NodeProto> nodes) {
        for (NodeProto n : nodes) {
            String where = "node " + (n.getName().isEmpty() ? n.getOpType() : n.getName());
            if (!trusted) {
                boolean standard = n.getDomain().isEmpty() || "ai.onnx".equals(n.getDomain());
                if (!standard || !OnnxExporter.OPS.contains(n.getOpType())) {
                    String op = standard ? n.getOpType() : n.getDomain() + "." + n.getOpType();
                    throw untrusted(where + " is the operator " + op
                            + (Set.of("Loop", "Scan", "If").contains(n.getOpType()) ? " (control flow)" : ""));
                }
            }
            for (AttributeProto a : n.getAttributeList()) {
                String at = where + " attribute " + a.getName();
                if (!trusted && (a.hasG() || a.getGraphsCount() > 0)) {
                    throw untrusted(at + " holds a subgraph");
                }
                if (a.hasT()) {
                    tensor(a.getT(), at);
                }
                for (TensorProto t : a.getTensorsList()) {
                    tensor(t, at);
                }
                if (a.hasSparseTensor()) {
                    sparse(a.getSparseTensor(), at);
                }
                for (SparseTensorProto s : a.getSparseTensorsList()) {
                    sparse(s, at);
                }
                if (a.hasG()) {
                    graph(a.getG());
                }
                for (GraphProto sub : a.getGraphsList()) {
                    graph(sub);
                }
            }
        }
    }

    private void sparse(SparseTensorProto s, String where) {
        tensor(s.getValues(), where + " values");
        tensor(s.getIndices(), where + " indices");
        // ONNX Runtime makes initializers dense: what the dims declare is what it allocates
        long dense = elements(s.getDimsList(), where);
        charge(Math.multiplyExact(dense, Math.max(1, elementSize(s.getValues().getDataType(), where))), where);
    }

    /** Checks one tensor's data against its declared size and charges it to the budget. */
    private void tensor(TensorProto t, String where) {
        int type = t.getDataType();
        if (!trusted && type != TensorProto.DataType.FLOAT_VALUE && type != TensorProto.DataType.INT64_VALUE) {
            throw untrusted(where + " has element type " + typeName(type));
        }
        if (t.hasSegment()) {
            throw bad(where + " is stored in segments, which are not supported");
        }
        long count = elements(t.getDimsList(), where);
        int elementSize = elementSize(type, where);
        long declared;
        if (type == TensorProto.DataType.STRING_VALUE) {
            if (t.getStringDataCount() != count) {
                throw bad(where + " declares " + count + " strings but holds " + t.getStringDataCount());
            }
            declared = 0;
            for (var s : t.getStringDataList()) {
                declared += s.size();
            }
        } else {
            declared = multiply(count, elementSize, where);
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            external(t, declared, where);
        } else if (!t.getExternalDataList().isEmpty()) {
            throw bad(where + " lists external data but is not marked as stored externally");
        } else if (t.hasRawData()) {
            if (t.getRawData().size() != declared) {
                throw bad(String.format(Locale.ROOT, "%s declares %s (%,d bytes) but holds %,d bytes", where,
                        t.getDimsList(), declared, (long) t.getRawData().size()));
            }
        } else if (type != TensorProto.DataType.STRING_VALUE) {
            long held = typedCount(t, type);
            long expected = type == TensorProto.DataType.COMPLEX64_VALUE || type == TensorProto.DataType.COMPLEX128_VALUE
                    ? multiply(count, 2, where) : count;
            if (held != expected) {
                throw bad(String.format(Locale.ROOT, "%s declares %s (%,d values) but holds %,d", where,
                        t.getDimsList(), expected, held));
            }
        }
        charge(declared, where);
    }

    private void charge(long bytes, String where) {
        tensorBytes = Math.addExact(tensorBytes, bytes);
        if (tensorBytes > budget) {
            throw bad(String.format(Locale.ROOT, "%s brings its tensors to %,d bytes, more than the %,d allowed"
                    + " (-D%s=BYTES raises it)", where, tensorBytes, budget, MAX_TENSOR_BYTES_PROPERTY));
        }
    }

    /**
     * External data: a relative location inside the model's folder (after symlinks), a regular file,
     * and offset + length within it. Only file attributes are read: the file is never opened here.
     */
    private void external(TensorProto t, long declared, String where) {
        Map<String, String> kv = new HashMap<>();
        for (StringStringEntryProto e : t.getExternalDataList()) {
            kv.put(e.getKey(), e.getValue());
        }
        String location = kv.get("location");
        if (location == null || location.isEmpty()) {
            throw bad(where + " is stored externally but names no location");
        }
        String shown = OneLine.escape(location);
        Path rel;
        try {
            rel = Path.of(location);
        } catch (InvalidPathException e) {
            throw bad(where + "'s external data location '" + shown + "' is not a file name");
        }
        if (rel.isAbsolute() || location.contains("\\")) {
            throw bad(where + "'s external data location '" + shown + "' is absolute; only files beside the model are read");
        }
        for (Path part : rel) {
            if (part.toString().equals("..")) {
                throw bad(where + "'s external data location '" + shown + "' contains '..'; only files beside the model are read");
            }
        }
        Path target = folder.resolve(rel).normalize();
        Path real;
        try {
            real = target.toRealPath(); // realpath(3): follows symlinks without opening the file
        } catch (IOException e) {
            throw bad(where + "'s external data '" + shown + "' does not exist");
        }
        if (!real.startsWith(folder)) {
            throw bad(where + "'s external data '" + shown + "' leads outside the model's folder (to " + real
                    + "); only files beside the model are read");
        }
        long size;
        try {
            size = InputFiles.requireRegular(real, "external tensor data");
        } catch (BadInputException e) {
            throw bad(where + "'s external data: " + e.getMessage());
        }
        long offset = longValue(kv.getOrDefault("offset", "0"), where + "'s external data offset");
        long length = kv.containsKey("length") ? longValue(kv.get("length"), where + "'s external data length") : size - offset;
        if (offset > size || length > size - offset) {
            throw bad(String.format(Locale.ROOT, "%s's external data '%s' is %,d bytes, too short for offset %,d and length %,d",
                    where, shown, size, offset, length));
        }
        if (length != declared) {
            throw bad(String.format(Locale.ROOT, "%s declares %s (%,d bytes) but its external data holds %,d bytes",
                    where, t.getDimsList(), declared, length));
        }
    }

    private long longValue(String s, String what) {
        try {
            long v = Long.parseLong(s);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(what + " '" + OneLine.escape(s) + "' is not a non-negative integer");
    }

    /** One float32 image input [N, C, H, W] and one float32 logits output [N, K]. */
    private void interfaceTypes(GraphProto g) {
        Set<String> initializers = new HashSet<>();
        g.getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<ValueInfoProto> inputs = g.getInputList().stream().filter(v -> !initializers.contains(v.getName())).toList();
        if (inputs.size() != 1 || g.getOutputCount() != 1) {
            throw bad("has " + inputs.size() + " inputs and " + g.getOutputCount()
                    + " outputs; expected one image input and one logits output");
        }
        floatTensor(inputs.get(0), "input", 4);
        floatTensor(g.getOutput(0), "output", 2);
    }

    private void floatTensor(ValueInfoProto v, String role, int rank) {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            throw bad(role + " " + v.getName() + " is not a tensor");
        }
        int elem = type.getTensorType().getElemType();
        if (elem != TensorProto.DataType.FLOAT_VALUE) {
            throw bad(role + " " + v.getName() + " has element type " + typeName(elem) + ", expected float32");
        }
        int actual = type.getTensorType().getShape().getDimCount();
        if (!type.getTensorType().hasShape() || actual != rank) {
            throw bad(role + " " + v.getName() + " has rank " + (type.getTensorType().hasShape() ? actual : "unknown")
                    + ", expected " + rank);
        }
    }

    /**
     * int64 constants that become shapes (Reshape's, Expand's and Tile's second input,
     * ConstantOfShape's input, Concat's parts) decide what the run allocates, trusted or not: each
     * dimension and their product stay within the budget.
     */
    private void shapeConstants(GraphProto g) {
        Map<String, TensorProto> int64 = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.INT64_VALUE) {
                int64.put(t.getName(), t);
            }
        }
        for (NodeProto n : g.getNodeList()) {
            List<String> shapes = switch (n.getOpType()) {
                case "Reshape", "Expand", "Tile" -> n.getInputCount() > 1 ? List.of(n.getInput(1)) : List.of();
                case "ConstantOfShape" -> n.getInputCount() > 0 ? List.of(n.getInput(0)) : List.of();
                case "Concat" -> n.getInputList();
                default -> List.of();
            };
            for (String name : shapes) {
                TensorProto t = int64.get(name);
                if (t != null) {
                    shape(t, "node " + n.getName() + "'s shape " + name);
                }
            }
        }
    }

    private void shape(TensorProto t, String where) {
        long[] values = int64Values(t);
        long product = 1;
        for (long v : values) {
            if (v < -1 || v > MAX_SHAPE_DIM) {
                throw bad(where + " has the dimension " + v + " (at most " + MAX_SHAPE_DIM + ")");
            }
            if (v > 0) {
                product = multiply(product, v, where);
            }
        }
        // what a tensor of that shape takes in float32 counts against the same budget as the weights
        charge(multiply(product, 4, where), String.format(Locale.ROOT, "%s (a shape of %,d elements)", where, product));
    }

    private static long[] int64Values(TensorProto t) {
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] v = new long[b.remaining() / 8];
            b.asLongBuffer().get(v);
            return v;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    private long elements(List<Long> dims, String where) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw bad(where + " has the negative dimension " + d);
            }
            n = multiply(n, d, where);
        }
        return n;
    }

    private long multiply(long a, long b, String where) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw bad(where + " declares more elements than 64 bits can count");
        }
    }

    private static long typedCount(TensorProto t, int type) {
        return switch (type) {
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.COMPLEX64_VALUE -> t.getFloatDataCount();
            case TensorProto.DataType.INT64_VALUE -> t.getInt64DataCount();
            case TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.COMPLEX128_VALUE -> t.getDoubleDataCount();
            case TensorProto.DataType.UINT32_VALUE, TensorProto.DataType.UINT64_VALUE -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
    }

    /** Bytes per element of the element types this proto knows; others are refused. */
    private int elementSize(int type, String where) {
        return switch (type) {
            case TensorProto.DataType.UINT8_VALUE, TensorProto.DataType.INT8_VALUE, TensorProto.DataType.BOOL_VALUE,
                    TensorProto.DataType.STRING_VALUE -> 1;
            case TensorProto.DataType.UINT16_VALUE, TensorProto.DataType.INT16_VALUE, TensorProto.DataType.FLOAT16_VALUE,
                    TensorProto.DataType.BFLOAT16_VALUE -> 2;
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE, TensorProto.DataType.UINT32_VALUE -> 4;
            case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.UINT64_VALUE,
                    TensorProto.DataType.COMPLEX64_VALUE -> 8;
            case TensorProto.DataType.COMPLEX128_VALUE -> 16;
            default -> throw bad(where + " has the unknown element type " + type);
        };
    }

    static String typeName(int type) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(type);
        return t == null ? "#" + type : t.name().toLowerCase(Locale.ROOT);
    }
}
