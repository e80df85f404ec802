package org.vbpstudio.app;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.implement;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vbpstudio.model.Families;
import org.vbpstudio.model.ModelConfig;

/**
 * Inside the app: no class asks which model family it has, the workspace and the task executor
 * need no toolkit, view models hold no Nodes
 * (JabRef's rule), each FXML file sits in its screen's folder, and the screens' packages
 * depend on each other in no circle. That only the app imports JavaFX is {@code arch.LayeringTest}'s;
 * that no package or file of the whole project is in a circle, {@code arch.CyclesTest}'s.
 */
class ArchitectureTest {
    private static final String APP = "org.vbpstudio.app";
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(APP);
    }

    /**
     * The workspace and the background-task machinery hold observable properties (javafx.beans) and
     * nothing tied to the toolkit, so view models run on them in tests without a window; only
     * {@code FxTaskExecutor} runs tasks on the JavaFX thread.
     */
    @Test
    void theWorkspaceAndTheExecutorNeedNoToolkit() {
        noClasses().that().resideInAnyPackage(APP + ".workspace..", APP + ".concurrent..")
                .and().haveNameNotMatching(".*\\.FxTaskExecutor(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("javafx.scene..", "javafx.stage..",
                        "javafx.fxml..", "javafx.application..", "javafx.concurrent..")
                .check(classes);
    }

    /** The shared helpers and the shared state sit at the bottom: they use nothing else of the app. */
    @Test
    void uiAndWorkspaceAreLeaves() {
        for (String leaf : List.of(APP + ".ui", APP + ".workspace")) {
            noClasses().that().resideInAPackage(leaf + "..")
                    .should().dependOnClassesThat(resideInAPackage(APP + "..").and(not(resideInAPackage(leaf + ".."))))
                    .check(classes);
        }
    }

    /**
     * The app works on any model family through {@link ModelConfig} alone: it never names a
     * family's config (to ask which family it holds) nor the place that maps configs to families.
     */
    @Test
    void nothingInTheAppAsksWhichFamilyItHas() {
        noClasses().that().resideInAPackage(APP + "..")
                .should().dependOnClassesThat(implement(ModelConfig.class).or(type(Families.class)))
                .check(classes);
    }

    @Test
    void viewModelsHoldNoNodes() {
        noClasses().that().haveSimpleNameEndingWith("ViewModel")
                .should().dependOnClassesThat().resideInAnyPackage("javafx.scene..", "javafx.stage..")
                .check(classes);
    }

    /**
     * Screens share state through the workspace, not by reading each other's view models. The main
     * window composes them all; undo is the pruning controls' history and restores them.
     */
    @Test
    void screensReadNoOtherScreensViewModel() {
        Set<String> violations = new TreeSet<>();
        for (JavaClass c : classes) {
            String pkg = c.getPackageName();
            if (pkg.equals(APP + ".main") || pkg.equals(APP + ".undo") || pkg.equals(APP)) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass t = d.getTargetClass().getBaseComponentType();
                String top = file(t);
                if (top != null && top.endsWith("ViewModel") && !t.getPackageName().equals(pkg)) {
                    violations.add(file(c) + " -> " + top);
                }
            }
        }
        assertEquals(Set.of(), violations);
    }

    /** The file (top-level class) {@code c} is written in, if it belongs to the app. */
    private static String file(JavaClass c) {
        String name = c.getName();
        if (!name.startsWith(APP + ".")) {
            return null;
        }
        int nested = name.indexOf('$');
        return nested < 0 ? name : name.substring(0, nested);
    }

    @Test
    void theAppsTopLevelPackagesAreFreeOfCycles() {
        slices().matching(APP + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    /** Each FXML file is named after its screen: {@code fxml/SCREEN/VIEW.fxml} for {@code app.SCREEN.VIEW}. */
    @Test
    void everyFxmlFileLiesInTheFolderOfItsScreensPackage() throws IOException {
        List<String> misplaced = new ArrayList<>();
        Path root = Path.of("fxml");
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".fxml")).toList()) {
                Path rel = root.relativize(f);
                String view = rel.getFileName().toString().replace(".fxml", "");
                String screen = rel.getParent() == null ? "" : rel.getParent().toString();
                if (screen.contains("/") || !classes.contain(APP + "." + screen + "." + view)) {
                    misplaced.add(rel.toString());
                }
            }
        }
        assertEquals(List.of(), misplaced, "FXML files with no view of their name in the package of their folder");
    }

}
