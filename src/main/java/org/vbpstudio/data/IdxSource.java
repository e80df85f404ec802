package org.vbpstudio.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.vbpstudio.io.InputFiles;
import org.vbpstudio.io.OneLine;
import org.vbpstudio.io.BadInputException;

/**
 * An MNIST-format IDX pair: a {@code *images*idx3*} file (unsigned bytes, N x rows x cols) and its
 * {@code *labels*idx1*} file, either optionally gzipped (recognised by content, not by name).
 * Everything is read into memory once at open (Fashion-MNIST's 60,000 training images are 47 MB)
 * so that reads are copies from an array, safe from any thread. Images are one-channel.
 *
 * <p>A hostile header costs nothing: the image size is checked against {@link ImageLimits} and the
 * total against {@link #MAX_BYTES} (64-bit arithmetic, overflow refused) before anything is read,
 * the pixels are stored in chunks allocated only as the data arrives (a truncated or gzipped file
 * claiming a gigabyte allocates at most one chunk more than it holds), and no more bytes are
 * decompressed than the header declares, plus one to detect trailing data.
 */
public final class IdxSource implements ImageSource {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private final Path imagesFile;
    private final Path labelsFile;
    private final int count;
    private final int rows;
    private final int cols;
    /** In-memory limit of one IDX images file; larger data sets are split into several files. */
    static final long MAX_BYTES = 1L << 30;
    private static final int CHUNK_BYTES = 64 << 20;

    private final int imagesPerChunk;
    private final byte[][] pixels;
    private final byte[] labels;
    private final int numClasses;

