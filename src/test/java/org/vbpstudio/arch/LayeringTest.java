package org.vbpstudio.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/** The core stays free of JavaFX so the CLI and tests use it directly (only app/ may import it). */
class LayeringTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(location -> !location.contains("/test-classes/")) // any build directory
            .importPackages("org.vbpstudio");

    @Test
    void coreDoesNotDependOnJavaFx() {
        noClasses().that().resideOutsideOfPackage("org.vbpstudio.app..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.controlsfx..")
                .check(MAIN);
    }

    @Test
    void coreDoesNotDependOnTheAppOrTheCli() {
        noClasses().that().resideInAnyPackage("org.vbpstudio.model..", "org.vbpstudio.data..", "org.vbpstudio.stats..",
                        "org.vbpstudio.prune..", "org.vbpstudio.eval..", "org.vbpstudio.train..", "org.vbpstudio.io..")
                .should().dependOnClassesThat().resideInAnyPackage("org.vbpstudio.app..", "org.vbpstudio.cli..")
                .check(MAIN);
    }
}
