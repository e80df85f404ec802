package org.vbpstudio.model;

/** The model families VBP prunes: each block of each has an MLP {@code fc2(GELU(fc1(x)))}. */
public enum Family {
    /** timm's VisionTransformer: ViT, DeiT (distilled or not), DeiT III (LayerScale). */
    VIT("ViT"),
    /** timm's SwinTransformer (v1): shifted-window attention, patch merging between stages. */
    SWIN("Swin"),
    /** timm's ConvNeXt (v1): depthwise 7×7 conv, LayerNorm, MLP, layer scale. */
    CONVNEXT("ConvNeXt");

    private final String displayName;

    Family(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }
}