    /**
     * Reads and validates a pair.
     *
     * @param imagesFile the {@code idx3} images file
     * @param labelsFile its {@code idx1} labels file, or null for an unlabelled source
     * @throws BadInputException naming the file on any format problem or count mismatch
     */
    public IdxSource(Path imagesFile, Path labelsFile) {
        this.imagesFile = Objects.requireNonNull(imagesFile, "imagesFile");
        this.labelsFile = labelsFile;
        try (DataInputStream in = open(imagesFile)) {
            int magic = readHeaderInt(in, imagesFile);
            if (magic != IMAGES_MAGIC) {
                throw new BadInputException(imagesFile, String.format(
                        "not an IDX images file (magic number 0x%08x, expected 0x%08x)", magic, IMAGES_MAGIC));
            }
            count = readHeaderInt(in, imagesFile);
            rows = readHeaderInt(in, imagesFile);
            cols = readHeaderInt(in, imagesFile);
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw new BadInputException(imagesFile, "IDX header has impossible dimensions "
                        + count + " x " + rows + " x " + cols);
            }
            ImageLimits.check(imagesFile, cols, rows);
            long imageBytes = (long) rows * cols;
            long bytes;
            try {
                bytes = Math.multiplyExact(count, imageBytes);
            } catch (ArithmeticException e) {
                bytes = Long.MAX_VALUE;
            }
            if (imageBytes > Integer.MAX_VALUE - 16 || bytes > MAX_BYTES) {
                throw new BadInputException(imagesFile, "too large: " + count + " images of " + rows + "x" + cols
                        + " exceed " + (MAX_BYTES >> 30) + " GiB in memory; split it");
            }
            imagesPerChunk = (int) Math.max(1, CHUNK_BYTES / imageBytes);
            pixels = readImages(in, imagesFile, (int) imageBytes);
        } catch (IOException e) {
            throw new BadInputException(imagesFile, "cannot be read (" + OneLine.squeeze(e) + ")", e);
        }
        if (count == 0) {
            throw new BadInputException(imagesFile, "no images found (the IDX file holds 0 images)");
        }
        if (labelsFile == null) {
            labels = null;
            numClasses = 0;
            return;
        }
        try (DataInputStream in = open(labelsFile)) {
            int magic = readHeaderInt(in, labelsFile);
            if (magic != LABELS_MAGIC) {
                throw new BadInputException(labelsFile, String.format(
                        "not an IDX labels file (magic number 0x%08x, expected 0x%08x)", magic, LABELS_MAGIC));
            }
            int n = readHeaderInt(in, labelsFile);
            if (n != count) {
                throw new BadInputException(labelsFile, "holds " + n + " labels but " + imagesFile.getFileName()
                        + " holds " + count + " images");
            }
            labels = readBody(in, labelsFile, n, n + " labels");
        } catch (IOException e) {
            throw new BadInputException(labelsFile, "cannot be read (" + OneLine.squeeze(e) + ")", e);
        }
        int max = 0;
        for (byte b : labels) {
            max = Math.max(max, b & 0xFF);
        }
        numClasses = max + 1;
    }

    /** Opens plain or gzipped content, whatever the name says. */
    private static DataInputStream open(Path file) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(
                Channels.newInputStream(InputFiles.openRead(file, "an IDX file")), 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream in = buffered;
        if (b0 == 0x1f && b1 == 0x8b) {
            in = new GZIPInputStream(buffered, 1 << 16);
        }
        return new DataInputStream(in);
    }

    private static int readHeaderInt(DataInputStream in, Path file) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new BadInputException(file, "truncated: the IDX header is incomplete");
        }
    }

    /** The pixels, {@link #imagesPerChunk} images a chunk, each chunk allocated when its data is due. */
    private byte[][] readImages(DataInputStream in, Path file, int imageBytes) throws IOException {
        byte[][] chunks = new byte[(count + imagesPerChunk - 1) / imagesPerChunk][];
        long read = 0;
        long expected = (long) count * imageBytes;
        for (int c = 0; c < chunks.length; c++) {
            int images = Math.min(imagesPerChunk, count - c * imagesPerChunk);
            chunks[c] = new byte[images * imageBytes];
            int n = in.readNBytes(chunks[c], 0, chunks[c].length);
            read += n;
            if (n < chunks[c].length) {
                throw new BadInputException(file, "truncated: the header announces " + count + " images of "
                        + rows + "x" + cols + " (" + expected + " bytes of data) but only " + read + " follow");
            }
        }
        if (in.read() >= 0) {
            throw new BadInputException(file, "longer than its header announces (" + count + " images of "
                    + rows + "x" + cols + "): trailing data");
        }
        return chunks;
    }

    private static byte[] readBody(DataInputStream in, Path file, int n, String what) throws IOException {
        byte[] body = in.readNBytes(n);
        if (body.length < n) {
            throw new BadInputException(file, "truncated: the header announces " + what + " ("
                    + n + " bytes of data) but only " + body.length + " follow");
        }
        if (in.read() >= 0) {
            throw new BadInputException(file, "longer than its header announces (" + what + "): trailing data");
        }
        return body;
    }

    @Override public Path root() { return imagesFile; }
    @Override public int size() { return count; }
    @Override public boolean labelled() { return labels != null; }
    @Override public List<String> classNames() { return List.of(); }
    @Override public int numClasses() { return numClasses; }

    /** The images file. */
    public Path imagesFile() {
        return imagesFile;
    }

    /** The labels file, or null when unlabelled. */
    public Path labelsFile() {
        return labelsFile;
    }

    /** Image height. */
    public int rows() {
        return rows;
    }

    /** Image width. */
    public int cols() {
        return cols;
    }

    @Override
    public String name(int i) {
        Objects.checkIndex(i, count);
        String digits = Integer.toString(i);
        return digits.length() >= 5 ? "idx/" + digits : "idx/" + "00000".substring(digits.length()) + digits;
    }

    @Override
    public int label(int i) {
        Objects.checkIndex(i, count);
        return labels == null ? -1 : labels[i] & 0xFF;
    }

    @Override
    public RawImage read(int i) {
        Objects.checkIndex(i, count);
        int n = rows * cols;
        byte[] px = new byte[n];
        System.arraycopy(pixels[i / imagesPerChunk], (i % imagesPerChunk) * n, px, 0, n);
        return new RawImage(cols, rows, 1, px);
    }

    @Override
    public String toString() {
        return "IDX " + imagesFile + " (" + count + " images of " + rows + "x" + cols
                + (labels == null ? ", unlabelled)" : ", " + numClasses + " classes)");
    }
}
