package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.kubernetes.apiserver.ApiServerDispatcher;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.VolumeAccess;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.plan.Plan;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Everything Kubernetes cannot honour of a spec is refused in one pass, the same by plan, render and deploy, before
 * anything is sent (issue 18, item 1): the capability check's refusals and the translator's structural ones, through
 * {@link dev.baton.spi.SpecRefusals}.
 */
class KubernetesRefusalsTest {
    private KubernetesMockServer server;
    private Orchestrator o;

    static {
        MockCluster.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @BeforeEach
    void start() {
        server = ApiServerDispatcher.start(new ApiServerDispatcher());
        o = Orchestrators.connect(Target.parse("kubernetes://http://127.0.0.1:" + server.getPort()),
                OrchestratorConfig.builder().namespace("default").requestTimeout(Duration.ofSeconds(5)).build());
    }

    @AfterEach
    void stop() {
        o.close();
        server.destroy();
    }

    private List<String> requests() throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            out.add(r.getMethod() + " " + r.getPath());
        }
        return out;
    }

    private static Set<String> paths(List<Unsupported> refused) {
        return new TreeSet<>(refused.stream().map(Unsupported::path).toList());
    }

    private static final String LONG = "a".repeat(57);

    /** A service with a problem of every structural kind the translator knows, and one the capabilities state. */
    private static JobSpec manyProblems() {
        CheckTiming timing = new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null);
        TaskSpec web = TaskSpec.builder("server").image("localhost/baton-test:1").port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz", timing))
                .health(new HealthCheck.Tcp("http", timing))
                .volume(VolumeMount.of("data", "/var/data"))
                .volume(VolumeMount.of(LONG, "/var/cache"))
                .secret(SecretMount.file(LONG, "tls.crt", "/etc/tls/tls.crt"))
                .build();
        TaskSpec admin = TaskSpec.builder("admin").image("localhost/baton-test:1").port(PortSpec.dynamic("http")).build();
        return JobSpec.builder("shop").type(JobType.SERVICE)
                .volume(new VolumeSpec("data", null, VolumeAccess.SINGLE_HOST))
                .volume(new VolumeSpec(LONG, null, VolumeAccess.MULTI_HOST))
                .secret(LONG)
                .group(GroupSpec.builder("web").count(2).task(web)
                        .restart(new RestartPolicy(RestartMode.ALWAYS, 3, null))
                        .service(ServiceSpec.published("shop", "http", 8080)).build())
                .group(GroupSpec.builder("admin").task(admin)
                        .service(ServiceSpec.published("admin-a", "http", 30080))
                        .service(ServiceSpec.published("admin-b", "http", 30080)).build())
                .update(UpdatePolicy.rolling().withDelay(Duration.ofSeconds(5)))
                .build();
    }

    @Test
    void planRenderAndDeployListEveryRefusalAtOnceAndSendNothing() throws Exception {
        JobSpec spec = manyProblems();

        Plan plan = o.plan(spec);
        UnsupportedCapabilityException render = (UnsupportedCapabilityException) org.assertj.core.api.Assertions.catchThrowable(() -> o.render(spec));
        UnsupportedCapabilityException deploy = (UnsupportedCapabilityException) org.assertj.core.api.Assertions.catchThrowable(() -> o.deploy(spec));

        Set<String> expected = new TreeSet<>(List.of(
                "update.delay",                              // the capabilities: a Deployment has no pause between batches
                "groups[0].tasks[0].health[1]",              // one probe pair per container
                "groups[0].restart.attempts",                // no backoffLimit on a Deployment
                "groups[0].services[0].publishedPort",       // 8080 is outside the node port range
                "groups[0].tasks[0].volumes[0]",             // a ReadWriteOnce claim shared by 2 pods
                "groups[1].services[1].publishedPort",       // node port 30080 published twice
                "volumes[1].name",                           // pod volume "volume-<57 characters>" is over 63
                "secrets[0].name"));                         // pod volume "secret-<57 characters>" is over 63
        assertThat(paths(plan.unsupported())).isEqualTo(expected);
        assertThat(plan.changes()).isEmpty();
        assertThat(render).isNotNull();
        assertThat(paths(render.unsupported())).isEqualTo(expected);
        assertThat(deploy).isNotNull();
        assertThat(paths(deploy.unsupported())).isEqualTo(expected);
        assertThat(deploy.unsupported()).filteredOn(u -> u.path().equals("groups[0].services[0].publishedPort"))
                .singleElement().satisfies(u -> assertThat(u.reason()).contains("node port range 30000-32767"));
        assertThat(requests()).as("nothing read, nothing written").isEmpty();
    }

    @Test
    void jobAndCronJobNamesTheApiServerWouldRefuseAreRefusedBeforeAnythingIsSent() throws Exception {
        TaskSpec task = TaskSpec.builder("t").image("localhost/baton-test:1").build();
        // 30 + 1 + 33 = 64 characters: one over a Job's 63 (its pods carry the name as a label value)
        JobSpec batch = JobSpec.builder("b".repeat(30)).type(JobType.BATCH)
                .group(GroupSpec.builder("g".repeat(33)).task(task).build()).build();
        // 26 + 1 + 26 = 53 characters: one over a CronJob's 52 (its Jobs are named after it plus 11 characters)
        JobSpec cron = JobSpec.builder("c".repeat(26)).type(JobType.CRON).schedule("*/5 * * * *")
                .group(GroupSpec.builder("g".repeat(26)).task(task).build()).build();
        JobSpec cronThatFits = cron.toBuilder().name("c".repeat(25)).build();

        assertThat(paths(o.plan(batch).unsupported())).containsExactly("groups[0].name");
        assertThatThrownBy(() -> o.deploy(batch)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                e -> assertThat(e.unsupported()).singleElement().satisfies(u -> assertThat(u.reason()).contains("at most 63")));
        assertThat(paths(o.plan(cron).unsupported())).containsExactly("groups[0].name");
        assertThatThrownBy(() -> o.deploy(cron)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                e -> assertThat(e.unsupported()).singleElement().satisfies(u -> assertThat(u.reason()).contains("at most 52")));
        assertThat(requests()).isEmpty();

        assertThat(o.render(cronThatFits).content()).contains("name: " + "c".repeat(25) + "-" + "g".repeat(26));
    }
}
