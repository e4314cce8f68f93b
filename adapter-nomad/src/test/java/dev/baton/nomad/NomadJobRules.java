package dev.baton.nomad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What Nomad's job-register ({@code POST /v1/jobs}) and job-plan ({@code POST /v1/job/:id/plan}) endpoints refuse, with
 * Nomad's status and text, for {@link NomadDouble}; and what they accept but then ignore, for tests that pin the meaning
 * of what the adapter sends.
 *
 * <p>Modelled on hashicorp/nomad v1.6.5 (a7cfff372cd5) and v1.9.7, MPL-2.0; the rules below read the same in both:
 * <ul>
 *   <li>How the answer is made: {@code nomad/job_endpoint.go} Register and Plan run {@code admissionControllers}
 *   ({@code nomad/job_endpoint_hooks.go}: {@code jobValidate.Validate} appends {@code job.Validate()} to a multierror,
 *   {@code admissionValidators} appends that again, flattening it) and return the error uncoded, so
 *   {@code command/agent/http.go} {@code wrap} answers HTTP 500 with {@code err.Error()} as the body; a multierror
 *   prints with hashicorp/go-multierror v1.1.1 {@code ListFormatFunc}. {@link Errors} reproduces the nesting:
 *   {@code mErr.Errors = append(...)} keeps an error nested, {@code multierror.Append} flattens it.</li>
 *   <li>What the HTTP API fills in first ({@code api/jobs.go} {@code Job.Canonicalize}, {@code DefaultUpdateStrategy},
 *   {@code UpdateStrategy.Canonicalize/Merge/Empty}; {@code api/tasks.go} {@code TaskGroup.Canonicalize} with the job's
 *   update merged into each group and the restart defaults per job type; {@code api/resources.go}
 *   {@code Resources.Canonicalize}: CPU 100, MemoryMB 300) and what reaches the server
 *   ({@code command/agent/job_endpoint.go} {@code ApiJobToStructJob}: empty spread lists become nil).</li>
 *   <li>What is validated ({@code nomad/structs/structs.go}): {@code Job.Validate} (spread on system jobs, count above
 *   1 on system jobs, periodic on non-batch jobs), {@code TaskGroup.Validate} ({@code RestartPolicy.Validate} with
 *   {@code RestartPolicyMinInterval} 5s, spread on system jobs, update blocks only on service and system jobs,
 *   {@code UpdateStrategy.Validate}, {@code validateServices}, {@code validateScriptChecksInGroupServices}),
 *   {@code Task.Validate} ({@code Resources.Validate}, {@code MeetsMinResources} with {@code MinResources()}: CPU 1,
 *   MemoryMB 10; distinct_hosts refused at task level); and {@code nomad/structs/services.go}: {@code Service.Validate}
 *   ({@code ValidateName}: an RFC 1123 label of at most 63 characters; provider consul or nomad, consul when empty
 *   per {@code Service.Canonicalize}), {@code validateNomadService}/{@code validateConsulService},
 *   {@code ServiceCheck.validateNomad} (tcp and http only) / {@code validateConsul} (grpc, tcp, http, script),
 *   {@code validateCommon} (http path, script command, {@code minCheckInterval} and {@code minCheckTimeout} 1s),
 *   {@code ServiceCheck.Canonicalize} (a check without a name is called {@code service: "<name>" check}).</li>
 * </ul>
 * Not modelled: job ID, region, datacenter and namespace checks, networks, volumes, templates, constraints other than
 * distinct_hosts at task level, reschedule and migrate policies, connect, identities, vault, scaling policies.
 */
final class NomadJobRules {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;
    /** services.go ValidateName. */
    private static final Pattern SERVICE_NAME = Pattern.compile("^(?i:[a-z0-9]|[a-z0-9][a-z0-9\\-]{0,61}[a-z0-9])$");

    private NomadJobRules() {
    }

