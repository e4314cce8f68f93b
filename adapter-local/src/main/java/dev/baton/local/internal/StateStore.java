package dev.baton.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.Specs;
import dev.baton.model.JobSpec;
import dev.baton.spi.JobRef;
import dev.baton.status.InstanceState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's durable state: one file per job, {@code jobs/<namespace>/<job>.json} (0600, in 0700
 * directories), holding the spec it runs, the previous versions, the desired counts, the last rollout and every
 * instance with its ports and its processes (pid and start time, which together name one process for good). Each
 * write replaces the file atomically, so a crash at any moment leaves the previous or the new state, never half.
 */
final class StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
    static final int FORMAT = 1;

    private final Path dir;

    StateStore(Path stateDir) {
        this.dir = stateDir.resolve("jobs");
    }

    record JobRecord(int format, String namespace, String name, JsonNode spec, String cwd, List<JsonNode> history,
            Map<String, GroupRecord> groups, int cronRun, RolloutRecord rollout, List<InstanceRecord> instances,
            Map<String, JsonNode> instanceSpecs) {

        /** The spec an instance of this job runs: the job's own ({@code current}) or one kept for its version. */
        java.util.Optional<JobSpec> specOf(InstanceRecord i, JobSpec current, String currentVersion) {
            JobSpec of = i.version().equals(currentVersion) ? current
                    : instanceSpecs.containsKey(i.version()) ? StateStore.spec(instanceSpecs.get(i.version())) : null;
            return java.util.Optional.ofNullable(of).filter(s -> s.group(i.group()).isPresent());
        }
    }

    record GroupRecord(int desired, int nextIndex) {
    }

    record RolloutRecord(String id, String kind, String outcome, String message) {
    }

    record InstanceRecord(String id, String group, int index, String version, int restarts, Map<String, Integer> ports,
            List<ProcessRecord> processes, InstanceState state, Integer exitCode, String reason, Instant startedAt,
            boolean givenUp) {
        InstanceRecord {
            ports = ports == null ? Map.of() : ports;
            processes = processes == null ? List.of() : processes;
        }
    }

    record ProcessRecord(String task, long pid, Instant start) {
        ProcessTree.Identity identity() {
            return new ProcessTree.Identity(pid, start);
        }
    }

    Path file(JobRef ref) {
        return dir.resolve(ref.namespace()).resolve(ref.name() + ".json");
    }

    /** Writes a job's record. Caller holds the job's monitor. */
    void save(Job job) {
        try {
            Path f = file(job.ref);
            PrivateFiles.dirs(f.getParent());
            PrivateFiles.writeAtomically(f, Rpc.JSON.writeValueAsBytes(record(job)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record " + job + " in " + dir, e);
        }
    }

    void delete(JobRef ref) {
        try {
            Files.deleteIfExists(file(ref));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the record of job " + ref, e);
        }
    }

    static JsonNode tree(JobSpec spec) {
        try {
            return Rpc.JSON.readTree(Specs.toJson(spec));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JobSpec spec(JsonNode tree) {
        return Specs.read(tree.toString());
    }

    static JobRecord record(Job job) {
        Map<String, GroupRecord> groups = new LinkedHashMap<>();
        job.groups.forEach((n, g) -> groups.put(n, new GroupRecord(g.desired, g.nextIndex)));
        Map<String, JsonNode> specs = new LinkedHashMap<>();
        List<InstanceRecord> instances = new ArrayList<>();
        job.instances().filter(i -> !i.removed).forEach(i -> {
            if (!i.version.equals(job.version) && !specs.containsKey(i.version)) {
                specs.put(i.version, tree(i.spec));
            }
            instances.add(new InstanceRecord(i.id, i.group, i.index, i.version, i.restarts, Map.copyOf(i.ports),
                    i.processes.stream().map(t -> new ProcessRecord(t.task(), t.identity().pid(), t.identity().start())).toList(),
                    i.state, i.exitCode, i.reason, i.startedAt, i.givenUp));
        });
        Rollout r = job.current;
        return new JobRecord(FORMAT, job.ref.namespace(), job.ref.name(), tree(job.spec), job.cwd,
                job.history.stream().map(StateStore::tree).toList(), groups, job.cronRun,
                r == null ? null : new RolloutRecord(r.id, r.kind, r.outcome, r.message), instances, specs);
    }

    /**
     * Every job on disk. The supervisor ({@code setAside}) renames a record it cannot read to {@code .unreadable} and
     * reports it; other readers skip it.
     */
    List<JobRecord> load(boolean setAside) {
        List<JobRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(dir, 2)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")
                    && !p.getFileName().toString().startsWith(".")).sorted().toList()) {
                try {
                    JobRecord r = Rpc.JSON.readValue(f.toFile(), JobRecord.class);
                    if (r.format() != FORMAT) {
                        throw new IOException("unknown format " + r.format());
                    }
                    out.add(r);
                } catch (IOException | RuntimeException e) {
                    if (setAside) {
                        setAside(f, e);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the job records in " + dir, e);
        }
        return out;
    }

    private static void setAside(Path f, Exception why) {
        LOG.error("the job record {} cannot be read ({}); it is set aside as {}.unreadable", f, why.getMessage(), f.getFileName());
        try {
            Files.move(f, f.resolveSibling(f.getFileName() + ".unreadable"));
        } catch (IOException ignored) {
            // reported above
        }
    }
}
