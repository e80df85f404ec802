package org.vbpstudio.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.vbpstudio.io.BadInputException;

/**
 * Which of a model's classes each class folder of an ImageFolder holds. torchvision's rule (label =
 * the folder's position in sorted order) is only right when the folders are exactly the model's
 * classes; a folder per class name lets a subset of the classes (10 of ImageNet's 1,000) be
 * evaluated. The rules, first match wins:
 * <ol>
 *   <li>{@link Rule#BY_NAME}: every folder names one of the model's classes, exactly or ignoring case
 *       with spaces, underscores and '/' alike ("Ankle_boot" is "Ankle boot", "T-shirt_top" is
 *       "T-shirt/top"; file names cannot hold '/'). Models without names (classes "0".."K-1") have
 *       none to match: torchvision sorts digit folders as text, so "10" is position 2, not class 10.</li>
 *   <li>{@link Rule#IMAGENET}: a 1,000-class model and every folder an ImageNet-1k WordNet ID
 *       ({@code n01440764}…): the ID's index in the sorted list of the 1,000 synsets, the order
 *       torchvision and timm train in.</li>
 *   <li>{@link Rule#BY_POSITION}: as many folders as classes, and no folder names a class other than
 *       the one at its position (then the order would silently be wrong).</li>
 * </ol>
 * Otherwise the folders that match no class are named in the error.
 */
public final class ClassMapping {
    /** The 1,000 ImageNet-1k synsets, sorted: the class order of torchvision's and timm's ImageNet models. */
    public static final String IMAGENET_SYNSETS_RESOURCE = "imagenet_synsets.txt";
    private static final int IMAGENET_CLASSES = 1000;
    private static final int NAMED_IN_ERRORS = 5;
    private static final Pattern SEPARATORS = Pattern.compile("[\\s_/]+");
    private static List<String> imagenetSynsets;

    public enum Rule { BY_NAME, IMAGENET, BY_POSITION }

    private final Rule rule;
    private final int[] classOf;

    private ClassMapping(Rule rule, int[] classOf) {
        this.rule = rule;
        this.classOf = classOf;
    }

    public Rule rule() {
        return rule;
    }

    /** The model class of the folder at sorted position {@code folder}. */
    public int classOf(int folder) {
        return classOf[folder];
    }

    /** Whether every folder's class is its position (torchvision's labels are already right). */
    public boolean isIdentity(int numClasses) {
        if (classOf.length != numClasses) {
            return false;
        }
        for (int i = 0; i < classOf.length; i++) {
            if (classOf[i] != i) {
                return false;
            }
        }
        return true;
    }

    /**
     * Maps {@code folders} (sorted class folder names) onto {@code classes} (the model's class names
     * in index order; their count is the class count).
     *
     * @throws BadInputException naming {@code root} and the folders that match no class
     */
    public static ClassMapping of(Path root, List<String> folders, List<String> classes) {
        Resolution r = resolve(folders, classes);
        if (r.mapping == null) {
            throw new BadInputException(root, r.problem);
        }
        return r.mapping;
    }

    /**
     * {@code source} with its labels as the model's class indices ({@code classes} as in {@link #of}):
     * an ImageFolder is mapped, IDX labels must lie below the class count, unlabelled sources pass.
     *
     * @throws BadInputException when the labels cannot be mapped, naming the source
     */
    public static ImageSource relabel(ImageSource source, List<String> classes) {
        if (!source.labelled()) {
            return source;
        }
        if (source.classNames().isEmpty()) {
            if (source.numClasses() > classes.size()) {
                throw new BadInputException(source.root(), "labels of " + source.numClasses()
                        + " classes do not match the model's " + classes.size() + " classes");
            }
            return source;
        }
        ClassMapping m = of(source.root(), source.classNames(), classes);
        return m.isIdentity(classes.size()) ? source : new RelabelledSource(source, m.classOf, classes);
    }

    /**
     * As {@link #relabel}, but labels that cannot be mapped are dropped (an unlabelled view) instead
     * of refused: for {@code predict}, which needs no labels.
     */
    public static ImageSource relabelIfPossible(ImageSource source, List<String> classes) {
        try {
            return relabel(source, classes);
        } catch (BadInputException e) {
            return new RelabelledSource(source, null, classes);
        }
    }

    private record Resolution(ClassMapping mapping, String problem) {}

