package org.vbpstudio.app.dialogs;

import java.util.List;

/** A file chooser filter: "Pruning plan (*.json)". */
public record FileType(String description, List<String> patterns) {
    public static final FileType SAFETENSORS = new FileType("Model weights (*.safetensors)", List.of("*.safetensors"));
    public static final FileType STATISTICS = new FileType("Activation statistics (*.safetensors)", List.of("*.safetensors"));
    public static final FileType PLAN = new FileType("Pruning plan (*.json)", List.of("*.json"));
    public static final FileType SENSITIVITY = new FileType("Per-block sensitivity (*.json)", List.of("*.json"));
    public static final FileType SESSION = new FileType("VBP Studio session (*.vbps)", List.of("*.vbps"));
    public static final FileType FIGURE = new FileType("Figure (*.svg, *.pdf, *.png)", List.of("*.svg", "*.pdf", "*.png"));
    public static final FileType IDX = new FileType("IDX images (*images*idx3*)", List.of("*images*idx3*"));
}
