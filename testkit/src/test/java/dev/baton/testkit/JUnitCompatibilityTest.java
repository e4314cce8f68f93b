package dev.baton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * baton-testkit works with the JUnit of the project that uses it, from the oldest supported (5.11) to 6: a portable
 * test ({@code @OrchestratorTest}) and a contract subclass, compiled against each version's API and testkit's jar, run
 * on that version's own Launcher and Jupiter engine in a JVM of their own, with nothing of the JUnit this build runs
 * on in sight; and every JUnit class, method and field testkit's classes reference exists in each version. The JUnit
 * jars come from the build ({@code maven-dependency-plugin} into {@code target/junit-compat}, versions pinned in the
 * root pom), so this needs no network.
 */
class JUnitCompatibilityTest {
    private static final Path DIR = Path.of(System.getProperty("baton.compat.dir", "target/junit-compat"));
    private static final Path SOURCES = Path.of(System.getProperty("baton.compat.sources", "src/test/compat"));
    private static final Path CLASSES = Path.of(System.getProperty("baton.compat.classes", "target/classes"));
    private static final Path TEST_CLASSES = Path.of(System.getProperty("baton.compat.testClasses", "target/test-classes"));
    private static final String JUNIT5 = System.getProperty("baton.compat.junit5", "5.11.4");
    private static final String JUNIT6 = System.getProperty("baton.compat.junit6", "6.1.3");

    private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    @Test
    void aPortableTestAndAContractSubclassRunOnTheOldestSupportedJUnit() throws Exception {
        assertThat(JUNIT5).startsWith("5.11.");
        assertRanAsExpected(run("junit5"), JUNIT5, "1." + JUNIT5.substring(2));
    }

    @Test
    void aPortableTestAndAContractSubclassRunOnJUnit6() throws Exception {
        assertThat(JUNIT6).startsWith("6.");
        assertRanAsExpected(run("junit6"), JUNIT6, JUNIT6);
    }

    @Test
    void everyTestEndsTheSameOnBothVersions() throws Exception {
        Map<String, String> on5 = run("junit5").statuses();
        Map<String, String> on6 = run("junit6").statuses();
        assertThat(on5).hasSizeGreaterThan(20);
        assertThat(on6).isEqualTo(on5);
    }

    @Test
    void everyJUnitMemberTestkitReferencesExistsInTheOldestSupportedJUnit() throws Exception {
        assertLinks(jars("junit5"));
    }

    @Test
    void everyJUnitMemberTestkitReferencesExistsInJUnit6() throws Exception {
        assertLinks(jars("junit6"));
    }

