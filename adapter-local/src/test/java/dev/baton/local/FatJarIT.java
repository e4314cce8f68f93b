package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.baton.local.internal.RemoteBackend;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.loader.launch.JarLauncher;

/**
 * {@code local://} from an application packaged as one executable jar, Baton among its dependencies: the supervisor
 * daemon it starts in a new JVM must find its classes in that jar. Each jar is built here from this test's own class
 * path and run with {@code java -jar}; the application ({@link FatJarApp}) deploys a job, awaits it, undeploys it and
 * stops the daemon.
 */
class FatJarIT {
    private static final String JAVA = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path work;

    private Path state;

    @AfterEach
    void stopLeftovers() {
        if (state != null) {
            new RemoteBackend(state, Duration.ofSeconds(10)).shutdownSupervisor();
        }
    }

    @Test
    void aShadedJarStartsTheSupervisorFromItself() throws Exception {
        Path jar = FatJars.shaded(work.resolve("app-shaded.jar"), classPath(), FatJarApp.class.getName());

        String supervisor = runExpectingSuccess(jar);

        assertThat(supervisor).as("the supervisor's command line")
                .contains("-cp " + jar + " dev.baton.local.internal.SupervisorMain " + state)
                .doesNotContain("loader.main");
    }

    @Test
    void aSpringBootExecutableJarStartsTheSupervisorThroughPropertiesLauncher() throws Exception {
        Path appClasses = location(FatJarApp.class);
        List<Path> libs = classPath().stream().filter(p -> !p.equals(appClasses)).toList();
        Path jar = FatJars.springBoot(work.resolve("app-boot.jar"), location(JarLauncher.class), appClasses, libs,
                FatJarApp.class.getName());

        String supervisor = runExpectingSuccess(jar);

        assertThat(supervisor).as("the supervisor's command line")
                .contains("-cp " + jar, "-Dloader.main=dev.baton.local.internal.SupervisorMain",
                        "org.springframework.boot.loader.launch.PropertiesLauncher " + state);
    }

    /**
     * Runs {@code java -jar jar state}; asserts it exits 0 with the job HEALTHY and the daemon gone afterwards, and
     * returns the daemon's command line.
     */
    private String runExpectingSuccess(Path jar) throws Exception {
        state = Files.createDirectories(work.resolve("state"));
        Path output = work.resolve("app.out");
        Process app = new ProcessBuilder(JAVA, "-jar", jar.toString(), state.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!app.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            app.destroyForcibly().waitFor();
            fail("java -jar " + jar + " did not exit within " + RUN_TIMEOUT.toSeconds() + "s:\n" + describe(output));
        }
        String out = Files.readString(output);

        assertThat(app.exitValue()).as("exit code of java -jar %s:%n%s", jar, describe(output)).isZero();
        assertThat(out).as("its output").contains("outcome=HEALTHY");
        long pid = Long.parseLong(value(out, "supervisor.pid"));
        Instant started = Instant.parse(value(out, "supervisor.started"));
        // a live process with that pid but another start time is not the daemon: its pid was reused
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().startInstant().map(started::equals).orElse(true)))
                .as("supervisor %d (started %s) after stopSupervisor()", pid, started).isEmpty();
        return value(out, "supervisor.command");
    }

    /** The entries of this JVM's class path that exist, but the Spring Boot loader, which only the Boot jar has. */
    private static List<Path> classPath() throws URISyntaxException {
        Path loader = location(JarLauncher.class);
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isBlank())
                .map(e -> Path.of(e).toAbsolutePath())
                .filter(Files::exists)
                .filter(p -> !p.equals(loader))
                .distinct()
                .toList();
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
    }

    private static String value(String out, String key) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "=(.*)$").matcher(out);
        assertThat(m.find()).as("a line %s=... in:%n%s", key, out).isTrue();
        return m.group(1).trim();
    }

    /** The application's output and the supervisor's log, for a failure message. */
    private String describe(Path output) throws IOException {
        Path log = state.resolve("supervisor.log");
        return "--- output ---\n" + (Files.exists(output) ? Files.readString(output) : "(none)")
                + "\n--- supervisor.log ---\n" + (Files.exists(log) ? Files.readString(log) : "(none)");
    }
}
