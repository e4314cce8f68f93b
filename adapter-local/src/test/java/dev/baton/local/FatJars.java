package dev.baton.local;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;

/**
 * Builds the two kinds of executable jar an application that depends on Baton is shipped as, from class path entries
 * (jars and class directories): a shaded jar, and a Spring Boot executable jar laid out by hand as Spring Boot's
 * "Executable Jar Format" describes.
 */
final class FatJars {
    private static final String MANIFEST = "META-INF/MANIFEST.MF";

    private FatJars() {
    }

    /**
     * A shaded jar: every entry of {@code classPath} flattened into one jar. The first entry wins on a duplicate,
     * {@code META-INF/services/*} files are concatenated, signature files are dropped.
     */
    static Path shaded(Path jar, List<Path> classPath, String mainClass) throws IOException {
        Map<String, ByteArrayOutputStream> services = new LinkedHashMap<>();
        try (Writer out = new Writer(jar, manifest(Map.of("Main-Class", mainClass)))) {
            for (Path source : classPath) {
                forEach(source, (name, bytes) -> {
                    if (name.equals(MANIFEST) || isSignature(name)) {
                        return;
                    }
                    if (name.startsWith("META-INF/services/")) {
                        ByteArrayOutputStream merged = services.computeIfAbsent(name, n -> new ByteArrayOutputStream());
                        merged.write(bytes);
                        if (bytes.length > 0 && bytes[bytes.length - 1] != '\n') {
                            merged.write('\n');
                        }
                        return;
                    }
                    out.add(name, bytes);
                });
            }
            for (Map.Entry<String, ByteArrayOutputStream> e : services.entrySet()) {
                out.add(e.getKey(), e.getValue().toByteArray());
            }
        }
        return jar;
    }

    /**
     * A Spring Boot executable jar: the loader's classes at the root, {@code appClasses} under
     * {@code BOOT-INF/classes/}, each of {@code libs} as a jar (directories zipped) stored uncompressed under
     * {@code BOOT-INF/lib/}, started by {@code JarLauncher} with {@code startClass} as Start-Class.
     */
    static Path springBoot(Path jar, Path loaderJar, Path appClasses, List<Path> libs, String startClass) throws IOException {
        Manifest manifest = manifest(Map.of(
                "Main-Class", "org.springframework.boot.loader.launch.JarLauncher",
                "Start-Class", startClass,
                "Spring-Boot-Classes", "BOOT-INF/classes/",
                "Spring-Boot-Lib", "BOOT-INF/lib/"));
        try (Writer out = new Writer(jar, manifest)) {
            forEach(loaderJar, (name, bytes) -> {
                if (!name.equals(MANIFEST)) {
                    out.add(name, bytes);
                }
            });
            forEach(appClasses, (name, bytes) -> out.add("BOOT-INF/classes/" + name, bytes));
            Set<String> names = new HashSet<>();
            for (Path lib : libs) {
                String name = libName(lib);
                for (int i = 2; !names.add(name); i++) {
                    name = libName(lib).replaceFirst("\\.jar$", "-" + i + ".jar");
                }
                out.addStored("BOOT-INF/lib/" + name, Files.isDirectory(lib) ? zip(lib) : Files.readAllBytes(lib));
            }
        }
        return jar;
    }

    /** A jar's file name; for a class directory such as {@code adapter-local/target/classes}, {@code adapter-local-classes.jar}. */
    private static String libName(Path lib) {
        if (!Files.isDirectory(lib)) {
            return lib.getFileName().toString();
        }
        Path parent = lib.toAbsolutePath().getParent();
        Path module = parent != null && parent.getFileName().toString().equals("target") ? parent.getParent() : parent;
        return (module == null ? "" : module.getFileName() + "-") + lib.getFileName() + ".jar";
    }

    /** A class directory zipped into a jar, in memory. */
    private static byte[] zip(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Writer out = new Writer(bytes, manifest(Map.of()))) {
            forEach(dir, out::add);
        }
        return bytes.toByteArray();
    }

    private static boolean isSignature(String name) {
        return name.matches("META-INF/[^/]+\\.(SF|DSA|RSA)");
    }

    private static Manifest manifest(Map<String, String> attributes) {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach((k, v) -> m.getMainAttributes().putValue(k, v));
        return m;
    }

    @FunctionalInterface
    private interface EntryConsumer {
        void accept(String name, byte[] bytes) throws IOException;
    }

    /** Each file of a jar or a directory, by its name in a jar, in a stable order. */
    private static void forEach(Path source, EntryConsumer consumer) throws IOException {
        if (Files.isDirectory(source)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(source)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                consumer.accept(source.relativize(f).toString().replace(source.getFileSystem().getSeparator(), "/"),
                        Files.readAllBytes(f));
            }
            return;
        }
        try (JarFile jar = new JarFile(source.toFile(), false)) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();) {
                JarEntry entry = e.nextElement();
                if (!entry.isDirectory()) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        consumer.accept(entry.getName(), in.readAllBytes());
                    }
                }
            }
        }
    }

    /** A jar being written: the manifest first, each parent directory entry once, the first of duplicate names. */
    private static final class Writer implements AutoCloseable {
        private final JarOutputStream out;
        private final Set<String> names = new HashSet<>();

        Writer(Path jar, Manifest manifest) throws IOException {
            this(new BufferedOutputStream(Files.newOutputStream(jar), 1 << 16), manifest);
        }

        Writer(OutputStream stream, Manifest manifest) throws IOException {
            this.out = new JarOutputStream(stream, manifest);
            out.setLevel(Deflater.BEST_SPEED);
            names.add("META-INF/");
            names.add(MANIFEST);
        }

        void add(String name, byte[] bytes) throws IOException {
            write(name, bytes, false);
        }

        /** An entry saved with {@link ZipEntry#STORED}, as Spring Boot requires of nested jars. */
        void addStored(String name, byte[] bytes) throws IOException {
            write(name, bytes, true);
        }

        private void write(String name, byte[] bytes, boolean stored) throws IOException {
            if (names.contains(name)) {
                return;
            }
            for (int slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
                String dir = name.substring(0, slash + 1);
                if (names.add(dir)) {
                    out.putNextEntry(new JarEntry(dir));
                    out.closeEntry();
                }
            }
            names.add(name);
            JarEntry entry = new JarEntry(name);
            if (stored) {
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(bytes.length);
                entry.setCompressedSize(bytes.length);
                entry.setCrc(crc.getValue());
            }
            out.putNextEntry(entry);
            out.write(bytes);
            out.closeEntry();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