    /** A hashicorp/go-multierror {@code Error}: its errors are strings or nested multierrors (printed with ListFormatFunc). */
    static final class Errors {
        final List<Object> errors = new ArrayList<>();

        /** {@code mErr.Errors = append(mErr.Errors, err)}, or {@code multierror.Append} of a plain error. */
        Errors add(Object error) {
            errors.add(error);
            return this;
        }

        /** {@code multierror.Append(mErr, other)} with a multierror: its errors are flattened one level into this one. */
        Errors append(Errors other) {
            errors.addAll(other.errors);
            return this;
        }

        boolean isEmpty() {
            return errors.isEmpty();
        }

        /** go-multierror v1.1.1 format.go ListFormatFunc. */
        @Override
        public String toString() {
            if (errors.size() == 1) {
                return "1 error occurred:\n\t* " + errors.get(0) + "\n\n";
            }
            List<String> points = new ArrayList<>();
            errors.forEach(e -> points.add("* " + e));
            return errors.size() + " errors occurred:\n\t" + String.join("\n\t", points) + "\n\n";
        }
    }

    /** The double's answer to an invalid job: Nomad's 500 with the validation text. {@code request} is the register or plan body. */
    static void refuse(JsonNode request) {
        String errors = errors(request.path("Job"));
        if (errors != null) {
            throw new NomadDouble.Failure(500, errors);
        }
    }

    /** Nomad's validation error text for the job, or null when Nomad would take it. */
    static String errors(JsonNode job) {
        Errors e = validate(job);
        return e.isEmpty() ? null : e.toString();
    }

    static String type(JsonNode job) {
        String t = job.path("Type").asText("");
        return t.isEmpty() ? "service" : t;
    }

    private static boolean present(JsonNode n, String field) {
        return n.has(field) && !n.get(field).isNull();
    }

    /** Job.Validate (the parts listed in the class comment). */
    static Errors validate(JsonNode job) {
        String type = type(job);
        boolean system = type.equals("system");
        Errors m = new Errors();
        if (system && job.path("Spreads").size() > 0) {
            m.add("System jobs may not have a spread block");
        }
        for (JsonNode tg : job.path("TaskGroups")) {
            int count = present(tg, "Count") ? tg.get("Count").asInt() : 1;
            if (system && count > 1) {
                m.add("Job task group " + tg.path("Name").asText() + " has count " + count + ". Count cannot exceed 1 with system scheduler");
            }
        }
        for (JsonNode tg : job.path("TaskGroups")) {
            Errors e = group(job, type, tg);
            if (!e.isEmpty()) {
                m.add("Task group " + tg.path("Name").asText() + " validation failed: " + e);
            }
        }
        if (job.path("Periodic").path("Enabled").asBoolean(false) && !type.equals("batch") && !type.equals("sysbatch")) {
            m.add("Periodic can only be used with \"batch\" or \"sysbatch\" scheduler");
        }
        return m;
    }

    private static Errors group(JsonNode job, String type, JsonNode tg) {
        Errors m = new Errors();
        if (present(tg, "Count") && tg.get("Count").asInt() < 0) {
            m.add("Task group count can't be negative");
        }
        if (tg.path("Tasks").isEmpty()) {
            m.add("Missing tasks for task group");
        }
        m.append(restart(restartPolicy(type, tg)));
        if (type.equals("system") && tg.path("Spreads").size() > 0) {
            m.add("System jobs may not have a spread block");
        }
        ObjectNode u = update(job, tg);
        if (u != null) {
            if (!type.equals("service") && !type.equals("system")) {
                m.add("Job type " + goQuote(type) + " does not allow update block");
            }
            m.append(update(u));
        }
        Errors services = services(tg);
        if (!services.isEmpty()) {
            m.add("Task group service validation failed: " + services);
        }
        Errors scripts = new Errors();
        for (JsonNode s : tg.path("Services")) {
            if (s.path("TaskName").asText("").isEmpty()) {
                for (JsonNode c : s.path("Checks")) {
                    if (c.path("Type").asText("").equals("script") && c.path("TaskName").asText("").isEmpty()) {
                        scripts.add("Service [" + tg.path("Name").asText() + "]->" + s.path("Name").asText() + " or Check "
                                + checkName(s, c) + " must specify task parameter");
                    }
                }
            }
        }
        if (!scripts.isEmpty()) {
            m.add("Task group service check validation failed: " + scripts);
        }
        for (JsonNode t : tg.path("Tasks")) {
            Errors e = task(t);
            if (!e.isEmpty()) {
                m.add("Task " + t.path("Name").asText() + " validation failed: " + e);
            }
        }
        return m;
    }

