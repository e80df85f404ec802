package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.model.ModelPanelViewModel.InfoRow;
import org.vbpstudio.app.neurons.NeuronsViewModel;
import org.vbpstudio.app.prune.BlockViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.ui.Formats;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.model.ModelConfig;
import org.vbpstudio.model.Stage;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.Criterion;

/**
 * How the app names the blocks and widths of a staged model (a 36-block ConvNeXt of stages 3, 3,
 * 27, 3 with widths 16, 32, 64, 128): block cards, the neuron inspector, the side panel and the
 * recovery subject say "stage 2 · block 5", and widths read stage by stage; a ViT keeps "block 7".
 */
class StageLabelsTest {
    private static final String[] TITLES_OF_STAGE_1 = {"Stage 1 · block 0", "Stage 1 · block 1", "Stage 1 · block 2"};

    private static FixtureStudio convNextStudio() {
        FixtureStudio studio = new FixtureStudio();
        studio.vm.workspace().open(new ModelSession(StagedModels.random(StagedModels.convNextDeep(),
                Path.of("convnext-deep"), 2)), null, null);
        return studio;
    }

    private static String row(FixtureStudio studio, String id) {
        return studio.vm.modelPanel().modelRows().stream().filter(r -> r.id().equals(id)).map(InfoRow::value)
                .findFirst().orElseThrow(() -> new AssertionError("no row " + id));
    }

    @Test
    void blocksAreNamedByStageAndPlaceInIt() {
        try (FixtureStudio studio = convNextStudio()) {
            List<BlockViewModel> blocks = studio.vm.pruning().blocks();
            assertEquals(36, blocks.size());
            assertEquals("Stage 0 · block 0", blocks.get(0).title());
            assertEquals(List.of(TITLES_OF_STAGE_1),
                    IntStream.range(3, 6).mapToObj(b -> blocks.get(b).title()).toList());
            assertEquals("stage 2 · block 26", blocks.get(32).label());
            assertEquals("Stage 3 · block 2", blocks.get(35).title());

            NeuronsViewModel neurons = studio.vm.neurons();
            assertEquals(36, neurons.blockChoices().size());
            assertEquals("Stage 2 · block 0", neurons.blockTitle(6));
            studio.vm.inspect(33, -1);
            assertEquals("Stage 3 · block 0", neurons.titleProperty().get(), "no statistics yet: the name alone");
        }
    }

    @Test
    void thePanelAndTheRecoverySubjectListWidthsByStage() {
        try (FixtureStudio studio = convNextStudio()) {
            assertEquals("3 × 16\n3 × 32\n27 × 64\n3 × 128", row(studio, "widths"), "a line per stage, as the Stages row");
            assertEquals("0 · 8×8 · 4 · 3 blocks\n1 · 4×4 · 8 · 3 blocks\n2 · 2×2 · 16 · 27 blocks\n"
                    + "3 · 1×1 · 32 · 3 blocks", row(studio, "stages"));
            assertEquals("36 blocks in 4 stages (3, 3, 27, 3)", row(studio, "depth"));

            PruningViewModel p = studio.vm.pruning();
            p.criterionProperty().set(Criterion.MAGNITUDE); // no statistics needed
            p.compensationProperty().set(Compensation.NONE);
            p.stages().get(1).ratioProperty().set(0.25);
            p.blocks().get(34).ratioProperty().set(0.5);
            String subject = studio.vm.recover().subjectProperty().get();
            assertTrue(subject.startsWith(
                    "The current plan's model: MLP widths 3 × 16 | 3 × 24 | 27 × 64 | 128, 64, 128,"), subject);
        }
    }

    @Test
    void widthsByStageGroupEachStageAlone() {
        ModelConfig cfg = StagedModels.swin(); // stages of 2, 3, 2 blocks
        List<Stage> stages = cfg.stages();
        assertThrows(IllegalArgumentException.class,
                () -> Formats.widths(stages, new int[] {32, 32, 48, 64, 64, 64}, " | "), "six widths, seven blocks");
        assertEquals("2 × 32 | 3 × 64 | 2 × 128", Formats.widths(stages, cfg.mlpHiddenDims(), " | "));
        assertEquals("2 × 32 | 48, 64, 64 | 64, 128",
                Formats.widths(stages, new int[] {32, 32, 48, 64, 64, 64, 128}, " | "), "each stage's own widths");
        List<Stage> one = List.of(new Stage(0, 0, 3, 64, 4, 4)); // a ViT's
        assertEquals("96, 192, 144", Formats.widths(one, new int[] {96, 192, 144}, " | "));
        assertEquals("3 × 192", Formats.widths(one, new int[] {192, 192, 192}, " | "));
    }

    @Test
    void aVitsBlocksKeepTheirPlainNames() {
        try (FixtureStudio studio = new FixtureStudio().open()) {
            assertEquals("Block 1", studio.vm.pruning().blocks().get(1).title());
            assertEquals("block 1", studio.vm.pruning().blocks().get(1).label());
            assertEquals("Block 2", studio.vm.neurons().blockTitle(2));
            assertEquals("3 × 192", row(studio, "widths"));
            assertTrue(studio.vm.modelPanel().modelRows().stream().noneMatch(r -> r.id().equals("stages")),
                    "a ViT's one stage is its Shape row");
        }
    }
}
