package org.vbpstudio.stats;

import java.util.Arrays;

/**
 * Per block, the second-moment sum S = Σ z zᵀ over every calibration token, z = [h; 1] with h the
 * MLP hidden activation after GELU: an (H+1) × (H+1) matrix in double precision, row-major, whose
 * last row and column belong to the constant 1 (so S[H][H] is the token count and S[H][j] = Σ h_j).
 * It is all a least-squares refit of {@code fc2} from a subset of the neurons needs. A plain sum,
 * so batches and shards combine exactly by addition.
 *
 * <p>Large (DeiT-Base: 12 × 3,073² doubles, 0.9 GB), so each block's matrix exists once: files are
 * read straight into it, written from it, and callers read slices ({@link #rows}) rather than copies.
 */
public final class SecondMoments {
    private final double[][] sums;

    /** Zero sums for blocks of hidden widths {@code widths}. */
    public SecondMoments(int[] widths) {
        sums = new double[widths.length][];
        for (int b = 0; b < widths.length; b++) {
            long side = widths[b] + 1L;
            if (side * side > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("block " + b + " of width " + widths[b]
                        + " is too wide for second moments in one array");
            }
            sums[b] = new double[(int) (side * side)];
        }
    }

    private SecondMoments(double[][] sums) {
        this.sums = sums;
    }

    /**
     * Takes {@code sums} over without copying (a file's freshly read arrays): block b's array holds
     * (H_b+1)² values.
     */
    static SecondMoments wrap(double[][] sums) {
        for (int b = 0; b < sums.length; b++) {
            int side = side(sums[b].length);
            if (side < 2) {
                throw new IllegalArgumentException("block " + b + ": " + sums[b].length + " is not (H+1)² for H ≥ 1");
            }
        }
        return new SecondMoments(sums);
    }

    private static int side(int length) {
        int s = (int) Math.round(Math.sqrt(length));
        return (long) s * s == length ? s : -1;
    }

    public int depth() {
        return sums.length;
    }

    /** Block {@code b}'s hidden width H (the matrix is (H+1) × (H+1)). */
    public int width(int block) {
        return side(sums[block].length) - 1;
    }

    public int[] widths() {
        int[] w = new int[depth()];
        for (int b = 0; b < w.length; b++) {
            w[b] = width(b);
        }
        return w;
    }

    /** Tokens summed in block {@code b}: S[H][H]. */
    public synchronized double count(int block) {
        int h = width(block);
        return sums[block][h * (h + 1) + h];
    }

    /** S[i][j] of block {@code b} (index H is the constant). */
    public synchronized double get(int block, int i, int j) {
        return sums[block][i * (width(block) + 1) + j];
    }

    /**
     * Rows {@code rows} of block {@code b}'s S restricted to columns {@code cols}, row-major
     * [rows.length × cols.length]; index H is the constant.
     */
    public synchronized double[] submatrix(int block, int[] rows, int[] cols) {
        int side = width(block) + 1;
        double[] s = sums[block];
        double[] out = new double[rows.length * cols.length];
        for (int r = 0; r < rows.length; r++) {
            int base = rows[r] * side;
            for (int c = 0; c < cols.length; c++) {
                out[r * cols.length + c] = s[base + cols[c]];
            }
        }
        return out;
    }

    /** Rows {@code rows} of block {@code b}'s S, every column: [rows.length × (H+1)]. */
    public synchronized double[] rows(int block, int[] rows) {
        int side = width(block) + 1;
        double[] out = new double[rows.length * side];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(sums[block], rows[r] * side, out, r * side, side);
        }
        return out;
    }

    /** Adds one batch's Σ z zᵀ of block {@code b} ((H+1)² values, row-major). */
    public synchronized void add(int block, double[] batch) {
        double[] s = sums[block];
        if (batch.length != s.length) {
            throw new IllegalArgumentException("block " + block + " holds " + s.length + " second moments, the batch "
                    + batch.length);
        }
        for (int i = 0; i < s.length; i++) {
            s[i] += batch[i];
        }
    }

    /** Adds another shard's sums (same widths) into these: S is a sum over tokens, so this is exact. */
    public synchronized void merge(SecondMoments other) {
        if (!Arrays.equals(widths(), other.widths())) {
            throw new IllegalArgumentException("second moments of different widths: " + Arrays.toString(widths())
                    + " vs " + Arrays.toString(other.widths()));
        }
        for (int b = 0; b < depth(); b++) {
            add(b, other.raw(b));
        }
    }

    public synchronized SecondMoments copy() {
        double[][] c = new double[sums.length][];
        for (int b = 0; b < c.length; b++) {
            c[b] = sums[b].clone();
        }
        return new SecondMoments(c);
    }

    /** Block {@code b}'s own array, for writing it to a file without a copy; not to be modified. */
    synchronized double[] raw(int block) {
        return sums[block];
    }
}
