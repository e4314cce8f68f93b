package dev.baton.testkit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.Capabilities;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Feature;
import dev.baton.InvalidSpecException;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.SecretData;
import dev.baton.SecretsFacet;
import dev.baton.Selector;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Violation;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.SecretMount;
import dev.baton.model.TaskSpec;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.plan.Change;
import dev.baton.plan.Plan;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.GroupStatus;
import dev.baton.status.Health;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The contract every adapter passes: subclass it in the adapter's tests, supply an {@link Orchestrator} connected
 * to the most real backend available, the {@link ContractWorkloads} it can run, and timeouts. A case whose
 * capability the platform lacks is skipped through an assumption that names the capability, never passed
 * vacuously. Jobs a case creates are undeployed after it.
 *
 * <p>The cases use only JUnit Jupiter's own {@code Assertions} and {@code Assumptions}, and the JUnit API that
 * 5.11 already has, so the suite runs on the JUnit Jupiter engine of the test's own project, 5.11 or later
 * (6 included); see {@link OrchestratorTest} for what a project adds.
 *
 * @since 0.1
 */
public abstract class OrchestratorContract {

    private final List<String> created = new ArrayList<>();

    /** The orchestrator under test, as {@code Orchestrators.connect} returns it. */
    protected abstract Orchestrator orchestrator();

    protected abstract ContractWorkloads workloads();

    /** How long one deployment may take on this backend. */
    protected Duration deployTimeout() {
        return Duration.ofMinutes(2);
    }