    /** The group's restart policy: api/tasks.go defaultServiceJobRestartPolicy / defaultBatchJobRestartPolicy merged with the group's. */
    static ObjectNode restartPolicy(String type, JsonNode tg) {
        boolean service = type.equals("service") || type.equals("system");
        ObjectNode r = JSON.createObjectNode().put("Attempts", service ? 2 : 3).put("Interval", service ? 1_800 * SECOND : 86_400 * SECOND)
                .put("Delay", 15 * SECOND).put("Mode", "fail");
        merge(r, tg.path("RestartPolicy"));
        return r;
    }

    /** RestartPolicy.Validate. */
    private static Errors restart(JsonNode r) {
        Errors m = new Errors();
        String mode = r.path("Mode").asText();
        long attempts = r.path("Attempts").asLong();
        long interval = r.path("Interval").asLong();
        long delay = r.path("Delay").asLong();
        if (!mode.equals("delay") && !mode.equals("fail")) {
            m.add("Unsupported restart mode: " + goQuote(mode));
        }
        if (attempts == 0 && !mode.equals("fail")) {
            m.add("Restart policy " + goQuote(mode) + " with " + attempts + " attempts is ambiguous");
        }
        if (interval < 5 * SECOND) {
            m.add("Interval can not be less than 5s (got " + goDuration(interval) + ")");
        }
        if (attempts * delay > interval) {
            m.add("Nomad can't restart the TaskGroup " + attempts + " times in an interval of " + goDuration(interval) + " with a delay of "
                    + goDuration(delay));
        }
        return m;
    }

    private static ObjectNode defaultUpdate() {
        return JSON.createObjectNode().put("Stagger", 30 * SECOND).put("MaxParallel", 1).put("HealthCheck", "checks")
                .put("MinHealthyTime", 10 * SECOND).put("HealthyDeadline", 300 * SECOND).put("ProgressDeadline", 600 * SECOND)
                .put("AutoRevert", false).put("Canary", 0).put("AutoPromote", false);
    }

    /** api UpdateStrategy.Empty. */
    private static boolean empty(JsonNode u) {
        return u.path("Stagger").asLong() == 0 && u.path("MaxParallel").asLong() == 0 && u.path("HealthCheck").asText("").isEmpty()
                && u.path("MinHealthyTime").asLong() == 0 && u.path("HealthyDeadline").asLong() == 0 && u.path("ProgressDeadline").asLong() == 0
                && !u.path("AutoRevert").asBoolean() && !u.path("AutoPromote").asBoolean() && u.path("Canary").asLong() == 0;
    }

    /**
     * The group's update strategy as the server sees it, or null: api Job.Canonicalize (the job's update canonicalized,
     * or the default one for service jobs), then TaskGroup.Canonicalize (the job's merged with the group's, or the job's
     * when it is not empty, then canonicalized).
     */
    static ObjectNode update(JsonNode job, JsonNode tg) {
        ObjectNode ju = null;
        if (present(job, "Update")) {
            ju = defaultUpdate();
            merge(ju, job.get("Update"));
        } else if (type(job).equals("service")) {
            ju = defaultUpdate();
        }
        ObjectNode g = null;
        if (ju != null && present(tg, "Update")) {
            g = ju.deepCopy();
            merge(g, tg.get("Update"));
        } else if (ju != null && !empty(ju)) {
            g = ju.deepCopy();
        } else if (present(tg, "Update")) {
            g = defaultUpdate();
            merge(g, tg.get("Update"));
        }
        return g;
    }

