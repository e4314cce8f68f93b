package dev.baton.local.internal;

import dev.baton.PlatformUnavailableException;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * The command line that starts the supervisor daemon in a new JVM, wherever Baton was loaded from:
 * <ul>
 * <li>from plain jars or directories (a Maven or IDE class path, a shaded jar): those of baton-local and of each library
 * the daemon needs, found from where their classes were loaded, then this JVM's {@code java.class.path};</li>
 * <li>from a Spring Boot executable jar (classes nested under {@code BOOT-INF/lib}): the same jar through Spring Boot's
 * {@code PropertiesLauncher} with {@code -Dloader.main}, its documented way to run another main class;</li>
 * <li>otherwise: a one-line error saying to use {@code local://embedded}.</li>
 * </ul>
 */
final class DaemonCommand {
    /** A class of each library the daemon loads: baton-local, baton-core and their dependencies. */
    private static final List<String> ANCHORS = List.of(
            "dev.baton.local.internal.SupervisorMain", "dev.baton.Specs",
            "com.fasterxml.jackson.databind.ObjectMapper", "com.fasterxml.jackson.core.JsonFactory",
            "com.fasterxml.jackson.annotation.JsonAutoDetect", "com.fasterxml.jackson.dataformat.yaml.YAMLFactory",
            "com.fasterxml.jackson.datatype.jsr310.JavaTimeModule", "org.yaml.snakeyaml.Yaml", "io.vavr.control.Try",
            "org.slf4j.LoggerFactory");
    static final List<String> BOOT_LAUNCHERS = List.of(
            "org.springframework.boot.loader.launch.PropertiesLauncher", "org.springframework.boot.loader.PropertiesLauncher");

    private DaemonCommand() {
    }

    /** The java executable and arguments that start {@link SupervisorMain} for {@code stateDir}. */
    static List<String> of(Path stateDir, DaemonSettings settings) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        if (ProcessTree.SETSID != null) {
            cmd.add(ProcessTree.SETSID);
        }
        cmd.addAll(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(launch(System.getProperty("java.class.path", "")));
        cmd.add(stateDir.toAbsolutePath().toString());
        cmd.addAll(settings.args());
        return cmd;
    }

    /** The JVM arguments that run SupervisorMain, given this JVM's class path. */
    static List<String> launch(String javaClassPath) {
        Set<String> entries = new LinkedHashSet<>();
        boolean plain = true;
        for (String anchor : ANCHORS) {
            Optional<String> file = codeSource(anchor);
            if (file.isPresent()) {
                entries.add(file.get());
            } else if (!anchor.startsWith("org.slf4j") && !anchor.startsWith("io.vavr")) {
                plain = false;
            }
        }
        for (String e : javaClassPath.split(File.pathSeparator)) {
            if (!e.isBlank()) {
                entries.add(e);
            }
        }
        if (plain) {
            return List.of("-cp", String.join(File.pathSeparator, entries), SupervisorMain.class.getName());
        }
        Optional<String> boot = springBootLauncher(javaClassPath);
        if (boot.isPresent()) {
            return List.of("-cp", Path.of(javaClassPath).toAbsolutePath().toString(), "-Dloader.main=" + SupervisorMain.class.getName(), boot.get());
        }
        throw PlatformUnavailableException.of(Engine.PLATFORM, "local:// cannot start its supervisor daemon: baton-local was loaded from "
                + location() + ", which a new JVM cannot put on its class path; "
                + "use local://embedded (the supervisor runs in this JVM and stops with it), or put baton-local and its "
                + "dependencies on the class path as plain jars", null);
    }

    private static String location() {
        CodeSource cs = SupervisorMain.class.getProtectionDomain().getCodeSource();
        return cs == null || cs.getLocation() == null ? "an unknown location" : cs.getLocation().toString();
    }

    /** The file or directory a class was loaded from, when it is one. */
    private static Optional<String> codeSource(String className) {
        try {
            Class<?> c = Class.forName(className, false, DaemonCommand.class.getClassLoader());
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            URL url = cs == null ? null : cs.getLocation();
            if (url == null || !"file".equals(url.getProtocol())) {
                return Optional.empty();
            }
            Path p = Path.of(url.toURI());
            return Files.exists(p) ? Optional.of(p.toString()) : Optional.empty();
        } catch (ClassNotFoundException | URISyntaxException | RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    /** Spring Boot's PropertiesLauncher, when the class path is one Spring Boot executable jar that has it. */
    static Optional<String> springBootLauncher(String javaClassPath) {
        if (javaClassPath.isBlank() || javaClassPath.contains(File.pathSeparator) || !javaClassPath.endsWith(".jar")) {
            return Optional.empty();
        }
        try (JarFile jar = new JarFile(javaClassPath)) {
            if (jar.getManifest() == null || jar.getManifest().getMainAttributes().getValue("Spring-Boot-Lib") == null) {
                return Optional.empty();
            }
            return BOOT_LAUNCHERS.stream().filter(l -> jar.getEntry(l.replace('.', '/') + ".class") != null).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
