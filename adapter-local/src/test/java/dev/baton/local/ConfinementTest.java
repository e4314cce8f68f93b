package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.SecretData;
import dev.baton.SecretsFacet;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.TaskSpec;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job cannot make the supervisor write, link or delete outside the job's own root, even by planting links in it
 * between two starts, and everything the supervisor keeps is readable by its user only.
 */
class ConfinementTest {
    @TempDir
    Path state;
    @TempDir
    Path outside;
    Orchestrator o;

    @BeforeEach
    void connect() {
        o = LocalWorkloads.embedded(state);
    }

    @AfterEach
    void close() {
        o.close();
    }

    /**
     * A task that, on its first run, replaces {@code $BATON_ROOT/<dir>} by a link to {@code outside} and fails, so that
     * its restart would write through that link; on a later run it just stays up.
     */
    private TaskSpec.Builder planter(String dir) {
        String link = "\"$BATON_ROOT/" + dir + "\"";
        return TaskSpec.builder("planter").command("sh", "-c", "if [ -L " + link + " ]; then exec sleep 60; fi; rm -rf " + link
                + "; ln -s '" + outside + "' " + link + "; exit 1");
    }

    private static GroupSpec.Builder restartingOnce() {
        return GroupSpec.builder("g").restart(new RestartPolicy(RestartMode.ON_FAILURE, 1, Duration.ofMillis(100)));
    }

    @Test
    void aSecretFileIsNotWrittenThroughALinkTheJobPlanted() {
        o.facet(SecretsFacet.class).orElseThrow().put("db", SecretData.of("password", "s3cret"));
        JobSpec spec = JobSpec.builder("planted-secret").secret("db")
                .group(restartingOnce().task(planter("run").secret(SecretMount.file("db", "password", "/run/secrets/password")).build()).build())
                .build();

        DeploymentResult r = o.deploy(spec).await(Duration.ofSeconds(30));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(outside.resolve("secrets")).doesNotExist();
        assertThat(o.status("planted-secret").instances().get(0).reason()).contains("is a link");
    }

    @Test
    void aVolumeIsNotMountedThroughALinkTheJobPlantedNorIsAFileThereDeleted() throws IOException {
        Path victim = Files.writeString(outside.resolve("data"), "keep me");
        JobSpec spec = JobSpec.builder("planted-volume").volume(VolumeSpec.of("data", null))
                .group(restartingOnce().task(planter("mnt").volume(VolumeMount.of("data", "/mnt/data")).build()).build())
                .build();

        DeploymentResult r = o.deploy(spec).await(Duration.ofSeconds(30));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(Files.isSymbolicLink(victim)).isFalse();
        assertThat(victim).hasContent("keep me");
        assertThat(o.status("planted-volume").instances().get(0).reason()).contains("is a link");
    }

    @Test
    void aSecretValueNeverAppearsInAReasonOrEventEvenWhenTheJdkQuotesIt() {
        o.facet(SecretsFacet.class).orElseThrow().put("db", SecretData.ofBytes(java.util.Map.of("password",
                "hunter2-very-secret\0tail-of-it".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        JobSpec spec = JobSpec.builder("leaky").secret("db").group(GroupSpec.builder("g").restart(RestartPolicy.of(RestartMode.NEVER))
                .task(TaskSpec.builder("t").command("sh", "-c", "exec sleep 60").secret(SecretMount.env("db", "password", "PASSWORD")).build())
                .build()).build();
        List<dev.baton.status.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();

        var d = o.deploy(spec);
        d.onEvent(events::add);
        DeploymentResult r = d.await(Duration.ofSeconds(30));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        String everything = r.message() + " " + o.status("leaky") + " " + events;
        assertThat(everything).doesNotContain("hunter2").doesNotContain("tail-of-it").contains("NUL byte");
    }

    @Test
    void everythingTheSupervisorWritesIsOwnerOnlyWhateverTheUmask() throws IOException {
        o.facet(SecretsFacet.class).orElseThrow().put("db", SecretData.of("password", "s3cret"));
        JobSpec spec = JobSpec.builder("private").secret("db").volume(VolumeSpec.of("data", null))
                .group(GroupSpec.builder("g").task(TaskSpec.builder("t").command("sh", "-c", "echo hello; exec sleep 60")
                        .secret(SecretMount.file("db", "password", "/run/secrets/password"))
                        .secret(SecretMount.env("db", "password", "PASSWORD"))
                        .volume(VolumeMount.of("data", "/var/data")).build()).build())
                .build();
        assertThat(o.deploy(spec).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);

        List<String> open = new ArrayList<>();
        try (Stream<Path> all = Files.walk(state)) {
            for (Path p : all.toList()) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                String want = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
                if (!PosixFilePermissions.toString(perms).equals(want)) {
                    open.add(state.relativize(p) + " " + PosixFilePermissions.toString(perms));
                }
            }
        }
        assertThat(open).isEmpty();
        assertThat(Files.list(state.resolve("logs/default/private")).toList()).isNotEmpty();
        assertThat(state.resolve("jobs/default/private.json")).exists();
    }
}
