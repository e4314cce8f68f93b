package dev.baton.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Specs;
import dev.baton.Unsupported;
import dev.baton.model.JobSpec;
import dev.baton.plan.Change;
import dev.baton.plan.FieldChange;
import dev.baton.plan.Plan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A plan as a person reads it: the new job summarised, one line per changed field, each refusal once. */
class BatonCliPlanTextTest {
    static final JobSpec HELLO = Specs.read("""
            apiVersion: baton/v1
            name: hello
            labels: {app: hello}
            groups:
              - name: web
                count: 2
                tasks:
                  - name: server
                    command: [java, -cp, "my app.jar", Hello]
                    env: {GREETING: hello}
                    resources: {cpu: 100m, memory: 128Mi}
                    ports: [{name: http}]
                    health: [{http: {port: http, path: /healthz}, interval: 1s}]
                services: [{name: hello, port: http}]
            """);

    private static String render(Plan plan) {
        return new PlanText(true).render(plan, HELLO);
    }

    @Test
    void aNewJobIsSummarisedGroupByGroupNotPrintedAsJson() {
        Plan plan = new Plan("local", "hello", List.of(new Change(Change.Action.CREATE, "job", "hello", Specs.diff(null, HELLO))),
                List.of(), List.of());

        assertThat(render(plan)).isEqualTo("""
                + job hello
                    type service, labels app=hello
                    group web: 2 instances
                      task server: runs java -cp "my app.jar" Hello
                        ports http (dynamic); cpu 100m, memory 128Mi; env GREETING; health http /healthz on http every 1s
                      service hello: port http, internal
                """);
    }

    @Test
    void aNewJobOfSeveralNativeObjectsListsThemThenSummarisesTheJobOnce() {
        Plan plan = new Plan("kubernetes", "hello", List.of(new Change(Change.Action.CREATE, "Deployment", "hello-web", List.of()),
                new Change(Change.Action.CREATE, "Service", "hello", List.of())), List.of(), List.of());

        String text = render(plan);

        assertThat(text).startsWith("+ Deployment hello-web\n+ Service hello\n  new job hello:\n    type service");
        assertThat(text).doesNotContain("{").doesNotContain("<none>");
    }

    @Test
    void anUpdateHasOneLinePerChangedFieldAndOtherActionsTheirSign() {
        Plan plan = new Plan("kubernetes", "hello", List.of(
                new Change(Change.Action.UPDATE, "Deployment", "hello-web", List.of(
                        new FieldChange("spec.replicas", "2", "3"),
                        new FieldChange("spec.template.metadata.labels.tier", null, "\"web\""))),
                new Change(Change.Action.REPLACE, "Job", "hello-migrate", List.of(new FieldChange("spec.template.spec.image", "\"a:1\"", "\"a:2\""))),
                new Change(Change.Action.DESTROY, "Service", "hello-old", List.of()),
                new Change(Change.Action.NONE, "Service", "hello", List.of())), List.of(), List.of());

        assertThat(render(plan)).isEqualTo("""
                ~ Deployment hello-web
                    spec.replicas: 2 → 3
                    spec.template.metadata.labels.tier: (none) → "web"
                -/+ Job hello-migrate (replaced: a field that changes cannot be updated in place)
                    spec.template.spec.image: "a:1" → "a:2"
                - Service hello-old
                = Service hello (unchanged)
                """);
        assertThat(new PlanText(false).render(plan, HELLO)).contains("spec.replicas: 2 -> 3");
    }

    @Test
    void eachFieldTheTargetCannotHonourIsListedOnceAsARefusalOrAsAWarning() {
        Unsupported process = new Unsupported("groups[0].tasks[0].command", "process tasks", "swarm", "Swarm runs containers only", false);
        Unsupported http = new Unsupported("groups[0].tasks[0].health[0].http", "http health checks", "swarm", null, true);
        Unsupported deadline = new Unsupported("update.healthyDeadline", "update healthy deadline", "swarm", null, true);
        Plan plan = new Plan("swarm", "hello", List.of(), List.of(process, http, deadline), List.of(
                "dropped groups[0].tasks[0].health[0].http: swarm does not support http health checks",
                "dropped update.healthyDeadline: swarm does not support update healthy deadline",
                "something else to know"));

        String text = render(plan);

        assertThat(text).isEqualTo("""
                refused: groups[0].tasks[0].command: swarm does not support process tasks (Swarm runs containers only)
                warning: groups[0].tasks[0].health[0].http: swarm does not support http health checks; --best-effort leaves it out
                warning: update.healthyDeadline: swarm does not support update healthy deadline; --best-effort leaves it out
                warning: something else to know
                swarm cannot run this spec: 1 field refused
                """);
    }

    @Test
    void fieldsThatABestEffortDeployLeavesOutAreWarningsWithWhatToDo() {
        Unsupported http = new Unsupported("groups[0].tasks[0].health[0].http", "http health checks", "swarm", null, true);
        Plan plan = new Plan("swarm", "hello", List.of(new Change(Change.Action.CREATE, "service", "hello-web", List.of())),
                List.of(http), List.of("dropped groups[0].tasks[0].health[0].http: swarm does not support http health checks"));

        String text = render(plan);

        assertThat(text).contains("+ service hello-web\n  new job hello:\n")
                .endsWith("""
                        warning: groups[0].tasks[0].health[0].http: swarm does not support http health checks; --best-effort leaves it out
                        deploy refuses 1 field above; deploy --best-effort deploys without it
                        """);
        assertThat(text.split("health\\[0\\]\\.http", -1)).as("listed once").hasSize(2);
    }
}
