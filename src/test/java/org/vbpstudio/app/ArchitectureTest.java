package org.vbpstudio.app;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Inside the app: the workspace and the task executor need no toolkit, view models hold no Nodes
 * (JabRef's rule), each FXML file sits in its screen's folder, and nothing depends on itself in a
 * circle, neither packages nor files. That only the app imports JavaFX is {@code arch.LayeringTest}'s.
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

    @Test
    void theAppsTopLevelPackagesAreFreeOfCycles() {
        slices().matching(APP + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void everyPackageInTheAppIsFreeOfCycles() {
        slices().matching(APP + ".(**)").should().beFreeOfCycles().check(classes);
    }

    /**
     * The two rules above leave out the root package ({@code app.(*)} needs a sub-package); here the
     * root is a slice of its own: the launcher and the window sit on top and nothing below uses them.
     */
    @Test
    void theRootPackageIsInNoCycle() {
        slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass c) {
                String pkg = c.getPackageName();
                if (pkg.equals(APP)) {
                    return SliceIdentifier.of("app (root)");
                }
                if (!pkg.startsWith(APP + ".")) {
                    return SliceIdentifier.ignore();
                }
                String rest = pkg.substring(APP.length() + 1);
                int dot = rest.indexOf('.');
                return SliceIdentifier.of("app." + (dot < 0 ? rest : rest.substring(0, dot)));
            }

            @Override
            public String getDescription() {
                return "the app's root package and each of its top-level sub-packages";
            }
        }).should().beFreeOfCycles().check(classes);
        slices().matching("org.vbpstudio.(**)").should().beFreeOfCycles().check(classes);
    }

    /** A top-level class and its nested classes are one file; no two files depend on each other in a circle. */
    @Test
    void noFilesDependOnEachOtherInACircle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (JavaClass c : classes) {
            String from = file(c);
            if (from == null) {
                continue;
            }
            Set<String> targets = graph.computeIfAbsent(from, k -> new TreeSet<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = file(d.getTargetClass().getBaseComponentType());
                if (to != null && !to.equals(from)) {
                    targets.add(to);
                }
            }
        }
        List<List<String>> cycles = new ArrayList<>();
        for (List<String> component : stronglyConnected(graph)) {
            if (component.size() > 1) {
                cycles.add(component);
            }
        }
        assertEquals(List.of(), cycles, "files that depend on each other in a circle");
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

    /** Tarjan's strongly connected components, each sorted; iterative, so deep graphs cannot overflow the stack. */
    static List<List<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String root : graph.keySet()) {
            if (index.containsKey(root)) {
                continue;
            }
            Deque<Map.Entry<String, java.util.Iterator<String>>> work = new ArrayDeque<>();
            visit(root, index, low, stack, onStack, counter);
            work.push(Map.entry(root, graph.getOrDefault(root, Set.of()).iterator()));
            while (!work.isEmpty()) {
                String v = work.peek().getKey();
                java.util.Iterator<String> next = work.peek().getValue();
                if (next.hasNext()) {
                    String w = next.next();
                    if (!index.containsKey(w)) {
                        visit(w, index, low, stack, onStack, counter);
                        work.push(Map.entry(w, graph.getOrDefault(w, Set.of()).iterator()));
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = work.peek().getKey();
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    List<String> component = new ArrayList<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        component.add(w.substring(APP.length() + 1));
                    } while (!w.equals(v));
                    component.sort(null);
                    components.add(component);
                }
            }
        }
        return components;
    }

    private static void visit(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            Set<String> onStack, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
    }

    /** Each FXML file is named after its screen: {@code fxml/SCREEN/VIEW.fxml} for {@code app.SCREEN.VIEW}. */
    @Test
    void everyFxmlFileLiesInTheFolderOfItsScreensPackage() throws java.io.IOException {
        List<String> misplaced = new ArrayList<>();
        java.nio.file.Path root = java.nio.file.Path.of("fxml");
        try (var files = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".fxml")).toList()) {
                java.nio.file.Path rel = root.relativize(f);
                String view = rel.getFileName().toString().replace(".fxml", "");
                String screen = rel.getParent() == null ? "" : rel.getParent().toString();
                if (screen.contains("/") || !classes.contain(APP + "." + screen + "." + view)) {
                    misplaced.add(rel.toString());
                }
            }
        }
        assertEquals(List.of(), misplaced, "FXML files with no view of their name in the package of their folder");
    }

    @Test
    void tarjanFindsACircleAndNothingElse() {
        Map<String, Set<String>> g = new TreeMap<>();
        g.put(APP + ".a.A", Set.of(APP + ".b.B"));
        g.put(APP + ".b.B", Set.of(APP + ".c.C"));
        g.put(APP + ".c.C", Set.of(APP + ".a.A", APP + ".d.D"));
        g.put(APP + ".d.D", Set.of());
        List<List<String>> big = stronglyConnected(g).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(List.of("a.A", "b.B", "c.C")), big);
    }
}
