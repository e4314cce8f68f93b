package dev.baton.kubernetes.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.kubernetes.apiserver.ApiError.FieldError;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the registry strategies and validation of the built-in kinds do to a write, for the kinds Baton writes. Each
 * method names its upstream source (kubernetes/kubernetes, current master as stored by the search index, which
 * matches 1.3x releases).
 */
final class Rules {
    private Rules() {
    }

    // ---------------------------------------------------------------- unconditional update

    private static final Set<String> BUILT_IN_GROUPS = Set.of("", "apps", "batch", "autoscaling", "policy", "networking.k8s.io",
            "discovery.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "coordination.k8s.io", "events.k8s.io", "scheduling.k8s.io",
            "node.k8s.io", "certificates.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "flowcontrol.apiserver.k8s.io",
            "resource.k8s.io", "apiregistration.k8s.io");

    /**
     * Whether a PUT without {@code metadata.resourceVersion} is an unconditional update ({@code AllowUnconditionalUpdate()}
     * of the registry strategy). True for every built-in kind Baton writes: pkg/registry/apps/deployment/strategy.go,
     * apps/daemonset/strategy.go, batch/job/strategy.go, batch/cronjob/strategy.go, core/service/strategy.go,
     * core/persistentvolumeclaim/strategy.go and core/secret/strategy.go all {@code return true}; false for custom
     * resources (apiextensions-apiserver pkg/registry/customresource/strategy.go). Where it is false the generic store
     * refuses the update (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go, {@code Update}).
     */
    static boolean allowsUnconditionalUpdate(String group) {
        return BUILT_IN_GROUPS.contains(group);
    }

    // ---------------------------------------------------------------- defaulting and PrepareForCreate/Update

