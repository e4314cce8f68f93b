package dev.baton.internal.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.baton.InvalidSpecException;
import dev.baton.Violation;
import dev.baton.model.CheckTiming;
import dev.baton.model.Constraint;
import dev.baton.model.Durations;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.Protocol;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code baton/v1} documents (YAML or JSON) with limits against hostile input, and writes models back in a
 * canonical form that reads back equal.
 */
public final class SpecCodec {
    /** Documents larger than this are refused before parsing. */
    public static final int MAX_DOCUMENT_BYTES = 1024 * 1024;
    /** Deeper nesting than this is refused. */
    public static final int MAX_DEPTH = 64;
    /** YAML aliases to collections beyond this are refused (alias bombs). */
    public static final int MAX_ALIASES = 20;
    /** Number tokens longer than this are refused before any conversion (no count needs more). */
    public static final int MAX_NUMBER_LENGTH = 40;

    private static final ObjectMapper JSON;
    private static final ObjectMapper YAML_WRITER;
    private static final ObjectMapper JSON_WRITER;

    static {
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxDocumentLength(MAX_DOCUMENT_BYTES)
                .maxStringLength(MAX_DOCUMENT_BYTES)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .build();
        JsonFactory json = JsonFactory.builder().streamReadConstraints(limits).build();
        JSON = new ObjectMapper(json).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        YAML_WRITER = new ObjectMapper(YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .build());
        JSON_WRITER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private SpecCodec() {
    }

    /** Reads, checks and returns a spec, or throws an {@link InvalidSpecException} listing every problem. */
    public static JobSpec read(byte[] document) {
        if (document.length > MAX_DOCUMENT_BYTES) {
            throw InvalidSpecException.of("", "the document is " + document.length + " bytes; the limit is " + MAX_DOCUMENT_BYTES + " bytes (1 MiB)");
        }
        JsonNode root = parseTree(document);
        List<Violation> violations = new ArrayList<>();
        JobSpec spec = SpecParser.parse(root, violations);
        if (spec != null) {
            SpecValidator.validate(spec, violations);
        }
        if (!violations.isEmpty()) {
            throw InvalidSpecException.of(dedupe(violations));
        }
        return spec;
    }

    /** Reads at most {@link #MAX_DOCUMENT_BYTES} + 1 bytes, so an endless stream cannot exhaust memory. */
    public static JobSpec read(InputStream in) {
        try {
            byte[] bytes = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
            if (bytes.length > MAX_DOCUMENT_BYTES) {
                throw InvalidSpecException.of("", "the document is larger than the limit of " + MAX_DOCUMENT_BYTES + " bytes (1 MiB)");
            }
            return read(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Violation> dedupe(List<Violation> vs) {
        return vs.stream().distinct().toList();
    }

    private static JsonNode parseTree(byte[] document) {
        String text = new String(document, StandardCharsets.UTF_8);
        String trimmed = text.stripLeading();
        if (trimmed.isEmpty()) {
            throw InvalidSpecException.of("", "the document is empty");
        }
        boolean json = trimmed.startsWith("{");
        try {
            JsonNode root = json ? JSON.readTree(text) : YamlTree.parse(text);
            if (root == null || root.isMissingNode()) {
                throw InvalidSpecException.of("", "the document is empty");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw InvalidSpecException.of("", (json ? "malformed JSON" : "malformed YAML") + where(e.getLocation()) + ": " + reason(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String where(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static String reason(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        Throwable c = e.getCause();
        String all = m + (c == null ? "" : " " + c.getMessage());
        if (all.contains("Number of aliases")) {
            return "too many aliases (more than " + MAX_ALIASES + "); alias expansion is limited to refuse alias bombs";
        }
        if (all.contains("nesting depth") || all.contains("Nesting Depth")) {
            return "nested deeper than " + MAX_DEPTH + " levels";
        }
        if (all.contains("Number value length") || all.contains("Number length")) {
            return "a number longer than " + MAX_NUMBER_LENGTH + " characters; numbers are at most " + MAX_NUMBER_LENGTH + " characters long";
        }
        if (all.contains("code points") || all.contains("Document length") || all.contains("document length")) {
            return "the document is larger than the limit of " + MAX_DOCUMENT_BYTES + " bytes (1 MiB)";
        }
        if (all.contains("Duplicate field") || all.contains("found duplicate key")) {
            int i = all.indexOf("Duplicate field");
            return i >= 0 ? all.substring(i).lines().findFirst().orElse(all).replace("Duplicate field", "duplicate key") : "duplicate key";
        }
        return m == null ? e.toString() : m.lines().findFirst().orElse(m);
    }

    /** The canonical YAML form. */
    public static String toYaml(JobSpec spec) {
        try {
            return YAML_WRITER.writeValueAsString(tree(spec));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The canonical JSON form. */
    public static String toJson(JobSpec spec) {
        try {
            return JSON_WRITER.writeValueAsString(tree(spec));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The spec as a JSON tree in document form (what {@link #toYaml} writes); the basis of spec diffs. */
    public static ObjectNode tree(JobSpec s) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("apiVersion", JobSpec.API_VERSION);
        o.put("name", s.name());
        put(o, "namespace", s.namespace());
        o.put("type", s.type().id());
        put(o, "schedule", s.schedule());
        put(o, "timeZone", s.timeZone());
        map(o, "labels", s.labels());
        ArrayNode groups = o.putArray("groups");
        for (GroupSpec g : s.groups()) {
            ObjectNode go = groups.addObject();
            go.put("name", g.name());
            if (g.count() != null) {
                go.put("count", g.count());
            }
            ArrayNode tasks = go.putArray("tasks");
            g.tasks().forEach(t -> task(tasks.addObject(), t));
            if (!g.services().isEmpty()) {
                ArrayNode services = go.putArray("services");
                for (ServiceSpec svc : g.services()) {
                    ObjectNode so = services.addObject();
                    so.put("name", svc.name());
                    so.put("port", svc.port());
                    so.put("expose", svc.expose().id());
                    if (svc.publishedPort() != null) {
                        so.put("publishedPort", svc.publishedPort());
                    }
                }
            }
            if (g.restart() != null) {
                ObjectNode r = go.putObject("restart");
                r.put("policy", g.restart().policy().id());
                if (g.restart().attempts() != null) {
                    r.put("attempts", g.restart().attempts());
                }
                duration(r, "delay", g.restart().delay());
            }
        }
        if (!s.secrets().isEmpty()) {
            ArrayNode a = o.putArray("secrets");
            s.secrets().forEach(r -> a.addObject().put("name", r.name()));
        }
        if (!s.volumes().isEmpty()) {
            ArrayNode a = o.putArray("volumes");
            for (VolumeSpec v : s.volumes()) {
                ObjectNode vo = a.addObject();
                vo.put("name", v.name());
                if (v.size() != null) {
                    vo.put("size", v.size().toString());
                }
                vo.put("access", v.access().id());
            }
        }
        if (s.update() != null) {
            UpdatePolicy u = s.update();
            ObjectNode uo = o.putObject("update");
            uo.put("strategy", u.strategy().id());
            if (u.parallelism() != null) {
                uo.put("parallelism", u.parallelism());
            }
            duration(uo, "delay", u.delay());
            duration(uo, "minHealthyTime", u.minHealthyTime());
            duration(uo, "healthyDeadline", u.healthyDeadline());
            if (u.onFailure() != null) {
                uo.put("onFailure", u.onFailure().id());
            }
            if (u.canary() != null) {
                uo.put("canary", u.canary());
            }
        }
        if (s.placement() != null) {
            ObjectNode po = o.putObject("placement");
            if (!s.placement().constraints().isEmpty()) {
                ArrayNode cs = po.putArray("constraints");
                for (Constraint c : s.placement().constraints()) {
                    ObjectNode co = cs.addObject();
                    co.put("attribute", c.attribute());
                    co.put("operator", c.operator().id());
                    put(co, "value", c.value());
                    if (c.values() != null) {
                        ArrayNode vs = co.putArray("values");
                        c.values().forEach(vs::add);
                    }
                }
            }
            put(po, "spread", s.placement().spread());
            if (s.placement().distinctHosts()) {
                po.put("distinctHosts", true);
            }
        }
        if (!s.extensions().patches().isEmpty()) {
            ObjectNode eo = o.putObject("extensions");
            s.extensions().patches().forEach((k, v) -> eo.set(k, JSON.valueToTree(v)));
        }
        return o;
    }

    private static void task(ObjectNode to, TaskSpec t) {
        to.put("name", t.name());
        put(to, "image", t.image());
        list(to, "command", t.command());
        list(to, "args", t.args());
        map(to, "env", t.env());
        put(to, "workingDir", t.workingDir());
        if (t.resources() != null && (t.resources().cpu() != null || t.resources().memory() != null)) {
            ObjectNode r = to.putObject("resources");
            if (t.resources().cpu() != null) {
                r.put("cpu", t.resources().cpu().toString());
            }
            if (t.resources().memory() != null) {
                r.put("memory", t.resources().memory().toString());
            }
        }
        if (!t.ports().isEmpty()) {
            ArrayNode a = to.putArray("ports");
            for (PortSpec p : t.ports()) {
                ObjectNode po = a.addObject();
                po.put("name", p.name());
                if (p.port() != null) {
                    po.put("port", p.port());
                }
                if (p.protocol() != Protocol.TCP) {
                    po.put("protocol", p.protocol().id());
                }
            }
        }
        if (!t.health().isEmpty()) {
            ArrayNode a = to.putArray("health");
            for (HealthCheck h : t.health()) {
                ObjectNode ho = a.addObject();
                if (h instanceof HealthCheck.Http http) {
                    ObjectNode x = ho.putObject("http");
                    x.put("port", http.port());
                    x.put("path", http.path());
                } else if (h instanceof HealthCheck.Tcp tcp) {
                    ho.putObject("tcp").put("port", tcp.port());
                } else if (h instanceof HealthCheck.Exec exec) {
                    list(ho.putObject("exec"), "command", exec.command());
                }
                CheckTiming tm = h.timing();
                ho.put("interval", Durations.format(tm.interval()));
                ho.put("timeout", Durations.format(tm.timeout()));
                ho.put("retries", tm.retries());
                if (!tm.gracePeriod().isZero()) {
                    ho.put("gracePeriod", Durations.format(tm.gracePeriod()));
                }
            }
        }
        if (!t.secrets().isEmpty()) {
            ArrayNode a = to.putArray("secrets");
            for (SecretMount m : t.secrets()) {
                ObjectNode mo = a.addObject();
                mo.put("secret", m.secret());
                mo.put("key", m.key());
                put(mo, "env", m.env());
                put(mo, "file", m.file());
            }
        }
        if (!t.volumes().isEmpty()) {
            ArrayNode a = to.putArray("volumes");
            for (VolumeMount m : t.volumes()) {
                ObjectNode mo = a.addObject();
                mo.put("volume", m.volume());
                mo.put("mountPath", m.mountPath());
                if (m.readOnly()) {
                    mo.put("readOnly", true);
                }
            }
        }
    }

    private static void put(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    private static void duration(ObjectNode o, String key, java.time.Duration d) {
        if (d != null) {
            o.put(key, Durations.format(d));
        }
    }

    private static void list(ObjectNode o, String key, List<String> values) {
        if (!values.isEmpty()) {
            ArrayNode a = o.putArray(key);
            values.forEach(a::add);
        }
    }

    private static void map(ObjectNode o, String key, Map<String, String> values) {
        if (!values.isEmpty()) {
            ObjectNode m = o.putObject(key);
            values.forEach(m::put);
        }
    }

    /** Checks a model built in code, with the same rules as a document. */
    public static List<Violation> validate(JobSpec spec) {
        List<Violation> violations = new ArrayList<>();
        SpecValidator.validate(spec, violations);
        return violations;
    }

    /** Whether a value follows the rule for job, group, task, service, secret and volume names. */
    public static boolean isName(String value) {
        return value != null && SpecValidator.NAME.matcher(value).matches();
    }

    /** Why a value breaks the name rule, for a violation at its path. */
    public static String nameRule(String value, String what) {
        return Quoted.quote(value) + " is not a valid " + what + " name: 1-63 characters of a-z, 0-9 and -, starting with a letter and ending with a letter or digit";
    }
}
