package org.vbpstudio.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * No packages, and no files (a top-level class with its nested classes), depend on each other in a
 * circle, so each can be read, tested and changed from the bottom up. The direction of the floors
 * is {@link LayeringTest}'s.
 */
class CyclesTest {
    private static final String ROOT = "org.vbpstudio";
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(location -> !location.contains("/test-classes/"))
            .importPackages(ROOT);

    @Test
    void topLevelPackagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
    }

    /** Every package on its own, the root of a tree (such as {@code app}) included. */
    @Test
    void everyPackageIsFreeOfCycles() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void noFilesDependOnEachOtherInACircle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (JavaClass c : MAIN) {
            String from = file(c);
            if (from == null) {
                continue;
            }
            Set<String> targets = graph.computeIfAbsent(from, k -> new TreeSet<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = file(d.getTargetClass().getBaseComponentType()); // Foo[] depends on Foo's file
                if (to != null && !to.equals(from)) {
                    targets.add(to);
                }
            }
        }
        List<List<String>> cycles = stronglyConnected(graph).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(), cycles, "files that depend on each other in a circle");
    }

    @Test
    void tarjanFindsACircleAndNothingElse() {
        Map<String, Set<String>> g = new TreeMap<>();
        g.put("a.A", Set.of("b.B"));
        g.put("b.B", Set.of("c.C"));
        g.put("c.C", Set.of("a.A", "d.D"));
        g.put("d.D", Set.of());
        List<List<String>> big = stronglyConnected(g).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(List.of("a.A", "b.B", "c.C")), big);
    }

    /** The file (top-level class) {@code c} is written in, if it is one of the project's. */
    private static String file(JavaClass c) {
        String name = c.getName();
        if (!name.startsWith(ROOT + ".")) {
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
        Set<String> onStack = new HashSet<>();
        List<List<String>> components = new ArrayList<>();
        for (String root : graph.keySet()) {
            if (index.containsKey(root)) {
                continue;
            }
            Deque<Map.Entry<String, Iterator<String>>> work = new ArrayDeque<>();
            visit(root, index, low, stack, onStack);
            work.push(Map.entry(root, graph.getOrDefault(root, Set.of()).iterator()));
            while (!work.isEmpty()) {
                String v = work.peek().getKey();
                Iterator<String> next = work.peek().getValue();
                if (next.hasNext()) {
                    String w = next.next();
                    if (!index.containsKey(w)) {
                        visit(w, index, low, stack, onStack);
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
                        component.add(w);
                    } while (!w.equals(v));
                    component.sort(null);
                    components.add(component);
                }
            }
        }
        return components;
    }

    private static void visit(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            Set<String> onStack) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
    }
}