    private static Resolution resolve(List<String> folders, List<String> classes) {
        int k = classes.size();
        boolean named = !isIndices(classes);
        int[] byName = new int[folders.size()];
        List<String> unmatched = new ArrayList<>();
        String ambiguous = null;
        Names names = new Names(classes);
        if (named) {
            for (int f = 0; f < folders.size(); f++) {
                byName[f] = names.find(folders.get(f));
                if (byName[f] == Names.AMBIGUOUS && ambiguous == null) {
                    ambiguous = "class folder '" + folders.get(f) + "' names " + names.classesNamed(folders.get(f)).size()
                            + " of the model's classes (indices " + names.classesNamed(folders.get(f)).stream()
                            .map(String::valueOf).collect(Collectors.joining(" and ")) + "), so it cannot be mapped"
                            + " by name; give all " + k + " folders in class order"
                            + (k == IMAGENET_CLASSES ? ", or name the folders by ImageNet WordNet ID" : "");
                }
                if (byName[f] < 0) {
                    unmatched.add(folders.get(f));
                }
            }
            if (unmatched.isEmpty()) {
                return new Resolution(new ClassMapping(Rule.BY_NAME, byName), null);
            }
        } else {
            Arrays.fill(byName, -1);
            unmatched.addAll(folders);
        }
        if (k == IMAGENET_CLASSES) {
            int[] bySynset = new int[folders.size()];
            List<String> notSynsets = new ArrayList<>();
            List<String> synsets = imagenetSynsets();
            for (int f = 0; f < folders.size(); f++) {
                bySynset[f] = Collections.binarySearch(synsets, folders.get(f));
                if (bySynset[f] < 0) {
                    notSynsets.add(folders.get(f));
                }
            }
            if (notSynsets.isEmpty()) {
                return new Resolution(new ClassMapping(Rule.IMAGENET, bySynset), null);
            }
            if (!named || notSynsets.size() < unmatched.size()) {
                unmatched = notSynsets; // report against whichever rule came closer
            }
        }
        if (folders.size() == k) {
            boolean contradicted = false;
            for (int f = 0; f < k; f++) {
                contradicted |= byName[f] >= 0 && byName[f] != f
                        || byName[f] == Names.AMBIGUOUS && !names.classesNamed(folders.get(f)).contains(f);
            }
            if (!contradicted) {
                int[] identity = new int[k];
                for (int f = 0; f < k; f++) {
                    identity[f] = f;
                }
                return new Resolution(new ClassMapping(Rule.BY_POSITION, identity), null);
            }
        }
        return new Resolution(null, ambiguous != null ? ambiguous : problem(folders.size(), unmatched, k, named));
    }

    private static String problem(int folders, List<String> unmatched, int k, boolean named) {
        StringBuilder s = new StringBuilder();
        s.append(unmatched.size()).append(" of its ").append(folders).append(" class folders match none of the model's ")
                .append(k).append(" classes: ");
        for (int i = 0; i < Math.min(NAMED_IN_ERRORS, unmatched.size()); i++) {
            s.append(i == 0 ? "" : ", ").append(unmatched.get(i));
        }
        if (unmatched.size() > NAMED_IN_ERRORS) {
            s.append(" and ").append(unmatched.size() - NAMED_IN_ERRORS).append(" more");
        }
        String imagenet = k == IMAGENET_CLASSES ? ", ImageNet WordNet IDs (n01440764…)" : "";
        if (named) {
            s.append(" (name the folders after the model's classes").append(imagenet).append(", or give exactly ")
                    .append(k).append(" folders in class order)");
        } else {
            s.append(" (the model has no class names, so use").append(imagenet.isEmpty() ? "" : imagenet.substring(1) + " or")
                    .append(" exactly ").append(k).append(" folders in class order)");
        }
        return s.toString();
    }

    /** The loader's stand-in for a model without class names: "0", "1", … */
    static boolean isIndices(List<String> classes) {
        for (int i = 0; i < classes.size(); i++) {
            if (!classes.get(i).equals(Integer.toString(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Exact names first, then the normalised key; a key shared by two classes matches neither. An
     * exact name shared by two classes (ImageNet has two "crane" and two "maillot") is
     * {@link #AMBIGUOUS}: mapping it to either would score the other's images as wrong.
     */
    private static final class Names {
        static final int AMBIGUOUS = -2;
        private final Map<String, List<Integer>> exact = new HashMap<>();
        private final Map<String, Integer> loose = new HashMap<>();

        Names(List<String> classes) {
            for (int i = 0; i < classes.size(); i++) {
                exact.computeIfAbsent(classes.get(i), n -> new ArrayList<>()).add(i);
                loose.merge(key(classes.get(i)), i, (a, b) -> -1);
            }
        }

        /** The class, -1 for none, {@link #AMBIGUOUS} for a name two classes share. */
        int find(String folder) {
            List<Integer> same = exact.get(folder);
            if (same != null) {
                return same.size() == 1 ? same.get(0) : AMBIGUOUS;
            }
            Integer i = loose.get(key(folder));
            return i == null ? -1 : i;
        }

        /** The classes named exactly {@code folder}. */
        List<Integer> classesNamed(String folder) {
            return exact.getOrDefault(folder, List.of());
        }

        static String key(String name) {
            return SEPARATORS.matcher(name.strip().toLowerCase(Locale.ROOT)).replaceAll(" ");
        }
    }

    /** The 1,000 ImageNet-1k WordNet IDs in class order (sorted), from {@link #IMAGENET_SYNSETS_RESOURCE}. */
    public static synchronized List<String> imagenetSynsets() {
        if (imagenetSynsets == null) {
            try (InputStream in = ClassMapping.class.getResourceAsStream(IMAGENET_SYNSETS_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + IMAGENET_SYNSETS_RESOURCE + " is missing");
                }
                List<String> ids = new ArrayList<>();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (!line.isBlank()) {
                            ids.add(line.strip());
                        }
                    }
                }
                imagenetSynsets = List.copyOf(ids);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return imagenetSynsets;
    }
}
