package org.vbpstudio.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Pooling;
import org.vbpstudio.model.VitConfig;

class ArchitectureConfigTest {

    @Test
    void theSampleModelsShape() {
        VitConfig c = new Architecture("vit_fmnist_patch7_28", 28, 7, 1, 96, 6, 3, 4).config(10);
        assertEquals(new VitConfig("vit_fmnist_patch7_28", 28, 7, 1, 96, 3, new int[] {384, 384, 384, 384, 384, 384},
                10, false, 1e-6, Pooling.TOKEN), c);
        assertEquals(17, c.numTokens()); // 4 x 4 patches and the class token
    }

    @Test
    void aDefaultNameAndARoundedMlpWidth() {
        VitConfig c = new Architecture(null, 32, 8, 3, 10, 2, 2, 2.55).config(5);
        assertEquals("vit_custom_patch8_32", c.architecture());
        assertArrayEquals(new int[] {26, 26}, c.mlpHiddenDims()); // round(25.5)
    }

    @Test
    void shapesThatCannotBeBuiltNameTheOptionAtFault() {
        assertEquals("--patch 5 must divide the image size 28",
                assertThrows(IllegalArgumentException.class, () -> new Architecture(null, 28, 5, 1, 96, 6, 3, 4).config(10))
                        .getMessage());
        assertEquals("--in-chans must be 1 or 3, not 2",
                assertThrows(IllegalArgumentException.class, () -> new Architecture(null, 28, 7, 2, 96, 6, 3, 4).config(10))
                        .getMessage());
        assertEquals("--heads 5 must divide --embed-dim 96 (and --depth must be positive)",
                assertThrows(IllegalArgumentException.class, () -> new Architecture(null, 28, 7, 1, 96, 6, 5, 4).config(10))
                        .getMessage());
        assertEquals("--mlp-ratio 0.001 gives no hidden neurons",
                assertThrows(IllegalArgumentException.class, () -> new Architecture(null, 28, 7, 1, 96, 6, 3, 0.001)
                        .config(10)).getMessage());
    }
}
