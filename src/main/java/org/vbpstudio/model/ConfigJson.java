package org.vbpstudio.model;

import com.google.gson.JsonArray;

/** JSON arrays for the configs every family writes. */
public final class ConfigJson {
    private ConfigJson() {}

    public static JsonArray intArray(int[] values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    /** Floats as their shortest decimal (0.485, not 0.48500001430511475). */
    public static JsonArray floatArray(float[] values) {
        JsonArray a = new JsonArray();
        for (float v : values) {
            a.add(Double.parseDouble(Float.toString(v)));
        }
        return a;
    }
}
