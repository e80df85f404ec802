package org.vbpstudio.model;

/** How the classifier head sees the sequence: the class token, or the mean of the patch tokens. */
public enum Pooling {
    TOKEN("token"),
    AVG("avg");

    private final String jsonName;

    Pooling(String jsonName) {
        this.jsonName = jsonName;
    }

    /** As {@code config.json}'s {@code global_pool} spells it. */
    public String jsonName() {
        return jsonName;
    }

    /**
     * {@code token} or {@code avg}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Pooling parse(String name) {
        for (Pooling p : values()) {
            if (p.jsonName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("global_pool '" + name + "' is not supported (token or avg)");
    }

    @Override
    public String toString() {
        return jsonName;
    }
}
