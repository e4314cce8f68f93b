package dev.baton.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.SecretInfo;
import dev.baton.Unsupported;
import dev.baton.plan.Change;
import dev.baton.plan.FieldChange;
import dev.baton.plan.Plan;
import dev.baton.status.Endpoint;
import dev.baton.status.GroupStatus;
import dev.baton.status.Host;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's command line section names every field that {@code -o json} prints, as the records have them. */
class BatonCliReadmeTest {

    @Test
    void theReadmeNamesEveryFieldOfTheRecordsThatMinusOJsonPrints() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Command line"), readme.indexOf("## Running the tests"));

        for (Class<?> type : List.of(JobStatus.class, JobSummary.class, Host.class, Endpoint.class, Plan.class, SecretInfo.class)) {
            assertThat(section).as("the README names %s", type.getSimpleName()).contains("`" + type.getSimpleName() + "`");
        }
        for (Class<?> type : List.of(JobStatus.class, GroupStatus.class, InstanceStatus.class, JobSummary.class, Host.class,
                Endpoint.class, Plan.class, Change.class, FieldChange.class, Unsupported.class, SecretInfo.class)) {
            for (RecordComponent c : type.getRecordComponents()) {
                assertThat(section).as("the README names %s.%s", type.getSimpleName(), c.getName()).contains("`" + c.getName() + "`");
            }
        }
        for (String command : List.of("status", "list", "hosts", "endpoints", "plan", "secret list", "capabilities")) {
            assertThat(section).as("the README says what %s -o json prints", command).contains("| `" + command);
        }
    }
}
