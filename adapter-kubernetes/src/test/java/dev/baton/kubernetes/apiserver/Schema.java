package dev.baton.kubernetes.apiserver;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The little of the built-in types' schema that merging and field ownership depend on: which lists are associative
 * (and by which keys), which are sets, which structs are atomic, which objects are free-form maps, and which structs
 * Go always serializes. Everything else is a struct (merged field by field) or an atomic list (replaced whole).
 * <p>
 * Sources: the {@code +listType}/{@code +listMapKey}/{@code +structType} markers and {@code patchMergeKey} tags of
 * kubernetes/kubernetes {@code staging/src/k8s.io/api/core/v1/types.go} (PodSpec.containers, initContainers,
 * ephemeralContainers, volumes, imagePullSecrets, hostAliases, topologySpreadConstraints, resourceClaims,
 * schedulingGates by name/ip/topologyKey+whenUnsatisfiable; Container.ports by containerPort+protocol, env by name,
 * volumeMounts by mountPath, volumeDevices by devicePath, resources.claims by name; ServiceSpec.ports by port+protocol;
 * conditions by type; tolerations, command, args, accessModes, clusterIPs and most others atomic),
 * {@code apimachinery/pkg/apis/meta/v1/types.go} (ownerReferences by uid, finalizers a set, LabelSelector
 * {@code +structType=atomic}), core/v1 {@code NodeSelector} ({@code +structType=atomic}); the default
 * {@code protocol: TCP} of port keys from the OpenAPI defaults structured-merge-diff reads for key fields
 * ({@code typed/helpers.go keyedAssociativeListItemToPathElement}).
 */
final class Schema {
    enum ListType { ATOMIC, SET, MAP }

    record ListSpec(ListType type, List<String> keys, Map<String, Object> defaults) {
        static final ListSpec ATOMIC = new ListSpec(ListType.ATOMIC, List.of(), Map.of());
        static final ListSpec SET = new ListSpec(ListType.SET, List.of(), Map.of());

        static ListSpec map(String... keys) {
            return new ListSpec(ListType.MAP, List.of(keys), Map.of());
        }

        static ListSpec map(Map<String, Object> defaults, String... keys) {
            return new ListSpec(ListType.MAP, List.of(keys), defaults);
        }
    }

    private static final Set<String> CONTAINER_LISTS = Set.of("f:containers", "f:initContainers", "f:ephemeralContainers");
    private static final Set<String> FREE_FORM_MAPS = Set.of("f:labels", "f:annotations", "f:nodeSelector", "f:data", "f:binaryData",
            "f:stringData", "f:requests", "f:limits", "f:capacity", "f:allocatable", "f:matchLabels", "f:parameters", "f:hard", "f:used",
            "f:allocatedResources");
    /** Go value (non-pointer) structs: present, if empty, in every object of their type, so never "added" or "removed". */
    private static final Set<String> VALUE_STRUCTS = Set.of("f:metadata", "f:spec", "f:status", "f:template", "f:strategy",
            "f:updateStrategy", "f:jobTemplate", "f:resources");
    private static final Map<String, Object> TCP = Map.of("protocol", "TCP");

    private Schema() {
    }

    private static String last(List<String> path, int fromEnd) {
        int i = path.size() - 1 - fromEnd;
        return i < 0 ? "" : path.get(i);
    }

    static ListSpec list(String kind, List<String> path) {
        String f = last(path, 0);
        if (CONTAINER_LISTS.contains(f)) {
            return ListSpec.map("name");
        }
        switch (f) {
            case "f:ports":
                if (last(path, 1).startsWith("k:") && CONTAINER_LISTS.contains(last(path, 2))) {
                    return ListSpec.map(TCP, "containerPort", "protocol");
                }
                if ("Service".equals(kind) && path.size() == 2 && path.get(0).equals("f:spec")) {
                    return ListSpec.map(TCP, "port", "protocol");
                }
                return ListSpec.ATOMIC;
            case "f:env", "f:imagePullSecrets", "f:resourceClaims", "f:schedulingGates":
                return ListSpec.map("name");
            case "f:volumes":
                return last(path, 1).equals("f:spec") ? ListSpec.map("name") : ListSpec.ATOMIC;
            case "f:claims":
                return last(path, 1).equals("f:resources") ? ListSpec.map("name") : ListSpec.ATOMIC;
            case "f:volumeMounts":
                return ListSpec.map("mountPath");
            case "f:volumeDevices":
                return ListSpec.map("devicePath");
            case "f:hostAliases":
                return ListSpec.map("ip");
            case "f:topologySpreadConstraints":
                return ListSpec.map("topologyKey", "whenUnsatisfiable");
            case "f:ownerReferences":
                return ListSpec.map("uid");
            case "f:conditions":
                return last(path, 1).equals("f:status") ? ListSpec.map("type") : ListSpec.ATOMIC;
            case "f:finalizers":
                return last(path, 1).equals("f:metadata") ? ListSpec.SET : ListSpec.ATOMIC;
            default:
                return ListSpec.ATOMIC;
        }
    }

    /** Structs replaced whole: label selectors (but not a Service's selector, a map) and node selectors of affinity. */
    static boolean atomicStruct(String kind, List<String> path) {
        String f = last(path, 0);
        if (f.equals("f:selector")) {
            return !("Service".equals(kind) && path.size() == 2);
        }
        if (f.equals("f:labelSelector") || f.equals("f:namespaceSelector")) {
            return true;
        }
        return f.equals("f:requiredDuringSchedulingIgnoredDuringExecution") && last(path, 1).equals("f:nodeAffinity");
    }

    /** {@code map[string]X} fields, whose keys are not declared fields: each key is owned on its own. */
    static boolean freeFormMap(String kind, List<String> path) {
        String f = last(path, 0);
        if ("Service".equals(kind) && path.size() == 2 && f.equals("f:selector")) {
            return true;
        }
        return FREE_FORM_MAPS.contains(f);
    }

    static boolean valueStruct(String kind, List<String> path) {
        return !path.isEmpty() && VALUE_STRUCTS.contains(last(path, 0)) && !freeFormMap(kind, path.subList(0, path.size() - 1));
    }
}
