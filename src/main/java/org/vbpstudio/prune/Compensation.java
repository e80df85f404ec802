package org.vbpstudio.prune;

/**
 * What happens to a pruned block's output in place of the removed neurons.
 * <ul>
 * <li>{@link #NONE}: they are dropped;</li>
 * <li>{@link #MEAN}: their mean activation is folded into the next layer,
 *     {@code fc2.bias += fc2.weight[:, removed] @ mean[removed]} (VBP);</li>
 * <li>{@link #REFIT}: {@code fc2} is refitted by ridge-regularised least squares on the kept
 *     neurons, from refit statistics ({@code stats --refit}).</li>
 * </ul>
 */
public enum Compensation {
    NONE("none"),
    MEAN("mean"),
    REFIT("refit");

    /** Why a refit cannot run: the one message for statistics without refit data. */
    public static final String REFIT_NEEDS_STATISTICS = "refit needs statistics collected with stats --refit";

    private final String jsonName;

    Compensation(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }

    /** Whether the removed neurons' statistics are needed (every mode but {@link #NONE}). */
    public boolean needsStatistics() {
        return this != NONE;
    }

    /**
     * {@link #MEAN} or {@link #NONE}: the boolean of files written before there were three modes, and
     * of the live preview, which folds means or nothing.
     */
    public static Compensation meanIf(boolean on) {
        return on ? MEAN : NONE;
    }

    /** Accepts {@code none}, {@code mean} and {@code refit}, ignoring case and surrounding space. */
    public static Compensation parse(String name) {
        for (Compensation c : values()) {
            if (c.jsonName.equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compensation '" + name + "' (expected none, mean or refit)");
    }

    @Override
    public String toString() {
        return jsonName;
    }
}
