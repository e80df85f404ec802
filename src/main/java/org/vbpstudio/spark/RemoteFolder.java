package org.vbpstudio.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.vbpstudio.data.ImageFiles;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.io.OneLine;

/**
 * Lists an image folder through Hadoop's file systems on the driver, with the core's rules
 * ({@link ImageFiles}: hidden entries skipped, image extensions, order by name) and its layouts: an
 * ImageFolder (labels: class folders in sorted order, images in sorted relative-path order over the
 * whole tree) or a flat folder (unlabelled). So the same folder lists the same images in the same
 * order as {@code stats} lists it, and {@code --limit N} spreads over them alike. IDX pairs are
 * read by {@code stats} only.
 */
final class RemoteFolder {
    private RemoteFolder() {}

    /** @throws BadInputException naming the folder when it is missing, holds no images or mixes the layouts */
    static RemoteImages open(String uri, Configuration conf) {
        Path named = Path.of(uri);
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(uri);
        try {
            FileSystem fs = root.getFileSystem(conf);
            FileStatus status;
            try {
                status = fs.getFileStatus(root);
            } catch (FileNotFoundException e) {
                throw new BadInputException(named, "does not exist");
            }
            if (!status.isDirectory()) {
                throw new BadInputException(named, "is not a folder (the job reads an ImageFolder or a flat folder"
                        + " of images; IDX pairs: run stats)");
            }
            List<FileStatus> children = visible(fs, root);
            List<String> flat = new ArrayList<>();
            List<String> classNames = new ArrayList<>();
            for (FileStatus c : children) {
                String name = c.getPath().getName();
                if (c.isDirectory()) {
                    classNames.add(name);
                } else if (c.isFile() && ImageFiles.hasImageExtension(name)) {
                    flat.add(name);
                }
            }
            List<String[]> entries = new ArrayList<>(); // {relative name, label}
            for (int label = 0; label < classNames.size(); label++) {
                collect(fs, new org.apache.hadoop.fs.Path(root, classNames.get(label)), classNames.get(label),
                        Integer.toString(label), entries);
            }
            if (!entries.isEmpty() && !flat.isEmpty()) {
                throw new BadInputException(named, "holds both image files and class folders with images;"
                        + " use either a flat folder of images or one sub-folder per class");
            }
            HadoopSettings settings = new HadoopSettings(conf);
            if (!entries.isEmpty()) {
                entries.sort(Comparator.comparing((String[] e) -> e[0], ImageFiles.ORDER));
                return new RemoteImages(uri, entries.stream().map(e -> e[0]).toArray(String[]::new),
                        entries.stream().mapToInt(e -> Integer.parseInt(e[1])).toArray(), classNames,
                        classNames.size(), true, settings);
            }
            if (flat.isEmpty()) {
                throw new BadInputException(named, "no images found (expected PNG, JPEG, BMP or GIF files or"
                        + " class sub-folders holding them" + (classNames.isEmpty() ? "" : ", as " + classNames + " do not")
                        + "; IDX pairs: run stats)");
            }
            return new RemoteImages(uri, flat.toArray(String[]::new), new int[flat.size()], List.of(), 0, false,
                    settings);
        } catch (IOException e) {
            throw new BadInputException(named, "cannot be listed (" + OneLine.squeeze(e) + ")", e);
        }
    }

    /** The entries of a folder that are not hidden, sorted by name. */
    private static List<FileStatus> visible(FileSystem fs, org.apache.hadoop.fs.Path dir) throws IOException {
        List<FileStatus> out = new ArrayList<>(Arrays.asList(fs.listStatus(dir)));
        out.removeIf(s -> ImageFiles.isHidden(s.getPath().getName()));
        out.sort(Comparator.comparing((FileStatus s) -> s.getPath().getName(), ImageFiles.ORDER));
        return out;
    }

    /** Every image under a class folder, at any depth (hidden sub-folders skipped), as {relative name, label}. */
    private static void collect(FileSystem fs, org.apache.hadoop.fs.Path dir, String relative, String label,
            List<String[]> out) throws IOException {
        for (FileStatus s : visible(fs, dir)) {
            String name = s.getPath().getName();
            if (s.isDirectory()) {
                collect(fs, s.getPath(), relative + "/" + name, label, out);
            } else if (s.isFile() && ImageFiles.hasImageExtension(name)) {
                out.add(new String[] {relative + "/" + name, label});
            }
        }
    }
}
