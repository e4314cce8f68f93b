package dev.baton.nomad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Nomad's wire field names per {@code api} struct, from {@code ../shared/upstream/nomad/api-fields.json}: every
 * key of a request body must be a field of its struct, with Nomad's casing. Free-form maps (Meta, Env, Config) are
 * not checked.
 */
final class NomadFields {
    /** Which struct a key's value is, by the key under its parent struct. */
    static final Map<String, String> CHILD = Map.ofEntries(
            Map.entry("JobRegisterRequest.Job", "Job"), Map.entry("JobPlanRequest.Job", "Job"), Map.entry("Job.TaskGroups", "TaskGroup"), Map.entry("Job.Update", "UpdateStrategy"),
            Map.entry("Job.Constraints", "Constraint"), Map.entry("Job.Spreads", "Spread"), Map.entry("Job.Periodic", "PeriodicConfig"),
            Map.entry("TaskGroup.Tasks", "Task"), Map.entry("TaskGroup.Networks", "NetworkResource"), Map.entry("TaskGroup.Services", "Service"),
            Map.entry("TaskGroup.RestartPolicy", "RestartPolicy"), Map.entry("TaskGroup.Update", "UpdateStrategy"),
            Map.entry("NetworkResource.ReservedPorts", "Port"), Map.entry("NetworkResource.DynamicPorts", "Port"),
            Map.entry("Service.Checks", "ServiceCheck"), Map.entry("ServiceCheck.CheckRestart", "CheckRestart"),
            Map.entry("Task.Resources", "Resources"), Map.entry("Task.Templates", "Template"), Map.entry("Task.VolumeMounts", "VolumeMount"));

    private NomadFields() {
    }

    /** The field list, or {@code null} (with a message) when the upstream folder is absent. */
    static JsonNode load() throws IOException {
        Path dir = dev.baton.testkit.Upstream.dir("nomad").orElse(null);
        if (dir == null) {
            System.err.println(dev.baton.testkit.Upstream.absent("nomad"));
            return null;
        }
        return new ObjectMapper().readTree(dir.resolve("api-fields.json").toFile());
    }

    static void check(String struct, JsonNode value, JsonNode fields, List<String> problems) {
        JsonNode known = fields.get(struct);
        if (known == null || !value.isObject()) {
            return;
        }
        value.fieldNames().forEachRemaining(k -> {
            boolean ok = false;
            for (JsonNode f : known) {
                ok |= f.asText().equals(k);
            }
            if (!ok) {
                problems.add(struct + "." + k + " is not a field of " + struct);
                return;
            }
            String child = CHILD.get(struct + "." + k);
            if (child != null) {
                JsonNode v = value.get(k);
                if (v.isArray()) {
                    v.forEach(e -> check(child, e, fields, problems));
                } else {
                    check(child, v, fields, problems);
                }
            }
        });
    }
}
