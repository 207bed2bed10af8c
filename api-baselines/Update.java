import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Makes the API reference of every bundle from the jars of a build (bundles/NAME/target/NAME-VERSION.jar), as a
 * Maven repository here: org/xenpv/NAME/REFERENCE/NAME-REFERENCE.jar, holding the manifest and the exported
 * packages alone, which is all the baseline compares. Run from the project's root after mvn package:
 * <pre>java api-baselines/Update.java REFERENCE [BUNDLE...]</pre>
 * naming bundles to make only theirs (a new bundle's, under the current reference).
 */
public class Update {
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: java api-baselines/Update.java REFERENCE [BUNDLE...]");
        }
        String reference = args[0];
        List<String> only = List.of(args).subList(1, args.length);
        String projectVersion = projectVersion(Path.of("pom.xml"));
        try (Stream<Path> bundles = Files.list(Path.of("bundles"))) {
            for (Path bundle : bundles.filter(d -> Files.exists(d.resolve("pom.xml"))).sorted().toList()) {
                String name = bundle.getFileName().toString();
                if (!only.isEmpty() && !only.contains(name)) {
                    continue;
                }
                Path jar = bundle.resolve("target").resolve(name + "-" + projectVersion + ".jar");
                if (!Files.exists(jar)) {
                    throw new IllegalStateException(jar + " is missing: run mvn package first");
                }
                Path out = Path.of("api-baselines", "org", "xenpv", name, reference, name + "-" + reference + ".jar");
                System.out.println(out + ": " + String.join(", ", copyApi(jar, out)));
            }
        }
    }

    private static String projectVersion(Path pom) throws IOException {
        String text = Files.readString(pom);
        int parent = text.indexOf("</parent>");
        int start = text.indexOf("<version>", Math.max(parent, 0)) + "<version>".length();
        return text.substring(start, text.indexOf("</version>", start)).trim();
    }

    /** Copies the manifest and the entries of the exported packages; returns those packages. */
    private static Set<String> copyApi(Path jar, Path out) throws IOException {
        Files.createDirectories(out.getParent());
        try (JarFile in = new JarFile(jar.toFile());
                OutputStream file = Files.newOutputStream(out);
                JarOutputStream api = new JarOutputStream(file)) {
            JarEntry manifest = new JarEntry(JarFile.MANIFEST_NAME);
            manifest.setTime(0); // the same API makes the same bytes
            api.putNextEntry(manifest);
            in.getManifest().write(api);
            api.closeEntry();
            Set<String> exported = exportedPackages(in.getManifest().getMainAttributes());
            for (JarEntry entry : in.stream().sorted((a, b) -> a.getName().compareTo(b.getName())).toList()) {
                String name = entry.getName();
                int slash = name.lastIndexOf('/');
                if (entry.isDirectory() || slash < 0 || !exported.contains(name.substring(0, slash).replace('/', '.'))) {
                    continue;
                }
                JarEntry copy = new JarEntry(name);
                copy.setTime(0);
                api.putNextEntry(copy);
                try (InputStream content = in.getInputStream(entry)) {
                    content.transferTo(api);
                }
                api.closeEntry();
            }
            return exported;
        }
    }

    /** The package names of Export-Package: clauses split at commas outside quotes, each name before its ';'. */
    private static Set<String> exportedPackages(Attributes manifest) {
        String header = manifest.getValue("Export-Package");
        Set<String> packages = new TreeSet<>();
        if (header == null) {
            return packages;
        }
        List<String> clauses = new ArrayList<>();
        StringBuilder clause = new StringBuilder();
        boolean quoted = false;
        for (char c : header.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                clauses.add(clause.toString());
                clause.setLength(0);
            } else {
                clause.append(c);
            }
        }
        clauses.add(clause.toString());
        for (String each : clauses) {
            packages.add(each.split(";", 2)[0].trim());
        }
        return packages;
    }
}
