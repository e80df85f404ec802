package org.vbpstudio.data;

import java.util.Arrays;

/**
 * The per-channel mean and standard deviation of a set of images as a model of a given input size
 * sees them (resized and cropped as timm does, pixels in [0, 1], before normalisation): what a
 * model trained on them normalises by. Rounded to 4 decimals, as configs keep them.
 *
 * @param mean per channel
 * @param std  per channel (population standard deviation, at least 1e-6)
 */
public record ChannelStatistics(float[] mean, float[] std) {

    /** Measures every image of {@code source} at {@code size}×{@code size} with {@code channels} channels. */
    public static ChannelStatistics measure(ImageSource source, int channels, int size) {
        float[] zero = new float[channels];
        float[] one = new float[channels];
        Arrays.fill(one, 1f);
        Preprocessing raw = Preprocessing.timm(channels, size, 1.0, zero, one);
        double[] sum = new double[channels];
        double[] sq = new double[channels];
        int plane = size * size;
        float[] px = new float[raw.outputLength()];
        for (int i = 0; i < source.size(); i++) {
            raw.applyInto(source.read(i), px, 0);
            for (int ch = 0; ch < channels; ch++) {
                for (int j = ch * plane; j < (ch + 1) * plane; j++) {
                    sum[ch] += px[j];
                    sq[ch] += (double) px[j] * px[j];
                }
            }
        }
        double count = (double) source.size() * plane;
        float[] m = new float[channels];
        float[] s = new float[channels];
        for (int ch = 0; ch < channels; ch++) {
            double mu = sum[ch] / count;
            m[ch] = round4(mu);
            s[ch] = round4(Math.sqrt(Math.max(sq[ch] / count - mu * mu, 1e-12)));
        }
        return new ChannelStatistics(m, s);
    }

    private static float round4(double v) {
        return (float) (Math.round(v * 10000) / 10000.0);
    }
}
