package org.xenpv.sim.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No source of the project names another bundle's internal package: tests,
 * benchmarks and tools outside a bundle use the exported APIs (the layers'
 * standalone factories, this module's simulated host); a bundle's own tests
 * may use its own internals.
 */
class NoForeignInternalsTest {

    /** The project's root: the nearest directory above this module with bundles/ and a pom.xml. */
    private static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isDirectory(dir.resolve("bundles")) && Files.exists(dir.resolve("pom.xml")))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "no project root above " + Path.of("").toAbsolutePath());
        return dir;
    }

    @Test
    void noSourceNamesAnotherBundlesInternalPackage() {
        Path root = projectRoot();
        assertTrue(Files.isDirectory(root.resolve("benchmarks")) && Files.isDirectory(root.resolve("realxen")),
                "the scan covers the benchmarks and the real-Xen probe too");
        List<InternalReferences.Violation> found = InternalReferences.find(root);
        assertEquals("", found.stream().map(Object::toString).collect(Collectors.joining("\n")),
                "sources naming another bundle's internal package");
    }

    private static void write(Path root, String path, String text) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void findsImportsPackagesAndQualifiedNamesOfOtherBundlesInternals(@TempDir Path root) throws IOException {
        write(root, "bundles/a/src/main/java/org/xenpv/a/internal/Impl.java",
                "package org.xenpv.a.internal;\nclass Impl {}\n");
        write(root, "bundles/a/src/test/java/org/xenpv/a/internal/ImplTest.java",
                "package org.xenpv.a.internal;\nimport org.xenpv.a.internal.Impl;\nclass ImplTest {}\n");
        write(root, "bundles/a/src/test/java/org/xenpv/a/internal/helper/Helper.java",
                "package org.xenpv.a.internal.helper;\nclass Helper {}\n");
        write(root, "bundles/b/src/test/java/org/xenpv/b/BTest.java",
                "package org.xenpv.b;\nimport org.xenpv.a.Api;\nimport static org.xenpv.a.internal.Impl.make;\n"
                        + "class BTest { Object o = new org.xenpv.a.internal.Impl(); "
                        + "String s = \"org.xenpv.a.internal.Impl\"; char c = '\"'; }\n");
        write(root, "benchmarks/src/main/java/org/xenpv/a/internal/Bench.java",
                "package org.xenpv.a.internal;\nclass Bench {}\n");
        write(root, "tools/src/main/java/org/xenpv/tool/Tool.java",
                "package org.xenpv.tool;\nimport org.xenpv.c.internal.Nowhere;\nclass Tool {}\n");
        write(root, "bundles/a/target/generated/org/xenpv/b/internal/Gen.java",
                "package org.xenpv.b.internal;\nclass Gen {}\n");

        List<String> found = InternalReferences.find(root).stream()
                .map(v -> v.source() + " " + v.internalPackage() + " " + v.owner()).toList();

        assertEquals(List.of(
                "benchmarks/src/main/java/org/xenpv/a/internal/Bench.java org.xenpv.a.internal a",
                "bundles/b/src/test/java/org/xenpv/b/BTest.java org.xenpv.a.internal a",
                "bundles/b/src/test/java/org/xenpv/b/BTest.java org.xenpv.a.internal a",
                "tools/src/main/java/org/xenpv/tool/Tool.java org.xenpv.c.internal null"), found);
    }
}