    /** UpdateStrategy.Validate. */
    private static Errors update(JsonNode u) {
        Errors m = new Errors();
        String hc = u.path("HealthCheck").asText();
        long maxParallel = u.path("MaxParallel").asLong();
        long canary = u.path("Canary").asLong();
        long minHealthy = u.path("MinHealthyTime").asLong();
        long healthyDeadline = u.path("HealthyDeadline").asLong();
        long progress = u.path("ProgressDeadline").asLong();
        long stagger = u.path("Stagger").asLong();
        if (!List.of("checks", "task_states", "manual").contains(hc)) {
            m.add("Invalid health check given: " + goQuote(hc));
        }
        if (maxParallel < 0) {
            m.add("Max parallel can not be less than zero: " + maxParallel + " < 0");
        }
        if (canary < 0) {
            m.add("Canary count can not be less than zero: " + canary + " < 0");
        }
        if (canary == 0 && u.path("AutoPromote").asBoolean()) {
            m.add("Auto Promote requires a Canary count greater than zero");
        }
        if (minHealthy < 0) {
            m.add("Minimum healthy time may not be less than zero: " + goDuration(minHealthy));
        }
        if (healthyDeadline <= 0) {
            m.add("Healthy deadline must be greater than zero: " + goDuration(healthyDeadline));
        }
        if (progress < 0) {
            m.add("Progress deadline must be zero or greater: " + goDuration(progress));
        }
        if (minHealthy >= healthyDeadline) {
            m.add("Minimum healthy time must be less than healthy deadline: " + goDuration(minHealthy) + " > " + goDuration(healthyDeadline));
        }
        if (progress != 0 && healthyDeadline >= progress) {
            m.add("Healthy deadline must be less than progress deadline: " + goDuration(healthyDeadline) + " > " + goDuration(progress));
        }
        if (stagger <= 0) {
            m.add("Stagger must be greater than zero: " + goDuration(stagger));
        }
        return m;
    }

    /** ServiceCheck.Canonicalize names a check without a name after its service. */
    private static String checkName(JsonNode service, JsonNode check) {
        String name = check.path("Name").asText("");
        return name.isEmpty() ? "service: " + goQuote(service.path("Name").asText()) + " check" : name;
    }

    /** TaskGroup.validateServices for group services. */
    private static Errors services(JsonNode tg) {
        Set<String> tasks = new HashSet<>();
        tg.path("Tasks").forEach(t -> tasks.add(t.path("Name").asText()));
        Errors m = new Errors();
        for (int i = 0; i < tg.path("Services").size(); i++) {
            JsonNode s = tg.path("Services").get(i);
            Errors e = service(s);
            if (!e.isEmpty()) {
                m.add("Service[" + i + "] " + s.path("Name").asText() + " validation failed: " + e);
                continue;
            }
            for (JsonNode c : s.path("Checks")) {
                String task = c.path("TaskName").asText("");
                if (!task.isEmpty() && !tasks.contains(task)) {
                    m.add("Check " + checkName(s, c) + " invalid: refers to non-existent task " + task);
                }
            }
        }
        return m;
    }