    @Test
    void testkitUsesNoLibraryButBatonAndTheJupiterApi() throws Exception {
        Set<String> foreign = references().classes().stream()
                .filter(c -> !c.startsWith("java/") && !c.startsWith("javax/") && !c.startsWith("dev/baton/"))
                .filter(c -> !c.startsWith("org/junit/jupiter/api/"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(foreign).as("classes outside the JDK, baton-core and junit-jupiter-api that testkit references").isEmpty();
    }

    // ---- running a portable test and a contract subclass on one JUnit version

    private record Result(String status, String message) {
    }

    private record Run(Map<String, String> versions, Map<String, Result> results, String output) {
        Map<String, String> statuses() {
            Map<String, String> s = new LinkedHashMap<>();
            results.forEach((k, r) -> s.put(k, r.status()));
            return s;
        }

        Result result(String key) {
            Result r = results.get(key);
            assertThat(r).as("a result for %s among %s%n%s", key, results.keySet(), output).isNotNull();
            return r;
        }
    }

    private static void assertRanAsExpected(Run run, String version, String platformVersion) {
        assertThat(run.versions()).as(run.output())
                .containsEntry("api", version).containsEntry("engine", version).containsEntry("launcher", platformVersion);
        assertThat(run.results().keySet()).as("containers that did not succeed%n%s", run.output())
                .noneMatch(k -> k.startsWith("container "));

        assertStatus(run, "PortableTests.reachesItsTarget [echo://up]", "SUCCESSFUL");
        Result down = run.result("PortableTests.reachesItsTarget [echo://down]");
        assertThat(down.status()).isEqualTo("SKIPPED");
        assertThat(down.message()).contains("target echo://down is unavailable").contains("connection refused");
        Result wrong = run.result("PortableTests.reachesItsTarget [locl://]");
        assertThat(wrong.status()).isEqualTo("FAILED");
        assertThat(wrong.message()).contains("target locl:// cannot be used").contains("no provider supports the scheme locl://");

        Set<String> cases = Arrays.stream(OrchestratorContract.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(Test.class)).map(m -> "EchoContractTest." + m.getName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(cases).hasSizeGreaterThan(20);
        assertThat(run.results().keySet().stream().filter(k -> k.startsWith("EchoContractTest.")))
                .as("every case of the contract ran").containsExactlyInAnyOrderElementsOf(cases);
        assertStatus(run, "EchoContractTest.statusOfAnUnknownJobIsNotFound", "SUCCESSFUL");
        assertStatus(run, "EchoContractTest.platformSaysWhatItIs", "SUCCESSFUL");
        assertThat(run.result("EchoContractTest.scaleUpAndDown"))
                .isEqualTo(new Result("ABORTED", "org.opentest4j.TestAbortedException: Assumption failed: echo lacks capability feature.SCALE"));
        assertThat(run.result("EchoContractTest.unsupportedFeaturesAreRefusedBeforeAnythingIsSent")).isEqualTo(
                new Result("ABORTED", "org.opentest4j.TestAbortedException: Assumption failed: echo honours every portable feature"));
        assertThat(run.result("EchoContractTest.secretsReachTheTask")).isEqualTo(
                new Result("ABORTED", "org.opentest4j.TestAbortedException: Assumption failed: echo lacks capability feature.SECRET_STORE"));
        // cases that get as far as their assertions on the echo platform: they pass, or fail with what was checked
        assertStatus(run, "EchoContractTest.anInvalidSpecIsRefusedWithEveryViolation", "SUCCESSFUL");
        assertStatus(run, "EchoContractTest.pathsThatLeaveTheirDirectoryAreRefusedByPlanRenderAndDeploy", "SUCCESSFUL");
        Result plan = run.result("EchoContractTest.planChangesNothing");
        assertThat(plan.status()).isEqualTo("FAILED");
        assertThat(plan.message()).matches("org\\.opentest4j\\.AssertionFailedError: changes in the plan of the new job tck-plan-[0-9a-f]+ "
                + "==> expected: at least one but were: none");
    }

    private static void assertStatus(Run run, String key, String status) {
        Result r = run.result(key);
        assertThat(r.status()).as("%s, which ended with: %s", key, r.message()).isEqualTo(status);
    }

    private static synchronized Run run(String label) throws Exception {
        Run cached = RUNS.get(label);
        if (cached != null) {
            return cached;
        }
        List<Path> junit = jars(label);
        List<Path> baton = batonClassPath();
        Path work = DIR.resolve(label + "-run");
        deleteRecursively(work);
        Path classes = Files.createDirectories(work.resolve("classes"));

        List<Path> compileClassPath = new ArrayList<>(junit);
        compileClassPath.addAll(baton);
        compileClassPath.add(CLASSES);
        compile(SOURCES, classes, compileClassPath);

        List<Path> classPath = new ArrayList<>();
        classPath.add(classes);
        classPath.addAll(compileClassPath);
        classPath.add(TEST_CLASSES); // EchoProvider and its service file
        Path results = work.resolve("results.txt");
        Path log = work.resolve("output.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dbaton.targets=echo://up, echo://down, locl://", "-Dbaton.requireTargets=false",
                "-cp", join(classPath), "dev.baton.testkit.compat.Launch", results.toString(),
                "dev.baton.testkit.compat.PortableTests", "dev.baton.testkit.compat.EchoContractTest")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove(OrchestratorTestExtension.TARGETS_ENV);
        pb.environment().remove(OrchestratorTestExtension.REQUIRE_ENV);
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the tests on " + label + " did not end within 3 minutes:%n%s", Files.readString(log));
        }
        String output = Files.readString(log);
        assertThat(p.exitValue()).as("exit code of the launcher on %s:%n%s", label, output).isZero();

        Map<String, String> versions = new LinkedHashMap<>();
        Map<String, Result> byTest = new LinkedHashMap<>();
        for (String line : Files.readAllLines(results)) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("version")) {
                versions.put(f[1], f[2]);
            } else {
                assertThat(byTest.put(f[0], new Result(f[1], f[2]))).as("one result for %s", f[0]).isNull();
            }
        }
        Run run = new Run(versions, byTest, "results:\n" + String.join("\n", Files.readAllLines(results)) + "\noutput:\n" + output);
        RUNS.put(label, run);
        return run;
    }

