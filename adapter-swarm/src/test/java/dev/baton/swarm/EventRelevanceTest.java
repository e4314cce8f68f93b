package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.swarm.SwarmOrchestrator.Wake;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which engine events wake an await, and for which read (issue 16: the await ends within one event of the engine
 * reaching the state). The events are shaped as dockerd 20.10 sends them on {@code /events} (recorded with
 * {@code docker events --format '{{json .}}'} while {@code docker service create} ran): a service's {@code create}
 * then {@code update}, its task's container {@code create}, {@code start}, {@code die}, each container event labelled
 * with the task's service.
 */
class EventRelevanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NAMES = Set.of("shop_web");
    private static final Set<String> READ = Set.of("svc1");

    private static JsonNode service(String action, String id, String name) throws Exception {
        return service(action, id, name, "");
    }

    /** A service event; {@code more} adds attributes after the name ({@code ,"updatestate.new":"updating"}). */
    private static JsonNode service(String action, String id, String name, String more) throws Exception {
        return JSON.readTree("{\"Type\":\"service\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"" + id + "\",\"Attributes\":{\"name\":\""
                + name + "\"" + more + "}},\"scope\":\"swarm\",\"time\":1796218889,\"timeNano\":1796218889000000000}");
    }

    private static JsonNode container(String action, String service) throws Exception {
        return JSON.readTree("{\"status\":\"" + action + "\",\"id\":\"f035fc6a\",\"Type\":\"container\",\"Action\":\"" + action
                + "\",\"Actor\":{\"ID\":\"f035fc6a\",\"Attributes\":{\"com.docker.swarm.node.id\":\"jrluc4gh\",\"com.docker.swarm.service.id\":\"svc1\","
                + "\"com.docker.swarm.service.name\":\"" + service + "\",\"com.docker.swarm.task\":\"\",\"com.docker.swarm.task.id\":\"2wjzu8n4\","
                + "\"com.docker.swarm.task.name\":\"" + service + ".1.2wjzu8n4\",\"image\":\"localhost/baton-busybox:1\"}},"
                + "\"scope\":\"local\",\"time\":1796218889,\"timeNano\":1796218889000000000}");
    }

    @Test
    void aContainerOfTheJobsTaskThatStartsEndsOrChangesHealthWakesATasksRead() throws Exception {
        assertThat(SwarmOrchestrator.relevant(container("start", "shop_web"), NAMES, READ)).isEqualTo(Wake.TASK);
        assertThat(SwarmOrchestrator.relevant(container("die", "shop_web"), NAMES, READ)).isEqualTo(Wake.TASK);
        assertThat(SwarmOrchestrator.relevant(container("health_status: healthy", "shop_web"), NAMES, READ)).isEqualTo(Wake.TASK);
    }

    @Test
    void theCreationOfAContainerOfTheJobsTaskShowsItMoving() throws Exception {
        assertThat(SwarmOrchestrator.relevant(container("create", "shop_web"), NAMES, READ)).isEqualTo(Wake.PROGRESS);
        assertThat(SwarmOrchestrator.relevant(container("create", "other_web"), NAMES, READ)).isNull();
    }

    @Test
    void otherContainerEventsWakeNothing() throws Exception {
        assertThat(SwarmOrchestrator.relevant(container("exec_create: sh", "shop_web"), NAMES, READ)).isNull();
        assertThat(SwarmOrchestrator.relevant(container("start", "other_web"), NAMES, READ)).isNull();
        assertThat(SwarmOrchestrator.relevant(container("start", ""), NAMES, READ)).isNull();
    }

    @Test
    void theCreateOfAServiceAlreadyReadIsNoNewsNorIsTheAllocatorsUpdateThatFollowsIt() throws Exception {
        assertThat(SwarmOrchestrator.relevant(service("create", "svc1", "shop_web"), NAMES, READ)).isNull();
        assertThat(SwarmOrchestrator.relevant(service("update", "svc1", "shop_web"), NAMES, READ)).isNull();
        assertThat(SwarmOrchestrator.relevant(service("create", "svc2", "shop_web"), NAMES, READ)).isEqualTo(Wake.SERVICE);
        assertThat(SwarmOrchestrator.relevant(service("update", "svc2", "shop_web"), NAMES, READ)).isEqualTo(Wake.SERVICE);
        assertThat(SwarmOrchestrator.relevant(service("update", "svc9", "other_web"), NAMES, READ)).isNull();
    }

    @Test
    void anUpdateThatChangesTheReplicasTheImageOrTheUpdateStateIsNewsAndSoIsARemove() throws Exception {
        assertThat(SwarmOrchestrator.relevant(service("update", "svc1", "shop_web", ",\"updatestate.old\":\"updating\",\"updatestate.new\":\"paused\""),
                NAMES, READ)).isEqualTo(Wake.SERVICE);
        assertThat(SwarmOrchestrator.relevant(service("update", "svc1", "shop_web", ",\"replicas.old\":\"1\",\"replicas.new\":\"3\""),
                NAMES, READ)).isEqualTo(Wake.SERVICE);
        assertThat(SwarmOrchestrator.relevant(service("update", "svc1", "shop_web", ",\"image.old\":\"a:1\",\"image.new\":\"a:2\""),
                NAMES, READ)).isEqualTo(Wake.SERVICE);
        assertThat(SwarmOrchestrator.relevant(service("remove", "svc1", "shop_web"), NAMES, READ)).isEqualTo(Wake.SERVICE);
    }
}