    /** Service.Validate. */
    private static Errors service(JsonNode s) {
        Errors m = new Errors();
        String name = s.path("Name").asText("");
        if (!SERVICE_NAME.matcher(name).matches()) {
            m.add("Service name must be valid per RFC 1123 and can contain only alphanumeric characters or dashes and must be no longer than 63 characters: "
                    + goQuote(name));
        }
        String provider = s.path("Provider").asText("");
        if (provider.isEmpty()) {
            provider = "consul";
        }
        switch (provider) {
            case "consul", "nomad" -> {
                boolean nomad = provider.equals("nomad");
                for (JsonNode c : s.path("Checks")) {
                    String type = c.path("Type").asText("").toLowerCase(Locale.ROOT);
                    boolean requiresPort = List.of("grpc", "http", "tcp").contains(type);
                    if (s.path("PortLabel").asText("").isEmpty() && c.path("PortLabel").asText("").isEmpty() && requiresPort) {
                        m.add("Check " + checkName(s, c) + " invalid: check requires a port but neither check nor service " + goQuote(name)
                                + " have a port");
                        continue;
                    }
                    String e = check(c, nomad ? List.of("tcp", "http") : List.of("grpc", "tcp", "http", "script"));
                    if (e != null) {
                        // validateNomadService appends the check's error as is, validateConsulService wraps it
                        m.add(nomad ? e : "Check " + checkName(s, c) + " invalid: " + e);
                    }
                }
            }
            default -> m.add("Service provider must be \"consul\", or \"nomad\"; not " + goQuote(provider));
        }
        return m;
    }

    /** ServiceCheck.validateCommon (the first error it finds), for the provider's check types. */
    private static String check(JsonNode c, List<String> allowed) {
        String type = c.path("Type").asText("").toLowerCase(Locale.ROOT);
        if (!allowed.contains(type)) {
            return "invalid check type (" + goQuote(type) + "), must be one of " + String.join(", ", allowed);
        }
        if (type.equals("http")) {
            String path = c.path("Path").asText("");
            if (path.isEmpty()) {
                return "http type must have http path";
            }
            if (path.matches("(?i)^[a-z][a-z0-9+.-]*:.*")) {
                return "http type must have relative http path";
            }
        }
        if (type.equals("script") && c.path("Command").asText("").isEmpty()) {
            return "script type must have a valid script path";
        }
        long interval = c.path("Interval").asLong();
        long timeout = c.path("Timeout").asLong();
        if (interval == 0) {
            return "missing required value interval. Interval cannot be less than 1s";
        } else if (interval < SECOND) {
            return "interval (" + goDuration(interval) + ") cannot be lower than 1s";
        }
        if (timeout == 0) {
            return "missing required value timeout. Timeout cannot be less than 1s";
        } else if (timeout < SECOND) {
            return "timeout (" + goDuration(timeout) + ") is lower than required minimum timeout 1s";
        }
        return null;
    }

    /** Task.Validate: resources (over api/resources.go defaults) and task-level constraints. */
    private static Errors task(JsonNode t) {
        Errors m = new Errors();
        JsonNode r = t.path("Resources");
        long cores = r.path("Cores").asLong(0);
        long cpu = present(r, "CPU") ? r.get("CPU").asLong() : present(r, "Cores") ? 0 : 100;
        long memory = present(r, "MemoryMB") ? r.get("MemoryMB").asLong() : 300;
        Errors resources = new Errors();
        if (cores > 0 && cpu > 0) {
            resources.add("Task can only ask for 'cpu' or 'cores' resource, not both.");
        }
        Errors min = new Errors();
        if (cpu < 1 && cores == 0) {
            min.add("minimum CPU value is 1; got " + cpu);
        }
        if (memory < 10) {
            min.add("minimum MemoryMB value is 10; got " + memory);
        }
        if (!min.isEmpty()) {
            resources.add(min);
        }
        if (!resources.isEmpty()) {
            m.add(resources);
        }
        int i = 1;
        for (JsonNode c : t.path("Constraints")) {
            String op = c.path("Operand").asText();
            if (op.equals("distinct_hosts") || op.equals("distinct_property")) {
                m.add("Constraint " + i + " has disallowed Operand at task level: " + op);
            }
            i++;
        }
        return m;
    }

