package org.vbpstudio.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/**
 * The core stays free of JavaFX so the CLI and tests use it directly (only app/ may import it), and
 * no package imports from a floor above its own. Cycles are {@link CyclesTest}'s.
 */
class LayeringTest {
    private static final String ROOT = "org.vbpstudio";
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(location -> !location.contains("/test-classes/")) // any build directory
            .importPackages(ROOT);

    @Test
    void coreDoesNotDependOnJavaFx() {
        noClasses().that().resideOutsideOfPackage("org.vbpstudio.app..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.controlsfx..")
                .check(MAIN);
    }

    /** The floors, lowest first: io → data → model → stats → prune → eval / train → app → cli. */
    @Test
    void nothingImportsFromAHigherFloor() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("io").definedBy(ROOT + ".io..")
                .layer("data").definedBy(ROOT + ".data..")
                .layer("model").definedBy(ROOT + ".model..")
                .layer("stats").definedBy(ROOT + ".stats..")
                .layer("prune").definedBy(ROOT + ".prune..")
                .layer("eval").definedBy(ROOT + ".eval..")
                .layer("train").definedBy(ROOT + ".train..")
                .layer("app").definedBy(ROOT + ".app..")
                .layer("cli").definedBy(ROOT + ".cli..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("app").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("train").mayOnlyBeAccessedByLayers("app", "cli")
                .whereLayer("eval").mayOnlyBeAccessedByLayers("app", "cli")
                .whereLayer("prune").mayOnlyBeAccessedByLayers("eval", "train", "app", "cli")
                .whereLayer("stats").mayOnlyBeAccessedByLayers("prune", "eval", "train", "app", "cli")
                .whereLayer("model").mayOnlyBeAccessedByLayers("stats", "prune", "eval", "train", "app", "cli")
                .whereLayer("data").mayOnlyBeAccessedByLayers("model", "stats", "prune", "eval", "train", "app", "cli")
                .whereLayer("io").mayOnlyBeAccessedByLayers("data", "model", "stats", "prune", "eval", "train", "app", "cli")
                .check(MAIN);
    }
}
