package org.vbpstudio.model;

/** MACs and parameters of a part of a model (or all of it); see {@link CostModel} for the convention. */
public record Cost(long macs, long params) {
    public static final Cost ZERO = new Cost(0, 0);

    public Cost plus(Cost o) {
        return new Cost(macs + o.macs, params + o.params);
    }
}