    /**
     * What Nomad takes but does not do, each with its source; empty when everything sent has an effect. Looks only at
     * fields the request sets (not at the defaults the API fills in).
     * <ul>
     *   <li>service jobs: {@code Stagger} (update block docs, v1.6.5 and v1.9.7: stagger "doesn't apply to service jobs
     *   which use deployments instead");</li>
     *   <li>service jobs whose group update ends with {@code MaxParallel} 0: {@code AutoRevert}, {@code Canary},
     *   {@code AutoPromote}, {@code MinHealthyTime}, {@code HealthyDeadline}, {@code ProgressDeadline} (update block docs:
     *   "max_parallel = 0 - Specifies that the allocation should use forced updates instead of deployments";
     *   structs.go {@code UpdateStrategy.IsEmpty} is {@code MaxParallel == 0}, and scheduler/reconcile.go
     *   {@code createDeployment} makes no deployment for an empty strategy, so nothing is health-checked or reverted);</li>
     *   <li>system jobs: anything of the update block but {@code MaxParallel} and {@code Stagger} (update block docs: "For
     *   system jobs, only max_parallel and stagger are enforced"; scheduler/scheduler_system.go makes no deployment).</li>
     * </ul>
     */
    static List<String> ignored(JsonNode job) {
        List<String> out = new ArrayList<>();
        String type = type(job);
        List<String> deploymentFields = List.of("AutoRevert", "Canary", "AutoPromote", "MinHealthyTime", "HealthyDeadline", "ProgressDeadline", "HealthCheck");
        List<JsonNode> sent = new ArrayList<>();
        if (present(job, "Update")) {
            sent.add(job.get("Update"));
        }
        job.path("TaskGroups").forEach(tg -> {
            if (present(tg, "Update")) {
                sent.add(tg.get("Update"));
            }
        });
        if (type.equals("service")) {
            for (JsonNode u : sent) {
                if (present(u, "Stagger")) {
                    out.add("Stagger on a service job (stagger applies only without deployments)");
                }
            }
            for (JsonNode tg : job.path("TaskGroups")) {
                ObjectNode u = update(job, tg);
                if (u != null && u.path("MaxParallel").asLong() == 0) {
                    for (String f : deploymentFields) {
                        boolean set = sent.stream().anyMatch(x -> present(x, f) && !x.get(f).asText().equals("false") && !x.get(f).asText().equals("0"));
                        if (set) {
                            out.add(f + " of group " + tg.path("Name").asText() + " with MaxParallel 0 (no deployment: nothing is health-checked, reverted or promoted)");
                        }
                    }
                }
            }
        } else if (type.equals("system")) {
            for (JsonNode u : sent) {
                for (String f : deploymentFields) {
                    if (present(u, f) && !u.get(f).asText().equals("false") && !u.get(f).asText().equals("0")) {
                        out.add(f + " on a system job (only MaxParallel and Stagger are enforced)");
                    }
                }
            }
        }
        return out;
    }

    private static void merge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
                into.set(f.getKey(), f.getValue());
            }
        });
    }

    /** Go's %q for the ASCII strings these messages quote. */
    static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Go's time.Duration.String(), as Nomad's messages print durations ({@code 30m0s}, {@code 500ms}). */
    static String goDuration(long ns) {
        if (ns == 0) {
            return "0s";
        }
        String sign = ns < 0 ? "-" : "";
        long u = Math.abs(ns);
        if (u < 1_000L) {
            return sign + u + "ns";
        }
        if (u < 1_000_000L) {
            return sign + fraction(u, 1_000L, 3) + "µs";
        }
        if (u < SECOND) {
            return sign + fraction(u, 1_000_000L, 6) + "ms";
        }
        long h = u / 3_600_000_000_000L;
        long m = u % 3_600_000_000_000L / 60_000_000_000L;
        long s = u % 60_000_000_000L;
        StringBuilder sb = new StringBuilder(sign);
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        return sb.append(fraction(s, SECOND, 9)).append('s').toString();
    }

    private static String fraction(long v, long unit, int digits) {
        long whole = v / unit;
        long rest = v % unit;
        if (rest == 0) {
            return Long.toString(whole);
        }
        return whole + "." + String.format("%0" + digits + "d", rest).replaceAll("0+$", "");
    }
}
