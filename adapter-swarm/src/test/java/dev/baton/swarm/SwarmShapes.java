package dev.baton.swarm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.model.JobSpec;
import dev.baton.spi.SpecVersion;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.ServiceTranslator;
import java.time.Instant;

/**
 * Engine API objects as the engine returns them ({@code Service}, {@code Task}, {@code Node} of the engine's
 * swagger.yaml, API 1.41-1.44), for the stand-in engines of the unit tests.
 */
final class SwarmShapes {
    private SwarmShapes() {
    }

    /** A service as {@code GET /services} lists it, with the spec Baton renders for {@code spec}'s first group. */
    static ObjectNode service(String id, JobSpec spec, long index) {
        ObjectNode s = Engine.JSON.createObjectNode();
        s.put("ID", id);
        s.putObject("Version").put("Index", index);
        s.set("Spec", ServiceTranslator.services(spec).get(0).spec().deepCopy());
        return s;
    }

    /** A task of {@code service} on {@code node}, of {@code spec}'s version, in {@code state} since {@code at}. */
    static ObjectNode task(String id, String service, String node, JobSpec spec, String state, String desired, Instant at) {
        ObjectNode t = Engine.JSON.createObjectNode();
        t.put("ID", id);
        t.put("ServiceID", service);
        t.put("NodeID", node);
        t.put("Slot", 1);
        t.put("DesiredState", desired);
        ObjectNode labels = t.putObject("Spec").putObject("ContainerSpec").putObject("Labels");
        labels.put(SpecVersion.LABEL, SpecVersion.of(spec));
        labels.put(SpecVersion.GROUP_LABEL, spec.groups().get(0).name());
        ObjectNode status = t.putObject("Status");
        status.put("Timestamp", at.toString());
        status.put("State", state);
        status.put("Message", state);
        if (state.equals("failed")) {
            status.put("Err", "task: non-zero exit (1)");
            status.putObject("ContainerStatus").put("ContainerID", "c-" + id).put("ExitCode", 1);
        }
        return t;
    }

    /** A ready, active node; {@code managerAddr} (host:port) makes it a manager. */
    static ObjectNode node(String id, String hostname, String statusAddr, String managerAddr) {
        ObjectNode n = Engine.JSON.createObjectNode();
        n.put("ID", id);
        n.putObject("Version").put("Index", 9);
        ObjectNode spec = n.putObject("Spec");
        spec.put("Role", managerAddr == null ? "worker" : "manager");
        spec.put("Availability", "active");
        spec.putObject("Labels");
        ObjectNode d = n.putObject("Description");
        d.put("Hostname", hostname);
        d.putObject("Platform").put("Architecture", "x86_64").put("OS", "linux");
        d.putObject("Resources").put("NanoCPUs", 4_000_000_000L).put("MemoryBytes", 8L << 30);
        n.putObject("Status").put("State", "ready").put("Addr", statusAddr);
        if (managerAddr != null) {
            n.putObject("ManagerStatus").put("Leader", true).put("Reachability", "reachable").put("Addr", managerAddr);
        }
        return n;
    }

    static String array(ObjectNode... nodes) {
        ArrayNode a = Engine.JSON.createArrayNode();
        for (ObjectNode n : nodes) {
            a.add(n);
        }
        return a.toString();
    }
}
