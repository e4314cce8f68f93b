package dev.baton.testkit.compat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs test classes on the JUnit Platform of its class path, as a build tool would, and writes what happened to a
 * file: the JUnit versions that ran, then one line per test (and per container that did not succeed) with its
 * outcome and message, tab-separated. Arguments: the result file, then the test classes. Compiled and run by
 * JUnitCompatibilityTest against each JUnit version, with only the Launcher API that 5.11 already has.
 */
public final class Launch {
    private Launch() {
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        lines.add("version\tapi\t" + version("org.junit.jupiter.api.Test"));
        lines.add("version\tengine\t" + version("org.junit.jupiter.engine.JupiterTestEngine"));
        lines.add("version\tlauncher\t" + version("org.junit.platform.launcher.Launcher"));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(Arrays.stream(args).skip(1).map(DiscoverySelectors::selectClass).toList())
                .build();
        LauncherFactory.create().execute(request, new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                lines.add(key(id) + "\tSKIPPED\t" + oneLine(reason));
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    lines.add(key(id) + "\t" + result.getStatus() + "\t"
                            + result.getThrowable().map(t -> oneLine(t.toString())).orElse(""));
                }
            }
        });
        Files.write(Path.of(args[0]), lines);
        System.exit(0);
    }

    private static String version(String className) throws ClassNotFoundException {
        return Class.forName(className).getPackage().getImplementationVersion();
    }

    /** {@code Class.method} for a test, with the invocation's display name for a test template. */
    private static String key(TestIdentifier id) {
        Optional<TestSource> source = id.getSource();
        if (id.isTest() && source.isPresent() && source.get() instanceof MethodSource m) {
            String name = m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1) + "." + m.getMethodName();
            return id.getDisplayName().startsWith("[") ? name + " " + id.getDisplayName() : name;
        }
        return (id.isTest() ? "test " : "container ") + id.getUniqueId();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace("\t", " ").replace("\r", "").replace("\n", "\\n");
    }
}