    /** Secrets: {@code type} defaults to Opaque (pkg/apis/core/v1/defaults.go SetDefaults_Secret); {@code stringData} is merged into {@code data} (pkg/apis/core/v1/conversion.go). */
    static void defaultSecret(ObjectNode secret) {
        if (Trees.absent(secret.get("type"))) {
            secret.put("type", "Opaque");
        }
        JsonNode stringData = secret.remove("stringData");
        if (stringData != null && stringData.isObject()) {
            ObjectNode data = secret.withObjectProperty("data");
            stringData.properties().forEach(e -> data.put(e.getKey(),
                    Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
    }

    /**
     * Service defaults (pkg/apis/core/v1/defaults.go SetDefaults_Service: type ClusterIP, sessionAffinity None, port
     * protocol TCP, targetPort = port, internalTrafficPolicy Cluster).
     */
    static void defaultService(ObjectNode svc) {
        ObjectNode spec = svc.withObjectProperty("spec");
        if (Trees.absent(spec.get("type"))) {
            spec.put("type", "ClusterIP");
        }
        if (Trees.absent(spec.get("sessionAffinity"))) {
            spec.put("sessionAffinity", "None");
        }
        if (spec.path("ports").isArray()) {
            for (JsonNode p : spec.get("ports")) {
                if (p.isObject()) {
                    ObjectNode port = (ObjectNode) p;
                    if (Trees.absent(port.get("protocol"))) {
                        port.put("protocol", "TCP");
                    }
                    if (Trees.absent(port.get("targetPort")) && port.has("port")) {
                        port.set("targetPort", port.get("port"));
                    }
                }
            }
        }
        if (!"ExternalName".equals(spec.path("type").asText()) && Trees.absent(spec.get("internalTrafficPolicy"))) {
            spec.put("internalTrafficPolicy", "Cluster");
        }
    }

    private static boolean needsClusterIP(JsonNode svc) {
        return !"ExternalName".equals(svc.path("spec").path("type").asText());
    }

    private static boolean needsNodePort(JsonNode svc) {
        String t = svc.path("spec").path("type").asText();
        return t.equals("NodePort") || t.equals("LoadBalancer");
    }

    /**
     * Allocation on create (pkg/registry/core/service/storage/alloc.go {@code allocateCreate}, storage.go
     * {@code normalizeClusterIPs}): a Service that needs a cluster IP and has none gets the next free address of the
     * service CIDR (10.96.0.0/12 here, kubeadm's default), {@code clusterIPs} follows {@code clusterIP},
     * {@code ipFamilies} [IPv4] and {@code ipFamilyPolicy} SingleStack; NodePort and LoadBalancer ports without a
     * nodePort get one from 30000-32767.
     */
    static void allocateService(ObjectNode svc, Supplier<String> nextIp, Supplier<Integer> nextNodePort) {
        ObjectNode spec = svc.withObjectProperty("spec");
        if (needsClusterIP(svc)) {
            String ip = spec.path("clusterIP").asText("");
            if (ip.isEmpty()) {
                ip = spec.path("clusterIPs").path(0).asText("");
            }
            if (ip.isEmpty()) {
                ip = nextIp.get();
            }
            spec.put("clusterIP", ip);
            if (!spec.path("clusterIPs").isArray() || spec.get("clusterIPs").isEmpty()) {
                spec.putArray("clusterIPs").add(ip);
            }
            if (!spec.path("ipFamilies").isArray()) {
                spec.putArray("ipFamilies").add("IPv4");
            }
            if (Trees.absent(spec.get("ipFamilyPolicy"))) {
                spec.put("ipFamilyPolicy", "SingleStack");
            }
        }
        allocateNodePorts(svc, nextNodePort);
    }

    private static void allocateNodePorts(ObjectNode svc, Supplier<Integer> nextNodePort) {
        if (needsNodePort(svc) && svc.path("spec").path("ports").isArray()) {
            for (JsonNode p : svc.path("spec").path("ports")) {
                if (p.isObject() && p.path("nodePort").asInt(0) == 0) {
                    ((ObjectNode) p).put("nodePort", nextNodePort.get());
                }
            }
        }
    }

    /**
     * Before validating an update (pkg/registry/core/service/storage/storage.go {@code beginUpdate}): since Kubernetes
     * 1.23 (kubernetes/kubernetes#103532) {@code patchAllocatedValues} carries the allocated clusterIP(s) and nodePorts
     * forward when the new object omits them, then {@code normalizeClusterIPs} keeps {@code clusterIPs} in step with
     * {@code clusterIP}; ipFamilies and ipFamilyPolicy are kept when omitted (alloc.go {@code allocateUpdate}).
     */
    static void prepareServiceUpdate(ObjectNode svc, JsonNode old, Supplier<Integer> nextNodePort) {
        ObjectNode spec = svc.withObjectProperty("spec");
        JsonNode oldSpec = old.path("spec");
        if (needsClusterIP(old) && needsClusterIP(svc)) {
            if (spec.path("clusterIP").asText("").isEmpty() && oldSpec.has("clusterIP")) {
                spec.set("clusterIP", oldSpec.get("clusterIP"));
            }
            if ((!spec.path("clusterIPs").isArray() || spec.get("clusterIPs").isEmpty()) && oldSpec.path("clusterIPs").size() > 0) {
                spec.set("clusterIPs", oldSpec.get("clusterIPs").deepCopy());
            }
        }
        if (needsNodePort(old) && needsNodePort(svc) && spec.path("ports").isArray()) {
            for (JsonNode p : spec.get("ports")) {
                if (p.isObject() && p.path("nodePort").asInt(0) == 0) {
                    for (JsonNode o : oldSpec.path("ports")) {
                        if (o.path("name").asText("").equals(p.path("name").asText("")) && o.path("nodePort").asInt(0) != 0) {
                            ((ObjectNode) p).set("nodePort", o.get("nodePort"));
                        }
                    }
                }
            }
        }
        // normalizeClusterIPs, update branch
        String oldIp = oldSpec.path("clusterIP").asText("");
        String newIp = spec.path("clusterIP").asText("");
        boolean sameIPs = Trees.same(oldSpec.get("clusterIPs"), spec.get("clusterIPs"));
        if (oldSpec.path("clusterIPs").size() > 0 && spec.path("clusterIPs").size() == 0 && oldIp.equals(newIp)) {
            spec.set("clusterIPs", oldSpec.get("clusterIPs").deepCopy());
        }
        if (!oldIp.equals(newIp)) {
            if (!oldIp.isEmpty() && newIp.isEmpty()) {
                if (sameIPs) {
                    spec.remove("clusterIPs");
                }
            } else if (sameIPs) {
                spec.putArray("clusterIPs").add(newIp);
            }
        }
        if (needsClusterIP(svc)) {
            if (!spec.path("ipFamilies").isArray() && oldSpec.path("ipFamilies").isArray()) {
                spec.set("ipFamilies", oldSpec.get("ipFamilies").deepCopy());
            }
            if (Trees.absent(spec.get("ipFamilyPolicy")) && oldSpec.has("ipFamilyPolicy")) {
                spec.set("ipFamilyPolicy", oldSpec.get("ipFamilyPolicy"));
            }
        }
        allocateNodePorts(svc, nextNodePort);
    }

    /**
     * A Job's generated selector (pkg/registry/batch/job/strategy.go {@code PrepareForCreate} → {@code generateSelector};
     * label keys from pkg/apis/batch/types.go): unless {@code spec.manualSelector} is true, the pod template gets
     * {@code job-name}, {@code batch.kubernetes.io/job-name} (the Job's name), {@code controller-uid} and
     * {@code batch.kubernetes.io/controller-uid} (its uid), and {@code spec.selector.matchLabels} gets
     * {@code batch.kubernetes.io/controller-uid}, each only where the key is not set yet.
     */
    static void generateJobSelector(ObjectNode job) {
        ObjectNode spec = job.withObjectProperty("spec");
        if (spec.path("manualSelector").asBoolean(false)) {
            return;
        }
        String name = job.path("metadata").path("name").asText();
        String uid = job.path("metadata").path("uid").asText();
        ObjectNode labels = spec.withObjectProperty("template").withObjectProperty("metadata").withObjectProperty("labels");
        for (String k : List.of("job-name", "batch.kubernetes.io/job-name")) {
            if (!labels.has(k)) {
                labels.put(k, name);
            }
        }
        for (String k : List.of("controller-uid", "batch.kubernetes.io/controller-uid")) {
            if (!labels.has(k)) {
                labels.put(k, uid);
            }
        }
        ObjectNode matchLabels = spec.withObjectProperty("selector").withObjectProperty("matchLabels");
        if (!matchLabels.has("batch.kubernetes.io/controller-uid")) {
            matchLabels.put("batch.kubernetes.io/controller-uid", uid);
        }
    }

    // ---------------------------------------------------------------- update validation

    /** The field errors of an update of {@code old} to {@code updated}, for the kinds whose update validation is modelled. */
    static List<FieldError> validateUpdate(String kind, String group, JsonNode updated, JsonNode old, boolean legacyServiceClusterIP) {
        List<FieldError> errs = new ArrayList<>();
        switch (kind) {
            case "Job" -> {
                if (group.equals("batch")) {
                    validateJobUpdate(updated, old, errs);
                }
            }
            case "Deployment", "DaemonSet", "ReplicaSet" -> {
                if (group.equals("apps")) {
                    immutable(errs, "spec.selector", updated.path("spec").get("selector"), old.path("spec").get("selector"),
                            Rules::goLabelSelector);
                }
            }
            case "StatefulSet" -> {
                if (group.equals("apps")) {
                    validateStatefulSetUpdate(updated, old, errs);
                }
            }
            case "Service" -> {
                if (group.isEmpty()) {
                    if (legacyServiceClusterIP) {
                        validateServiceUpdateLegacy(updated, old, errs);
                    } else {
                        validateServiceUpdate(updated, old, errs);
                    }
                }
            }
            case "PersistentVolumeClaim" -> {
                if (group.isEmpty()) {
                    validatePersistentVolumeClaimUpdate(updated, old, errs);
                }
            }
            case "Secret", "ConfigMap" -> {
                if (group.isEmpty()) {
                    validateImmutableData(kind, updated, old, errs);
                }
            }
            default -> {
            }
        }
        return errs;
    }

    private interface GoPrinter {
        String print(JsonNode v);
    }

    /**
     * apimachinery/pkg/api/validation {@code ValidateImmutableField}: {@code <path>: Invalid value: <new>: field is immutable};
     * a nil value prints as {@code "null"} (field/errors.go {@code ErrorBody}).
     */
    private static void immutable(List<FieldError> errs, String field, JsonNode updated, JsonNode old, GoPrinter printer) {
        if (!Trees.same(updated, old)) {
            errs.add(FieldError.invalid(field, Trees.absent(updated) ? "\"null\"" : printer.print(updated), "field is immutable"));
        }
    }

    /**
     * pkg/apis/batch/validation/validation.go {@code ValidateJobSpecUpdate}: completions (for Indexed Jobs with elastic
     * indexed Jobs, only in tandem with parallelism), selector, the pod template ({@code validatePodTemplateUpdate}: a
     * suspended Job that never started may change the template's node affinity, node selector, tolerations, labels,
     * annotations and scheduling gates), completionMode, podFailurePolicy, backoffLimitPerIndex, managedBy and
     * successPolicy are immutable. Of {@code ValidateJob}, which runs first, only the required selector is modelled.
     */
    private static void validateJobUpdate(JsonNode updated, JsonNode old, List<FieldError> errs) {
        JsonNode spec = updated.path("spec");
        JsonNode oldSpec = old.path("spec");
        if (Trees.absent(spec.get("selector"))) {
            // ValidateJob → validateJobSpec, which the strategy's ValidateUpdate runs first
            errs.add(FieldError.required("spec.selector", ""));
        }
        boolean indexed = "Indexed".equals(spec.path("completionMode").asText());
        if (!indexed) {
            immutable(errs, "spec.completions", spec.get("completions"), oldSpec.get("completions"), JsonNode::asText);
        } else if (!Trees.same(spec.get("completions"), oldSpec.get("completions")) && !Trees.absent(spec.get("completions"))
                && !Trees.same(spec.get("completions"), spec.get("parallelism"))) {
            errs.add(FieldError.invalid("spec.completions", spec.get("completions").asText(), "can only be modified in tandem with spec.parallelism"));
        }
        immutable(errs, "spec.selector", spec.get("selector"), oldSpec.get("selector"), Rules::goLabelSelector);
        JsonNode template = spec.path("template");
        JsonNode oldTemplate = oldSpec.path("template").deepCopy();
        boolean suspended = oldSpec.path("suspend").asBoolean(false);
        boolean notStarted = Trees.absent(old.path("status").get("startTime"));
        if (suspended && notStarted && oldTemplate.isObject() && template.isObject()) {
            ObjectNode ot = (ObjectNode) oldTemplate;
            ObjectNode os = ot.withObjectProperty("spec");
            JsonNode ns = template.path("spec");
            if (Trees.absent(ns.get("affinity")) && os.has("affinity")) {
                ((ObjectNode) os.get("affinity")).remove("nodeAffinity");
                if (os.get("affinity").isEmpty()) {
                    os.remove("affinity");
                }
            } else if (!Trees.absent(ns.get("affinity"))) {
                ObjectNode aff = os.withObjectProperty("affinity");
                copyOrRemove(aff, "nodeAffinity", ns.get("affinity"));
            }
            for (String f : List.of("nodeSelector", "tolerations", "schedulingGates")) {
                copyOrRemove(os, f, ns);
            }
            ObjectNode om = ot.withObjectProperty("metadata");
            for (String f : List.of("annotations", "labels")) {
                copyOrRemove(om, f, template.path("metadata"));
            }
        }
        immutable(errs, "spec.template", template, oldTemplate, v -> "core.PodTemplateSpec{...}");
        immutable(errs, "spec.completionMode", spec.get("completionMode"), oldSpec.get("completionMode"), Rules::goString);
        immutable(errs, "spec.podFailurePolicy", spec.get("podFailurePolicy"), oldSpec.get("podFailurePolicy"), v -> "&batch.PodFailurePolicy{...}");
        immutable(errs, "spec.backoffLimitPerIndex", spec.get("backoffLimitPerIndex"), oldSpec.get("backoffLimitPerIndex"), JsonNode::asText);
        immutable(errs, "spec.managedBy", spec.get("managedBy"), oldSpec.get("managedBy"), Rules::goString);
        immutable(errs, "spec.successPolicy", spec.get("successPolicy"), oldSpec.get("successPolicy"), v -> "&batch.SuccessPolicy{...}");
    }

    private static void copyOrRemove(ObjectNode into, String field, JsonNode from) {
        if (Trees.absent(from.get(field))) {
            into.remove(field);
        } else {
            into.set(field, from.get(field).deepCopy());
        }
    }

    /** pkg/apis/apps/validation/validation.go {@code ValidateStatefulSetUpdate}: only these spec fields may change. */
    private static void validateStatefulSetUpdate(JsonNode updated, JsonNode old, List<FieldError> errs) {
        ObjectNode a = updated.path("spec").isObject() ? ((ObjectNode) updated.get("spec")).deepCopy() : Trees.JSON.createObjectNode();
        ObjectNode b = old.path("spec").isObject() ? ((ObjectNode) old.get("spec")).deepCopy() : Trees.JSON.createObjectNode();
        for (String f : List.of("replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                "persistentVolumeClaimRetentionPolicy", "minReadySeconds")) {
            a.remove(f);
            b.remove(f);
        }
        if (!Trees.same(a, b)) {
            errs.add(FieldError.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                    + "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
    }

    /**
     * pkg/apis/core/validation/validation.go {@code ValidateServiceUpdate} → {@code validateUpgradeDowngradeClusterIPs}
     * (unless either side is ExternalName, or both are headless): same number of clusterIPs, each unchanged
     * ({@code spec.clusterIPs[i]: Invalid value: []string{...}: may not change once set}); fewer, the primary may not
     * be unset nor changed; more, the primary may not change.
     */
    private static void validateServiceUpdate(JsonNode updated, JsonNode old, List<FieldError> errs) {
        String type = updated.path("spec").path("type").asText();
        String oldType = old.path("spec").path("type").asText();
        if (type.equals("ExternalName") || oldType.equals("ExternalName")) {
            return;
        }
        if (headless(updated) && headless(old)) {
            return;
        }
        List<String> ips = strings(updated.path("spec").get("clusterIPs"));
        List<String> oldIps = strings(old.path("spec").get("clusterIPs"));
        String printed = goStrings(updated.path("spec").get("clusterIPs"));
        if (oldIps.size() == ips.size()) {
            for (int i = 0; i < oldIps.size(); i++) {
                if (!oldIps.get(i).equals(ips.get(i))) {
                    errs.add(FieldError.invalid("spec.clusterIPs[" + i + "]", printed, "may not change once set"));
                }
            }
        } else if (oldIps.size() > ips.size()) {
            if (ips.isEmpty()) {
                errs.add(FieldError.invalid("spec.clusterIPs[0]", printed, "primary clusterIP can not be unset"));
            } else if (!oldIps.get(0).equals(ips.get(0))) {
                errs.add(FieldError.invalid("spec.clusterIPs[0]", printed, "may not change once set"));
            }
        } else if (!oldIps.isEmpty() && !oldIps.get(0).equals(ips.get(0))) {
            errs.add(FieldError.invalid("spec.clusterIPs[0]", printed, "may not change once set"));
        }
    }

    /**
     * The rule before Kubernetes 1.23 (pkg/apis/core/validation/validation.go {@code ValidateServiceUpdate} up to 1.19,
     * and in effect until #103532): once set, {@code spec.clusterIP} may not change, so a PUT that omits it is
     * {@code spec.clusterIP: Invalid value: "": field is immutable}.
     */
    private static void validateServiceUpdateLegacy(JsonNode updated, JsonNode old, List<FieldError> errs) {
        if (updated.path("spec").path("type").asText().equals("ExternalName")) {
            return;
        }
        String oldIp = old.path("spec").path("clusterIP").asText("");
        if (!old.path("spec").path("type").asText().equals("ExternalName") && !oldIp.isEmpty()) {
            String ip = updated.path("spec").path("clusterIP").asText("");
            if (!ip.equals(oldIp)) {
                errs.add(FieldError.invalid("spec.clusterIP", goString(Trees.JSON.getNodeFactory().textNode(ip)), "field is immutable"));
            }
        }
    }

    private static boolean headless(JsonNode svc) {
        return "None".equals(svc.path("spec").path("clusterIP").asText());
    }

    /**
     * pkg/apis/core/validation/validation.go {@code ValidatePersistentVolumeClaimUpdate}: the spec is immutable except
     * that volumeName may be set once, storageClassName may be set where it was nil (retroactive default class),
     * volumeAttributesClassName may change, and resources.requests.storage may change on a Bound claim; a smaller
     * request than before is refused when it is not above status.capacity ({@code RecoverVolumeExpansionFailure}, on
     * by default in current releases).
     */
    private static void validatePersistentVolumeClaimUpdate(JsonNode updated, JsonNode old, List<FieldError> errs) {
        ObjectNode spec = updated.path("spec").isObject() ? ((ObjectNode) updated.get("spec")).deepCopy() : Trees.JSON.createObjectNode();
        ObjectNode oldSpec = old.path("spec").isObject() ? ((ObjectNode) old.get("spec")).deepCopy() : Trees.JSON.createObjectNode();
        if (oldSpec.path("volumeName").asText("").isEmpty()) {
            copyOrRemove(oldSpec, "volumeName", spec);
        }
        boolean oldAnnotation = old.path("metadata").path("annotations").has("volume.beta.kubernetes.io/storage-class");
        if (!oldAnnotation && Trees.absent(oldSpec.get("storageClassName")) && !spec.path("storageClassName").asText("").isEmpty()) {
            oldSpec.set("storageClassName", spec.get("storageClassName"));
        }
        JsonNode oldStorage = old.path("spec").path("resources").path("requests").get("storage");
        if ("Bound".equals(updated.path("status").path("phase").asText()) && spec.path("resources").path("requests").isObject()) {
            if (oldStorage == null) {
                ((ObjectNode) spec.get("resources").get("requests")).remove("storage");
            } else {
                ((ObjectNode) spec.get("resources").get("requests")).set("storage", oldStorage);
            }
        }
        copyOrRemove(spec, "volumeAttributesClassName", oldSpec);
        if (!Trees.same(spec, oldSpec)) {
            errs.add(FieldError.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName "
                    + "for bound claims\n" + specDiff("core.PersistentVolumeClaimSpec", oldSpec, spec)));
        }
        BigDecimal newSize = quantity(updated.path("spec").path("resources").path("requests").get("storage"));
        BigDecimal oldSize = quantity(oldStorage);
        BigDecimal statusSize = quantity(old.path("status").path("capacity").get("storage"));
        if (newSize.compareTo(oldSize) < 0 && newSize.compareTo(statusSize) <= 0) {
            errs.add(FieldError.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
        }
    }

    /**
     * Secrets and ConfigMaps (pkg/apis/core/validation/validation.go {@code ValidateSecretUpdate},
     * {@code ValidateConfigMapUpdate}): a Secret's type is immutable; once {@code immutable: true}, the data may not
     * change and the flag may not be cleared.
     */
    private static void validateImmutableData(String kind, JsonNode updated, JsonNode old, List<FieldError> errs) {
        if (kind.equals("Secret")) {
            immutable(errs, "type", updated.get("type"), old.get("type"), Rules::goString);
        }
        if (old.path("immutable").asBoolean(false)) {
            if (!updated.path("immutable").asBoolean(false)) {
                errs.add(FieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
            }
            if (!Trees.same(updated.get("data"), old.get("data"))) {
                errs.add(FieldError.forbidden("data", "field is immutable when `immutable` is set"));
            }
            if (kind.equals("ConfigMap") && !Trees.same(updated.get("binaryData"), old.get("binaryData"))) {
                errs.add(FieldError.forbidden("binaryData", "field is immutable when `immutable` is set"));
            }
        }
    }

    // ---------------------------------------------------------------- Go printing (field.Error values are %#v of Go values)

    private static String specDiff(String type, JsonNode old, JsonNode updated) {
        StringBuilder b = new StringBuilder("  ").append(type).append("{\n");
        TreeMap<String, String[]> fields = new TreeMap<>();
        old.properties().forEach(e -> fields.computeIfAbsent(e.getKey(), k -> new String[2])[0] = e.getValue().toString());
        updated.properties().forEach(e -> fields.computeIfAbsent(e.getKey(), k -> new String[2])[1] = e.getValue().toString());
        for (Map.Entry<String, String[]> e : fields.entrySet()) {
            String name = Character.toUpperCase(e.getKey().charAt(0)) + e.getKey().substring(1);
            if (!java.util.Objects.equals(e.getValue()[0], e.getValue()[1])) {
                b.append("- \t").append(name).append(": ").append(e.getValue()[0] == null ? "nil" : e.getValue()[0]).append(",\n");
                b.append("+ \t").append(name).append(": ").append(e.getValue()[1] == null ? "nil" : e.getValue()[1]).append(",\n");
            }
        }
        return b.append("  }\n").toString();
    }

    static String goString(JsonNode v) {
        return Trees.absent(v) ? "null" : "\"" + v.asText().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String goStrings(JsonNode v) {
        if (Trees.absent(v) || !v.isArray()) {
            return "[]string(nil)";
        }
        List<String> out = new ArrayList<>();
        v.forEach(s -> out.add(goString(s)));
        return "[]string{" + String.join(", ", out) + "}";
    }

    private static List<String> strings(JsonNode v) {
        List<String> out = new ArrayList<>();
        if (v != null && v.isArray()) {
            v.forEach(s -> out.add(s.asText()));
        }
        return out;
    }

    /** {@code %#v} of a {@code metav1.LabelSelector}, as the familiar immutable-selector message prints it. */
    static String goLabelSelector(JsonNode sel) {
        StringBuilder b = new StringBuilder("v1.LabelSelector{MatchLabels:");
        JsonNode ml = sel.get("matchLabels");
        if (Trees.absent(ml)) {
            b.append("map[string]string(nil)");
        } else {
            TreeMap<String, String> sorted = new TreeMap<>();
            ml.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
            List<String> kv = new ArrayList<>();
            sorted.forEach((k, v) -> kv.add("\"" + k + "\":\"" + v + "\""));
            b.append("map[string]string{").append(String.join(", ", kv)).append('}');
        }
        b.append(", MatchExpressions:");
        JsonNode me = sel.get("matchExpressions");
        if (Trees.absent(me) || !me.isArray()) {
            b.append("[]v1.LabelSelectorRequirement(nil)");
        } else {
            List<String> items = new ArrayList<>();
            for (JsonNode r : me) {
                items.add("v1.LabelSelectorRequirement{Key:" + goString(r.get("key")) + ", Operator:" + goString(r.get("operator"))
                        + ", Values:" + goStrings(r.get("values")) + "}");
            }
            b.append("[]v1.LabelSelectorRequirement{").append(String.join(", ", items)).append('}');
        }
        return b.append('}').toString();
    }

    private static final Pattern QUANTITY = Pattern.compile("^([+-]?[0-9.]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$");

    /** A resource.Quantity as a number (apimachinery/pkg/api/resource/quantity.go suffixes); absent is zero. */
    static BigDecimal quantity(JsonNode q) {
        if (Trees.absent(q)) {
            return BigDecimal.ZERO;
        }
        if (q.isNumber()) {
            return q.decimalValue();
        }
        Matcher m = QUANTITY.matcher(q.asText().trim());
        if (!m.matches()) {
            return BigDecimal.ZERO;
        }
        BigDecimal n = new BigDecimal(m.group(1));
        String s = m.group(2);
        if (s == null) {
            return n;
        }
        if (s.startsWith("e") || s.startsWith("E")) {
            return n.scaleByPowerOfTen(Integer.parseInt(s.substring(1)));
        }
        return switch (s) {
            case "Ki" -> n.multiply(BigDecimal.valueOf(1L << 10));
            case "Mi" -> n.multiply(BigDecimal.valueOf(1L << 20));
            case "Gi" -> n.multiply(BigDecimal.valueOf(1L << 30));
            case "Ti" -> n.multiply(BigDecimal.valueOf(1L << 40));
            case "Pi" -> n.multiply(BigDecimal.valueOf(1L << 50));
            case "Ei" -> n.multiply(BigDecimal.valueOf(1L << 60));
            case "n" -> n.scaleByPowerOfTen(-9);
            case "u" -> n.scaleByPowerOfTen(-6);
            case "m" -> n.scaleByPowerOfTen(-3);
            case "k" -> n.scaleByPowerOfTen(3);
            case "M" -> n.scaleByPowerOfTen(6);
            case "G" -> n.scaleByPowerOfTen(9);
            case "T" -> n.scaleByPowerOfTen(12);
            case "P" -> n.scaleByPowerOfTen(15);
            default -> n.scaleByPowerOfTen(18);
        };
    }
}
