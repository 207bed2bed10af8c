package org.xenpv.sim.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds Java sources that name another bundle's internal package: in an
 * import, a package declaration, or a fully qualified name. A bundle is a
 * directory {@code bundles/<name>} and owns the packages of its
 * {@code src/main/java}; sources elsewhere (benchmarks, the real-Xen probe,
 * integration tests) own none.
 */
final class InternalReferences {
    /** A dotted lower-case name under org.xenpv: a package, or the package part of a qualified class name. */
    private static final Pattern PACKAGE = Pattern.compile("\\borg\\.xenpv(?:\\.[a-z_][a-z0-9_]*)+");
    /**
     * Char and one-line string literals: data, not references (this checker's own tests write sources naming
     * made-up internal packages from strings).
     */
    private static final Pattern LITERAL = Pattern.compile("'(?:\\\\.|[^'\\\\])'|\"(?:\\\\.|[^\"\\\\\n])*\"");

    /** One source naming a package it may not. */
    record Violation(Path source, String home, String internalPackage, String owner) {
        @Override
        public String toString() {
            return source + " (" + (home == null ? "outside the bundles" : "bundle " + home) + ") names "
                    + internalPackage + (owner == null ? ", an internal package of no bundle" : " of bundle " + owner);
        }
    }

    private InternalReferences() {
    }

    /** The violations in the tree at {@code root}, in the order of the sources' paths. */
    static List<Violation> find(Path root) {
        Map<String, String> owners = owners(root);
        List<Violation> found = new ArrayList<>();
        for (Path source : sources(root)) {
            String home = home(root, source).orElse(null);
            Matcher names = PACKAGE.matcher(LITERAL.matcher(read(source)).replaceAll("\"\""));
            while (names.find()) {
                String name = names.group();
                if (!isInternal(name)) {
                    continue;
                }
                String owner = owners.get(name);
                boolean ownPackage = home != null && (owner == null || owner.equals(home));
                if (!ownPackage) {
                    found.add(new Violation(root.relativize(source), home, name, owner));
                }
            }
        }
        return found;
    }

    private static boolean isInternal(String name) {
        return List.of(name.split("\\.")).contains("internal");
    }

    /** Each package of a bundle's main sources, and the bundle that holds it. */
    private static Map<String, String> owners(Path root) {
        Map<String, String> owners = new HashMap<>();
        Path bundles = root.resolve("bundles");
        for (Path bundle : list(bundles)) {
            Path main = bundle.resolve("src/main/java");
            for (Path source : javaFiles(main)) {
                String pkg = main.relativize(source.getParent()).toString().replace('/', '.');
                owners.put(pkg, bundle.getFileName().toString());
            }
        }
        return owners;
    }

    private static Optional<String> home(Path root, Path source) {
        Path relative = root.relativize(source);
        if (relative.getNameCount() > 2 && relative.getName(0).toString().equals("bundles")) {
            return Optional.of(relative.getName(1).toString());
        }
        return Optional.empty();
    }

    private static List<Path> sources(Path root) {
        return javaFiles(root).stream().sorted().toList();
    }

    private static List<Path> javaFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> found = new ArrayList<>();
        try {
            // Build output is not descended into: realxen/target holds a guest's root filesystem, with /proc
            // mounted in it while debootstrap runs beside the build.
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                    return !directory.equals(dir) && skipped(directory.getFileName())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (file.toString().endsWith(".java")) {
                        found.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** Build output and hidden directories are not sources. */
    private static boolean skipped(Path name) {
        String text = name.toString();
        return text.equals("target") || text.startsWith(".");
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
