package org.xenpv.http.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Maps request paths to the regular files under one directory, and to nothing
 * outside it: no {@code ..} segment, and no symbolic link whose target lies
 * outside the directory.
 */
final class StaticFiles {
    static final String INDEX = "index.html";

    /** Where a path leads. */
    sealed interface Lookup {
        record Found(Path file) implements Lookup {
        }

        record NotFound() implements Lookup {
        }

        /** The path tries to leave the directory or cannot name a file. */
        record Invalid(String why) implements Lookup {
        }
    }

    private final Path root;

    /** @param root an existing directory */
    StaticFiles(Path root) throws IOException {
        try {
            this.root = root.toRealPath();
        } catch (NoSuchFileException e) {
            throw new IOException("the root " + root + " does not exist", e);
        }
        if (!Files.isDirectory(this.root)) {
            throw new IOException("the root " + root + " is not a directory");
        }
    }

    Path root() {
        return root;
    }

    /** @param path the decoded request path, starting with / */
    Lookup find(String path) {
        if (path.indexOf('\0') >= 0) {
            return new Lookup.Invalid("a NUL character in the path");
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                return new Lookup.Invalid("a .. segment in the path");
            }
        }
        String relative = path.replaceFirst("^/+", "");
        Path candidate;
        try {
            candidate = root.resolve(relative).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return new Lookup.Invalid("not a file name: " + e.getMessage());
        }
        if (!candidate.startsWith(root)) {
            return new Lookup.Invalid("the path leaves the root");
        }
        try {
            Path real = candidate.toRealPath();
            if (Files.isDirectory(real)) {
                real = real.resolve(INDEX).toRealPath();
            }
            // A link inside the root may point anywhere: only what it leads to counts.
            if (!real.startsWith(root) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)
                    || !Files.isReadable(real)) {
                return new Lookup.NotFound();
            }
            return new Lookup.Found(real);
        } catch (IOException e) { // NoSuchFileException among them
            return new Lookup.NotFound();
        }
    }

    /** The media type of a file, by its name; application/octet-stream when unknown. */
    static String contentType(Path file) {
        String name = file.getFileName().toString();
        String type = java.net.URLConnection.guessContentTypeFromName(name);
        if (type == null) {
            try {
                type = Files.probeContentType(file);
            } catch (IOException e) {
                type = null;
            }
        }
        return type == null ? "application/octet-stream" : type;
    }
}
