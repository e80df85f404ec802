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

    /**
     * The floors, lowest first: io → data → model → stats → prune → eval / train → app → cli; the
     * Spark job ({@code spark}) stands beside app and cli, on the core, and nothing imports it.
     */
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
                .layer("spark").definedBy(ROOT + ".spark..")
                .whereLayer("spark").mayNotBeAccessedByAnyLayer()
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("app").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("train").mayOnlyBeAccessedByLayers("app", "cli", "spark")
                .whereLayer("eval").mayOnlyBeAccessedByLayers("app", "cli", "spark")
                .whereLayer("prune").mayOnlyBeAccessedByLayers("eval", "train", "app", "cli", "spark")
                .whereLayer("stats").mayOnlyBeAccessedByLayers("prune", "eval", "train", "app", "cli", "spark")
                .whereLayer("model").mayOnlyBeAccessedByLayers("stats", "prune", "eval", "train", "app", "cli", "spark")
                .whereLayer("data").mayOnlyBeAccessedByLayers("model", "stats", "prune", "eval", "train", "app", "cli", "spark")
                .whereLayer("io").mayOnlyBeAccessedByLayers("data", "model", "stats", "prune", "eval", "train", "app", "cli", "spark")
                .check(MAIN);
    }
}