    /** A fresh job name for a case, remembered for clean-up. */
    protected String jobName(String kase) {
        String name = "tck-" + kase + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff), 16);
        created.add(name);
        return name;
    }

    @AfterEach
    void undeployWhatTheCaseCreated() {
        for (String name : created) {
            try {
                orchestrator().undeploy(name);
            } catch (NotFoundException ignored) {
                // already gone
            } catch (RuntimeException e) {
                System.err.println("contract clean-up of " + name + " failed: " + e);
            }
        }
        created.clear();
    }

    protected Capabilities capabilities() {
        return orchestrator().capabilities();
    }

    protected void assumeCapability(Feature feature) {
        assumeTrue(capabilities().supports(feature), () -> capabilities().platform() + " lacks capability feature." + feature.name());
    }

    protected DeploymentResult deployAndAwait(JobSpec spec) {
        DeploymentResult result = orchestrator().deploy(spec).await(deployTimeout());
        assertEquals(Outcome.HEALTHY, result.outcome(), () -> "deployment of " + spec.name() + ": " + result.message());
        return result;
    }

    @Test
    void deployedServiceBecomesHealthy() {
        String name = jobName("healthy");
        List<Event> events = new CopyOnWriteArrayList<>();
        var deployment = orchestrator().deploy(workloads().healthyService(name, 2, 1));
        deployment.onEvent(events::add);
        DeploymentResult result = deployment.await(deployTimeout());

        assertEquals(Outcome.HEALTHY, result.outcome(), result::message);
        assertTrue(deployment.changed(), () -> "the first deployment of " + name + " says it changed something");
        assertAnyMatch(events, e -> e.type() == Event.Type.PROGRESS, () -> "a PROGRESS event of the deployment of " + name);
        assertAnyMatch(events, e -> e.type() == Event.Type.DEPLOYMENT_SUCCEEDED,
                () -> "a DEPLOYMENT_SUCCEEDED event of the deployment of " + name);
    }

    @Test
    void statusReportsEveryInstanceWithItsDetails() {
        String name = jobName("status");
        JobSpec spec = workloads().healthyService(name, 2, 1);
        deployAndAwait(spec);

        JobStatus status = orchestrator().status(name);
        assertEquals(name, status.jobId(), () -> "job id in " + status);
        assertEquals(JobState.RUNNING, status.state(), () -> "state in " + status);
        assertEquals(Health.HEALTHY, status.health(), () -> "health in " + status);
        assertEquals(SpecVersion.of(spec), status.version(), () -> "version in " + status);
        assertSize(spec.groups().size(), status.groups(), () -> "groups of " + name);
        List<InstanceStatus> instances = status.instances();
        assertSize(2, instances, () -> "instances of " + name);
        assertEach("instances of " + name, instances, i -> {
            assertNotBlank(i.id(), () -> "id of " + i);
            assertEquals(InstanceState.RUNNING, i.state(), () -> "state of " + i);
            assertEquals(Health.HEALTHY, i.health(), () -> "health of " + i);
            assertNotBlank(i.host(), () -> "host of " + i);
            assertEquals(SpecVersion.of(spec), i.version(), () -> "version of " + i);
        });
        assertNoDuplicates(instances.stream().map(InstanceStatus::id).toList(), () -> "instance ids of " + name);
    }

    @Test
    void oneOrchestratorServesSeveralThreadsAtOnce() throws Exception {
        List<String> names = List.of(jobName("shared-a"), jobName("shared-b"), jobName("shared-c"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(names.size());
        try {
            List<java.util.concurrent.Future<DeploymentResult>> results = new ArrayList<>();
            for (String name : names) {
                results.add(pool.submit(() -> {
                    DeploymentResult r = orchestrator().deploy(workloads().healthyService(name, 1, 1)).await(deployTimeout());
                    orchestrator().status(name);
                    orchestrator().list(Selector.all());
                    return r;
                }));
            }
            for (var f : results) {
                DeploymentResult r = f.get();
                assertEquals(Outcome.HEALTHY, r.outcome(), r::message);
            }
        } finally {
            pool.shutdownNow();
        }
        for (String name : names) {
            JobStatus status = orchestrator().status(name);
            assertEquals(Health.HEALTHY, status.health(), () -> "health in " + status);
        }
    }

    @Test
    void statusOfAnUnknownJobIsNotFound() {
        assertThrows(NotFoundException.class, () -> orchestrator().status("tck-no-such-job"),
                "status of tck-no-such-job, a job that was never deployed");
    }

    @Test
    void redeployingAnUnchangedSpecChangesNothing() {
        String name = jobName("same");
        JobSpec spec = workloads().healthyService(name, 1, 1);
        deployAndAwait(spec);
        List<String> before = orchestrator().status(name).instances().stream().map(InstanceStatus::id).sorted().toList();

        Plan plan = orchestrator().plan(spec);
        var again = orchestrator().deploy(spec);

        assertTrue(plan.isNoOp(), plan::describe);
        assertFalse(again.changed(), () -> "deploying the unchanged spec of " + name + " again says it changed something");
        DeploymentResult result = again.await(deployTimeout());
        assertEquals(Outcome.HEALTHY, result.outcome(), result::message);
        assertEquals(before, orchestrator().status(name).instances().stream().map(InstanceStatus::id).sorted().toList(),
                () -> "instance ids of " + name + " after deploying its unchanged spec again");
    }

    @Test
    void updateRollsOutAndTheOldVersionGoesAway() {
        String name = jobName("update");
        JobSpec v1 = workloads().healthyService(name, 2, 1);
        JobSpec v2 = workloads().healthyService(name, 2, 2);
        deployAndAwait(v1);

        var update = orchestrator().deploy(v2);
        assertTrue(update.changed(), () -> "deploying generation 2 of " + name + " says it changed something");
        DeploymentResult result = update.await(deployTimeout());
        assertEquals(Outcome.HEALTHY, result.outcome(), result::message);

        JobStatus status = orchestrator().status(name);
        assertEquals(SpecVersion.of(v2), status.version(), () -> "version in " + status);
        List<InstanceStatus> running = running(status.instances());
        assertSize(2, running, () -> "running instances of " + name + " (all instances: " + status.instances() + ")");
        assertEach("running instances of " + name, running,
                i -> assertEquals(SpecVersion.of(v2), i.version(), () -> "version of " + i));
    }

    @Test
    void aFailingHealthCheckEndsTheDeploymentInFailure() {
        String name = jobName("failing");
        var result = orchestrator().deploy(workloads().failingService(name, 1)).await(deployTimeout());

        if (result.outcome() != Outcome.FAILED && result.outcome() != Outcome.ROLLED_BACK) {
            fail(result.message() + " ==> expected: <FAILED> or <ROLLED_BACK> but was: <" + result.outcome() + ">");
        }
        assertFalse(result.isSuccess(), () -> "isSuccess() of " + result);
    }

    @Test
    void aServiceThatExitsAtOnceEndsItsDeploymentFailed() {
        String name = jobName("crash");
        List<Event> events = new CopyOnWriteArrayList<>();
        var deployment = orchestrator().deploy(workloads().crashingService(name, 1));
        deployment.onEvent(events::add);
        var result = deployment.await(deployTimeout());

        assertEquals(Outcome.FAILED, result.outcome(), result::message);
        assertNoneMatch(events, e -> e.type() == Event.Type.DEPLOYMENT_SUCCEEDED,
                () -> "DEPLOYMENT_SUCCEEDED events of " + name + ", a service that exits at once");
        JobStatus status = orchestrator().status(name);
        assertNotEquals(Health.HEALTHY, status.health(), () -> String.valueOf(status));
        assertNoneMatch(status.instances(), InstanceStatus::isHealthy,
                () -> "healthy instances of " + name + ", a service that exits at once");
    }

    @Test
    void anUpdateThatExitsAtOnceRollsBackWhenThePolicySaysSo() {
        assumeTrue(capabilities().onFailure().contains(OnFailure.ROLLBACK),
                () -> capabilities().platform() + " lacks capability onFailure.rollback");
        String name = jobName("crashback");
        JobSpec good = workloads().healthyService(name, 1, 1);
        deployAndAwait(good);

        var result = orchestrator().deploy(workloads().crashingService(name, 1)).await(deployTimeout());

        assertEquals(Outcome.ROLLED_BACK, result.outcome(), result::message);
        JobStatus status = orchestrator().status(name);
        assertEquals(SpecVersion.of(good), status.version(), () -> "version after the rollback, in " + status);
    }

    @Test
    void aFailingUpdateRollsBackWhenThePolicySaysSo() {
        assumeTrue(capabilities().onFailure().contains(OnFailure.ROLLBACK),
                () -> capabilities().platform() + " lacks capability onFailure.rollback");
        String name = jobName("autorevert");
        JobSpec good = workloads().healthyService(name, 1, 1);
        deployAndAwait(good);

        var result = orchestrator().deploy(workloads().failingService(name, 1)).await(deployTimeout());

        assertEquals(Outcome.ROLLED_BACK, result.outcome(), result::message);
        JobStatus status = orchestrator().status(name);
        assertEquals(SpecVersion.of(good), status.version(), () -> "version after the rollback, in " + status);
    }

    @Test
    void scaleUpAndDown() {
        assumeCapability(Feature.SCALE);
        String name = jobName("scale");
        JobSpec spec = workloads().healthyService(name, 1, 1);
        deployAndAwait(spec);
        String group = spec.groups().get(0).name();

        DeploymentResult up = orchestrator().scale(name, group, 3).await(deployTimeout());
        assertEquals(Outcome.HEALTHY, up.outcome(), up::message);
        GroupStatus scaledUp = orchestrator().status(name).group(group).orElseThrow();
        assertEquals(3L, scaledUp.healthy(), () -> "healthy instances after scaling to 3, in " + scaledUp);

        DeploymentResult down = orchestrator().scale(name, group, 1).await(deployTimeout());
        assertEquals(Outcome.HEALTHY, down.outcome(), down::message);
        JobStatus after = orchestrator().status(name);
        GroupStatus scaledDown = after.group(group).orElseThrow();
        assertEquals(1, scaledDown.desired(), () -> "desired instances after scaling to 1, in " + scaledDown);
        assertSize(1, running(scaledDown.instances()), () -> "running instances after scaling to 1, in " + scaledDown);
    }

    @Test
    void scalingAGroupThatDoesNotExistIsNotFound() {
        assumeCapability(Feature.SCALE);
        String name = jobName("scale-missing");
        deployAndAwait(workloads().healthyService(name, 1, 1));

        assertThrows(NotFoundException.class, () -> orchestrator().scale(name, "no-such-group", 2),
                () -> "scaling group no-such-group of " + name);
    }

    @Test
    void rollbackReturnsToThePreviousVersion() {
        assumeCapability(Feature.ROLLBACK);
        String name = jobName("rollback");
        JobSpec v1 = workloads().healthyService(name, 1, 1);
        deployAndAwait(v1);
        deployAndAwait(workloads().healthyService(name, 1, 2));

        DeploymentResult result = orchestrator().rollback(name).await(deployTimeout());

        assertEquals(Outcome.HEALTHY, result.outcome(), result::message);
        JobStatus status = orchestrator().status(name);
        assertEquals(SpecVersion.of(v1), status.version(), () -> "version after the rollback, in " + status);
        List<InstanceStatus> running = running(status.instances());
        assertNotEmpty(running, () -> "running instances of " + name + " after the rollback (all: " + status.instances() + ")");
        assertEach("running instances of " + name + " after the rollback", running,
                i -> assertEquals(SpecVersion.of(v1), i.version(), () -> "version of " + i));
    }

    @Test
    void undeployLeavesNothingBehind() {
        String name = jobName("undeploy");
        deployAndAwait(workloads().healthyService(name, 2, 1));

        orchestrator().undeploy(name);

        assertThrows(NotFoundException.class, () -> orchestrator().status(name), () -> "status of " + name + " after undeploy");
        assertNoneMatch(orchestrator().list(Selector.all()), j -> j.jobId().equals(name), () -> "jobs listed as " + name + " after undeploy");
        assertEmpty(orchestrator().endpoints(name), () -> "endpoints of " + name + " after undeploy");
    }

    @Test
    void listFindsDeployedJobsByLabel() {
        String name = jobName("list");
        JobSpec spec = workloads().healthyService(name, 1, 1);
        spec = spec.toBuilder().label("tck-case", name).build();
        deployAndAwait(spec);

        List<JobSummary> labelled = orchestrator().list(Selector.labels(Map.of("tck-case", name)));
        assertEquals(List.of(name), labelled.stream().map(JobSummary::jobId).toList(),
                () -> "ids of the jobs labelled tck-case=" + name + ": " + labelled);
        assertEmpty(orchestrator().list(Selector.labels(Map.of("tck-case", "nothing-has-this"))),
                () -> "jobs labelled tck-case=nothing-has-this");
    }

    @Test
    void endpointsReachTheService() {
        String name = jobName("endpoints");
        JobSpec spec = workloads().healthyService(name, 2, 1);
        deployAndAwait(spec);
        String service = spec.groups().get(0).services().get(0).name();

        List<Endpoint> endpoints = orchestrator().endpoints(service);
        assertNotEmpty(endpoints, () -> "endpoints of service " + service);
        assertEach("endpoints of service " + service, endpoints, e -> {
            assertEquals(service, e.service(), () -> "service of " + e);
            assertNotBlank(e.address(), () -> "address of " + e);
            if (e.port() < 1 || e.port() > 65535) {
                fail("port of " + e + " ==> expected: between 1 and 65535 but was: <" + e.port() + ">");
            }
        });
    }

    @Test
    void planChangesNothing() {
        String name = jobName("plan");
        JobSpec spec = workloads().healthyService(name, 1, 1);

        Plan plan = orchestrator().plan(spec);

        assertNotEmpty(plan.changes(), () -> "changes in the plan of the new job " + name);
        assertNoneMatch(plan.changes(), c -> c.action() != Change.Action.CREATE,
                () -> "changes other than CREATE in the plan of the new job " + name);
        assertEmpty(plan.unsupported(), () -> "unsupported fields in the plan of " + name);
        assertThrows(NotFoundException.class, () -> orchestrator().status(name), () -> "status of " + name + " after only a plan");
    }

    @Test
    void planOfAChangedSpecListsTheFieldsThatDiffer() {
        String name = jobName("plan-diff");
        deployAndAwait(workloads().healthyService(name, 1, 1));

        Plan plan = orchestrator().plan(workloads().healthyService(name, 1, 2));

        assertAnyMatch(plan.changes(), c -> c.action() == Change.Action.UPDATE && c.fields() != null && !c.fields().isEmpty(),
                () -> "an UPDATE that lists the fields that differ, in the plan of generation 2 of " + name);
    }

    @Test
    void unsupportedFeaturesAreRefusedBeforeAnythingIsSent() {
        var spec = workloads().unsupportedSpec(jobName("unsupported"));
        assumeTrue(spec.isPresent(), () -> capabilities().platform() + " honours every portable feature");

        UnsupportedCapabilityException refused = assertThrows(UnsupportedCapabilityException.class,
                () -> orchestrator().deploy(spec.get()), () -> "deploying " + spec.get().name() + ", which uses an unsupported feature");
        assertMessageContains(refused, capabilities().platform());
        assertThrows(NotFoundException.class, () -> orchestrator().status(spec.get().name()),
                () -> "status of " + spec.get().name() + " after its deployment was refused");
        assertNotEmpty(orchestrator().plan(spec.get()).unsupported(), () -> "unsupported fields in the plan of " + spec.get().name());
    }

    @Test
    void anInvalidSpecIsRefusedWithEveryViolation() {
        JobSpec bad = workloads().healthyService(jobName("invalid"), 1, 1).toBuilder().name("Not_A_Name").build();

        InvalidSpecException refused = assertThrows(InvalidSpecException.class, () -> orchestrator().deploy(bad),
                "deploying a spec named Not_A_Name");
        assertAnyMatch(refused.violations(), v -> v.path().equals("name"), () -> "a violation at path name");
    }

    @Test
    void secretsReachTheTask() {
        var secrets = orchestrator().facet(SecretsFacet.class);
        assumeTrue(secrets.isPresent(), () -> capabilities().platform() + " lacks capability feature." + Feature.SECRET_STORE.name());
        String name = jobName("secret");
        String secretName = name + "-s";
        String value = "tck-" + ThreadLocalRandom.current().nextLong(1_000_000, 9_999_999);
        secrets.get().put(secretName, SecretData.of("password", value));
        try {
            assertAnyMatch(secrets.get().list(),
                    s -> secretName.equals(s.name()) && s.keys() != null && List.of("password").equals(new ArrayList<>(s.keys())),
                    () -> "the secret " + secretName + " with exactly the key password");
            deployAndAwait(workloads().serviceWithSecret(name, secretName, "password"));

            workloads().assertSecretReachedTask(orchestrator(), name, value);
        } finally {
            orchestrator().undeploy(name);
            secrets.get().delete(secretName);
        }
        assertNoneMatch(secrets.get().list(), s -> s.name().equals(secretName), () -> "secrets named " + secretName + " after its delete");
    }

    private static void assertRefusedAt(Throwable e, String... paths) {
        if (!(e instanceof InvalidSpecException invalid)) {
            fail("refused with an InvalidSpecException ==> expected: an InvalidSpecException at " + List.of(paths) + " but "
                    + (e == null ? "nothing was thrown" : "was: " + e), e);
            return;
        }
        assertEquals(List.of(paths), invalid.violations().stream().map(Violation::path).toList(),
                () -> "paths of the violations, in exactly this order, of " + invalid.getMessage());
    }

    @Test
    void secretNamesAndKeysThatTraverseAreRefused() {
        var secrets = orchestrator().facet(SecretsFacet.class);
        assumeTrue(secrets.isPresent(), () -> capabilities().platform() + " lacks capability feature." + Feature.SECRET_STORE.name());
        String ok = "tck-keys-" + Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff), 16);
        try {
            assertRefusedAt(thrownBy(() -> secrets.get().put("../x", SecretData.of("password", "v"))), "name");
            assertRefusedAt(thrownBy(() -> secrets.get().put(ok, SecretData.of("../../supervisor.json", "v"))), "keys");
            assertRefusedAt(thrownBy(() -> secrets.get().put(ok, SecretData.of("..", "v"))), "keys");
            assertRefusedAt(thrownBy(() -> secrets.get().put(ok, SecretData.of("tls/../key", "v"))), "keys");
            assertRefusedAt(thrownBy(() -> secrets.get().delete("../x")), "name");
            assertMessageContains(thrownBy(() -> secrets.get().put(ok, SecretData.of("..", "v"))), "\"..\" is not a valid secret key");

            assertNoneMatch(secrets.get().list(), s -> s.name().equals(ok) || s.name().contains("..")
                    || s.keys().stream().anyMatch(k -> k.equals("..") || k.contains("/")),
                    () -> "secrets named " + ok + ", or with .. in their name, or with a key .. or a key with /");
        } finally {
            try {
                secrets.get().delete(ok);
            } catch (NotFoundException expected) {
                // nothing was stored, as it should be
            }
        }
    }

    @Test
    void pathsThatLeaveTheirDirectoryAreRefusedByPlanRenderAndDeploy() {
        String name = jobName("traversal");
        JobSpec healthy = workloads().healthyService(name, 1, 1);
        String group = healthy.groups().get(0).name();
        TaskSpec task = healthy.groups().get(0).tasks().get(0);
        int s = task.secrets().size();
        int v = task.volumes().size();
        TaskSpec bad = task.toBuilder()
                .workingDir("/srv/../../etc")
                .secret(SecretMount.file("tck-s", "password", "/../../tmp/x"))
                .secret(SecretMount.env("tck-s", "../../supervisor.json", "TCK_TRAVERSAL"))
                .volume(VolumeMount.of("tck-v", "/../../../../tmp/victim"))
                .build();
        JobSpec spec = healthy.withGroup(group, g -> {
            List<TaskSpec> tasks = new ArrayList<>(g.tasks());
            tasks.set(0, bad);
            return g.toBuilder().tasks(tasks).build();
        }).toBuilder().secret("tck-s").volume(VolumeSpec.of("tck-v", null)).build();
        String tp = "groups[0].tasks[0]";
        String[] paths = {tp + ".workingDir", tp + ".secrets[" + s + "].file", tp + ".secrets[" + (s + 1) + "].key",
            tp + ".volumes[" + v + "].mountPath"};

        Throwable plan = thrownBy(() -> orchestrator().plan(spec));
        Throwable render = thrownBy(() -> orchestrator().render(spec));
        Throwable deploy = thrownBy(() -> orchestrator().deploy(spec));

        assertRefusedAt(plan, paths);
        assertRefusedAt(render, paths);
        assertRefusedAt(deploy, paths);
        assertMessageContains(deploy, "\"/../../tmp/x\"");
        assertMessageContains(deploy, "\"../../supervisor.json\"");
        assertThrows(NotFoundException.class, () -> orchestrator().status(name), () -> "status of " + name + " after its deployment was refused");
    }

    @Test
    void hostsAreListedIncludingWhereInstancesRun() {
        String name = jobName("hosts");
        deployAndAwait(workloads().healthyService(name, 1, 1));
        String where = orchestrator().status(name).instances().get(0).host();

        List<Host> hosts = orchestrator().hosts();

        assertNotEmpty(hosts, () -> "hosts");
        assertEach("hosts", hosts, h -> {
            assertNotBlank(h.id(), () -> "id of " + h);
            assertNotBlank(h.name(), () -> "name of " + h);
            assertNotNull(h.state(), () -> "state of " + h);
        });
        assertAnyMatch(hosts, h -> where.equals(h.name()) || where.equals(h.id()),
                () -> "the host " + where + " (by name or id) where " + name + " runs");
    }

    @Test
    void platformSaysWhatItIs() {
        String id = orchestrator().platform().id();
        assertEquals(capabilities().platform(), id, "platform().id(), expected to be capabilities().platform()");
    }

    // Assertions the cases share. Each failure message says what was checked and shows the values it was checked on.

    /** What {@code action} throws, or null when it returns normally. */
    private static Throwable thrownBy(Executable action) {
        try {
            action.execute();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static void assertMessageContains(Throwable e, String part) {
        String message = e == null ? null : e.getMessage();
        if (message == null || !message.contains(part)) {
            fail("the message of the exception ==> expected to contain: <" + part + "> but "
                    + (e == null ? "nothing was thrown" : "the exception was: " + e), e);
        }
    }

    private static void assertNotBlank(String value, Supplier<String> what) {
        if (value == null || value.isBlank()) {
            fail(what.get() + " ==> expected: not blank but was: <" + value + ">");
        }
    }

    private static void assertSize(int expected, Collection<?> items, Supplier<String> what) {
        assertNotNull(items, what);
        assertEquals(expected, items.size(), () -> "number of " + what.get() + ": " + items);
    }

    private static void assertEmpty(Collection<?> items, Supplier<String> what) {
        assertNotNull(items, what);
        if (!items.isEmpty()) {
            fail(what.get() + " ==> expected: none but were: " + items);
        }
    }

    private static void assertNotEmpty(Collection<?> items, Supplier<String> what) {
        assertNotNull(items, what);
        if (items.isEmpty()) {
            fail(what.get() + " ==> expected: at least one but were: none");
        }
    }

    private static <T> void assertAnyMatch(Collection<T> items, Predicate<? super T> p, Supplier<String> what) {
        assertNotNull(items, what);
        List<T> seen = new ArrayList<>(items);
        if (seen.stream().noneMatch(p)) {
            fail(what.get() + " ==> expected: at least one but there was none among: " + seen);
        }
    }

    private static <T> void assertNoneMatch(Collection<T> items, Predicate<? super T> p, Supplier<String> what) {
        assertNotNull(items, what);
        List<T> seen = new ArrayList<>(items);
        List<T> matching = seen.stream().filter(p).toList();
        if (!matching.isEmpty()) {
            fail(what.get() + " ==> expected: none but were: " + matching + " among: " + seen);
        }
    }

    private static void assertNoDuplicates(List<String> values, Supplier<String> what) {
        List<String> repeated = values.stream().filter(x -> Collections.frequency(values, x) > 1).distinct().toList();
        if (!repeated.isEmpty()) {
            fail(what.get() + " ==> expected: no duplicates but " + repeated + " repeat in: " + values);
        }
    }

    /** Runs {@code check} on every item and reports every item that fails it, not only the first. */
    private static <T> void assertEach(String heading, Collection<T> items, Consumer<? super T> check) {
        assertAll(heading, items.stream().map(i -> (Executable) () -> check.accept(i)));
    }

    private static List<InstanceStatus> running(List<InstanceStatus> instances) {
        return instances.stream().filter(i -> i.state() == InstanceState.RUNNING).toList();
    }
}