    private static void compile(Path sources, Path out, List<Path> classPath) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK's compiler").isNotNull();
        List<File> files;
        try (Stream<Path> s = Files.walk(sources)) {
            files = s.filter(f -> f.toString().endsWith(".java")).map(Path::toFile).toList();
        }
        assertThat(files).as("sources in %s", sources).isNotEmpty();
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            boolean ok = javac.getTask(new PrintWriter(diagnostics), fm, null,
                    List.of("--release", "17", "-proc:none", "-Xlint:all", "-d", out.toString(), "-cp", join(classPath)),
                    null, fm.getJavaFileObjectsFromFiles(files)).call();
            assertThat(ok).as("compiling %s against %s:%n%s", sources, classPath, diagnostics).isTrue();
        }
    }

    // ---- what testkit's classes reference, and whether a JUnit version has it

    private record References(Set<String> classes, Set<String> members) {
    }

    private static final Pattern MEMBER =
            Pattern.compile("= (?:Methodref|InterfaceMethodref|Fieldref)\\s+#\\d+\\.#\\d+\\s+// ([\\w/$]+)\\.(\"?[\\w<>$]+\"?):(\\S+)");
    private static final Pattern CLASS = Pattern.compile("= Class\\s+#\\d+\\s+// \"?\\[*L?([\\w/$]+);?\"?\\s*$");
    private static final Pattern DESCRIPTOR = Pattern.compile("(?<![\\w/$])L([\\w$]+(?:/[\\w$]+)+);");

    private static References references() throws IOException {
        List<String> files;
        try (Stream<Path> s = Files.walk(CLASSES)) {
            files = s.filter(f -> f.toString().endsWith(".class")).map(Path::toString).sorted().toList();
        }
        assertThat(files).as("testkit's classes in %s", CLASSES).isNotEmpty();
        java.util.spi.ToolProvider javap = java.util.spi.ToolProvider.findFirst("javap").orElseThrow();
        StringWriter out = new StringWriter();
        List<String> args = new ArrayList<>(List.of("-v", "-p"));
        args.addAll(files);
        int code = javap.run(new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
        assertThat(code).as("javap: %s", out).isZero();
        Set<String> classes = new TreeSet<>();
        Set<String> members = new TreeSet<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = MEMBER.matcher(line);
            if (m.find()) {
                classes.add(m.group(1));
                members.add(m.group(1) + "." + m.group(2).replace("\"", "") + ":" + m.group(3));
            }
            Matcher c = CLASS.matcher(line);
            if (c.find()) {
                classes.add(c.group(1));
            }
            Matcher d = DESCRIPTOR.matcher(line);
            while (d.find()) {
                classes.add(d.group(1));
            }
        }
        return new References(classes, members);
    }

    private static void assertLinks(List<Path> junit) throws Exception {
        References refs = references();
        Set<String> classes = refs.classes().stream().filter(JUnitCompatibilityTest::isJUnit).collect(Collectors.toCollection(TreeSet::new));
        Set<String> members = refs.members().stream().filter(JUnitCompatibilityTest::isJUnit).collect(Collectors.toCollection(TreeSet::new));
        assertThat(classes).contains("org/junit/jupiter/api/Test", "org/junit/jupiter/api/Assertions",
                "org/junit/jupiter/api/extension/TestTemplateInvocationContextProvider");
        assertThat(members).anyMatch(m -> m.startsWith("org/junit/jupiter/api/Assertions.assertEquals:"))
                .anyMatch(m -> m.startsWith("org/junit/jupiter/api/Assumptions.assumeTrue:"));

        List<String> missing = new ArrayList<>();
        try (URLClassLoader loader = new URLClassLoader(urls(junit), ClassLoader.getPlatformClassLoader())) {
            for (String c : classes) {
                if (load(c, loader) == null) {
                    missing.add("class " + c);
                }
            }
            for (String m : members) {
                int dot = m.indexOf('.');
                int colon = m.indexOf(':');
                Class<?> owner = load(m.substring(0, dot), loader);
                if (owner == null || !has(owner, m.substring(dot + 1, colon), m.substring(colon + 1))) {
                    missing.add(m);
                }
            }
        }
        assertThat(missing).as("what testkit references and %s lacks (of %s classes and %s members)", junit, classes.size(), members.size())
                .isEmpty();
    }

    private static boolean isJUnit(String name) {
        return name.startsWith("org/junit/") || name.startsWith("org/opentest4j/");
    }

    private static Class<?> load(String internalName, ClassLoader loader) {
        try {
            return Class.forName(internalName.replace('/', '.'), false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@code type} declares or inherits a method, constructor or field of this name and descriptor. */
    private static boolean has(Class<?> type, String name, String descriptor) {
        if (name.equals("<init>")) {
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                if (MethodType.methodType(void.class, c.getParameterTypes()).toMethodDescriptorString().equals(descriptor)) {
                    return true;
                }
            }
            return false;
        }
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(type));
        Set<Class<?>> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Class<?> t = todo.pop();
            if (!seen.add(t)) {
                continue;
            }
            for (Method m : t.getDeclaredMethods()) {
                if (m.getName().equals(name)
                        && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString().equals(descriptor)) {
                    return true;
                }
            }
            for (Field f : t.getDeclaredFields()) {
                if (f.getName().equals(name) && f.getType().descriptorString().equals(descriptor)) {
                    return true;
                }
            }
            if (t.getSuperclass() != null) {
                todo.add(t.getSuperclass());
            }
            todo.addAll(List.of(t.getInterfaces()));
        }
        return false;
    }

    // ---- files

    private static List<Path> jars(String label) throws IOException {
        Path dir = DIR.resolve(label);
        assertThat(dir).as("the JUnit jars the build copies for this test (mvn generate-test-resources)").isDirectory();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> jars = s.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
            assertThat(jars).as("jars in %s", dir).isNotEmpty();
            return jars;
        }
    }

    private static List<Path> batonClassPath() throws IOException {
        String cp = Files.readString(DIR.resolve("baton.classpath")).trim();
        List<Path> paths = Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
        assertThat(paths).as("testkit's runtime class path without JUnit").anyMatch(p -> p.toString().contains("core"));
        return paths;
    }

    private static URL[] urls(List<Path> paths) {
        return paths.stream().map(p -> {
            try {
                return p.toUri().toURL();
            } catch (java.net.MalformedURLException e) {
                throw new IllegalArgumentException(e);
            }
        }).toArray(URL[]::new);
    }

    private static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
