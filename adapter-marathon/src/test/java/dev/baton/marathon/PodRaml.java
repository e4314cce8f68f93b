package dev.baton.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The property names of Marathon's RAML types (from {@code ../shared/upstream/marathon/raml/v2/types/*.raml}), to check
 * that every field of a pod definition Baton sends is one the type declares, at every level Baton writes. Union types
 * ({@code ShellCommand | ArgvCommand}) allow the properties of each member; {@code type: Parent} adds the parent's.
 * Absent folder: {@link #load()} is null and callers skip.
 */
final class PodRaml {
    private static final Pattern TYPE = Pattern.compile("^  ([A-Za-z]+):\\s*$");
    private static final Pattern PROPERTY = Pattern.compile("^      ([A-Za-z][A-Za-z0-9]*)\\??:");
    private static final Pattern PARENT = Pattern.compile("^    type: \\(?([A-Za-z. |]+)\\)?\\s*$");

    private final Map<String, Set<String>> properties = new HashMap<>();
    private final Map<String, List<String>> parents = new HashMap<>();

    static PodRaml load() throws IOException {
        Path dir = dev.baton.testkit.Upstream.dir("marathon").orElse(null);
        if (dir == null) {
            System.err.println(dev.baton.testkit.Upstream.absent("marathon"));
            return null;
        }
        PodRaml raml = new PodRaml();
        try (Stream<Path> files = Files.list(dir.resolve("raml/v2/types"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".raml")).toList()) {
                raml.read(Files.readAllLines(f));
            }
        }
        return raml;
    }

    private void read(List<String> lines) {
        String current = null;
        boolean inProperties = false;
        for (String line : lines) {
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                current = t.group(1);
                properties.putIfAbsent(current, new LinkedHashSet<>());
                inProperties = false;
                continue;
            }
            if (current == null) {
                continue;
            }
            if (line.equals("    properties:")) {
                inProperties = true;
                continue;
            }
            Matcher parent = PARENT.matcher(line);
            if (parent.matches() && !parent.group(1).equals("object")) {
                for (String p : parent.group(1).split("\\|")) {
                    String name = p.trim();
                    parents.computeIfAbsent(current, k -> new ArrayList<>()).add(name.substring(name.lastIndexOf('.') + 1));
                }
                continue;
            }
            if (line.startsWith("    ") && !line.startsWith("     ")) {
                inProperties = false;
            }
            Matcher p = PROPERTY.matcher(line);
            if (inProperties && p.find()) {
                properties.get(current).add(p.group(1));
            }
        }
    }

    /** Every property of a type, with its parents' and union members'. */
    Set<String> of(String type) {
        Set<String> out = new LinkedHashSet<>(properties.getOrDefault(type, Set.of()));
        for (String parent : parents.getOrDefault(type, List.of())) {
            out.addAll(of(parent));
        }
        return out;
    }

    private void check(String where, JsonNode node, String type, List<String> problems) {
        if (node == null || node.isMissingNode()) {
            return;
        }
        Set<String> known = of(type);
        if (known.isEmpty()) {
            problems.add(where + ": RAML type " + type + " not found");
            return;
        }
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                problems.add(where + "." + f + ": not a property of RAML type " + type + " " + known);
            }
        });
    }

    /** The fields of a pod definition that its RAML types do not declare. */
    List<String> problems(JsonNode pod) {
        List<String> out = new ArrayList<>();
        String id = pod.path("id").asText();
        check(id, pod, "Pod", out);
        check(id + ".scaling", pod.path("scaling"), "FixedPodScalingPolicy", out);
        check(id + ".scheduling", pod.path("scheduling"), "PodSchedulingPolicy", out);
        check(id + ".scheduling.upgrade", pod.path("scheduling").path("upgrade"), "PodUpgradeStrategy", out);
        check(id + ".scheduling.backoff", pod.path("scheduling").path("backoff"), "PodSchedulingBackoffStrategy", out);
        check(id + ".scheduling.placement", pod.path("scheduling").path("placement"), "PodPlacementPolicy", out);
        for (JsonNode c : pod.path("scheduling").path("placement").path("constraints")) {
            check(id + ".constraints[]", c, "Constraint", out);
        }
        for (JsonNode n : pod.path("networks")) {
            check(id + ".networks[]", n, "Network", out);
        }
        for (JsonNode v : pod.path("volumes")) {
            check(id + ".volumes[]", v, "PodPersistentVolume", out);
            check(id + ".volumes[].persistent", v.path("persistent"), "PersistentVolumeInfo", out);
        }
        for (JsonNode c : pod.path("containers")) {
            String w = id + ".containers[" + c.path("name").asText() + "]";
            check(w, c, "PodContainer", out);
            check(w + ".resources", c.path("resources"), "Resources", out);
            check(w + ".image", c.path("image"), "Image", out);
            check(w + ".exec", c.path("exec"), "MesosExec", out);
            check(w + ".exec.command", c.path("exec").path("command"), "MesosCommand", out);
            for (JsonNode e : c.path("endpoints")) {
                check(w + ".endpoints[]", e, "Endpoint", out);
            }
            for (JsonNode m : c.path("volumeMounts")) {
                check(w + ".volumeMounts[]", m, "VolumeMount", out);
            }
            JsonNode h = c.path("healthCheck");
            check(w + ".healthCheck", h, "HealthCheck", out);
            check(w + ".healthCheck.http", h.path("http"), "HttpCheck", out);
            check(w + ".healthCheck.tcp", h.path("tcp"), "TcpCheck", out);
            check(w + ".healthCheck.exec", h.path("exec"), "CommandCheck", out);
            check(w + ".healthCheck.exec.command", h.path("exec").path("command"), "MesosCommand", out);
        }
        return out;
    }
}
