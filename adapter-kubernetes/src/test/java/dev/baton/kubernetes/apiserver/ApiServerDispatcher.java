package dev.baton.kubernetes.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD mock, made to behave like a real API server where a client's correctness depends on it. Every rule
 * names its upstream source in the class that implements it; in short:
 * <ol>
 * <li><b>Server-side apply</b> ({@code PATCH} with {@code Content-Type: application/apply-patch+yaml}, query
 * {@code fieldManager} (required) and {@code force}): creates the object if absent, else merges the configuration into
 * the live object; per-manager field ownership in {@code metadata.managedFields} (operation Apply/Update,
 * {@code fieldsType: FieldsV1}); conflicts with other managers are a 409 with {@code FieldManagerConflict} causes
 * unless forced; fields the applier stops applying are removed unless owned by another manager; associative lists
 * merged by key. See {@link ManagedFields}, {@link Trees}, {@link Schema}.</li>
 * <li><b>Field ownership of other writes</b>: POST, PUT and JSON / merge / strategic-merge PATCH record an Update
 * entry for the fields they change, under the {@code fieldManager} parameter or else the User-Agent up to its first
 * "/" (kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go {@code prefixFromUserAgent}; for fabric8
 * 8.0.0 that is {@code fabric8-kubernetes-client}).</li>
 * <li><b>Immutable fields and allocation</b>: see {@link Rules} (Job template, selector, completions…; Service
 * clusterIPs; PVC spec; Deployment/DaemonSet/ReplicaSet selector; StatefulSet spec; Secret type and immutable data),
 * each refusal a 422 {@code Invalid} Status with one cause per field; a Service gets a cluster IP on create, a Job its
 * generated selector labels.</li>
 * <li><b>Optimistic concurrency</b>: a PUT with a stale resourceVersion is a 409; without one it is an unconditional
 * update where the kind's strategy allows it and a 422 {@code metadata.resourceVersion: Invalid value: 0x0: must be
 * specified for an update} where it does not (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go
 * {@code Update}; the value is Go's {@code %#v} of the uint64 0).</li>
 * <li><b>resourceVersion</b>: one counter for the whole server, bumped by every change (a delete included) and by
 * nothing else: a write that changes nothing, managedFields included, is not stored (store.go: an update equal to the
 * stored object is not written). Generation: 1 on create, +1 when anything but metadata and status changes, and for
 * Deployments also when annotations change (pkg/registry/apps/deployment/strategy.go {@code PrepareForUpdate}).</li>
 * <li><b>Subresources</b>: writes to the resource keep the stored {@code status} and writes to {@code /status} change
 * only the status (the strategies' {@code PrepareForUpdate}); {@code /scale} of Deployments, ReplicaSets and
 * StatefulSets reads and writes an {@code autoscaling/v1 Scale} (pkg/registry/apps/deployment/storage/storage.go
 * {@code ScaleREST}).</li>
 * <li><b>dryRun=All</b> runs all of the above and stores nothing (a dry-run create has no resourceVersion).</li>
 * <li><b>Watches and 410 Gone</b>: see {@link Watches}; {@link #compact()} makes every current resourceVersion too old,
 * {@link #dropWatches()} ends open watches so that clients resume from their last resourceVersion.</li>
 * </ol>
 * Not modelled: admission, validation on create and most update validation (names, required fields, value ranges),
 * defaulting beyond Services and Secrets (so a Deployment is stored as sent), status cleared on create (a test may
 * create objects with the status a controller or kubelet would write), garbage collection of dependents, finalizer
 * semantics beyond fabric8's, field validation ({@code fieldValidation=Strict}), the Update entry cap, conversion
 * between API versions, and the exact Go dumps of struct values in messages (abbreviated as {@code core.PodTemplateSpec{...}}).
 */
public class ApiServerDispatcher extends KubernetesCrudDispatcher {
    private static final ObjectMapper JSON = Trees.JSON;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern PATH = Pattern.compile("^/(?:api|apis/(?<group>[^/]+))/(?<version>[^/]+)(?:/namespaces/(?<ns>[^/]+))?"
            + "/(?<resource>[^/]+)(?:/(?<name>[^/]+))?(?:/(?<sub>[^/]+))?$");
    private static final String APPLY = "application/apply-patch+yaml";
    private static final String JSON_PATCH = "application/json-patch+json";
    private static final String MERGE_PATCH = "application/merge-patch+json";
    private static final String STRATEGIC = "application/strategic-merge-patch+json";
    private static final SecureRandom RANDOM = new SecureRandom();

    private boolean legacyServiceClusterIP;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);
    private final Watches watches = new Watches();
    private final AtomicInteger nextIp = new AtomicInteger(10);
    private final AtomicInteger nextNodePort = new AtomicInteger(30000);

    /** The modelled API server (current Kubernetes rules). */
    public ApiServerDispatcher() {
    }

    /**
     * The Service rule of Kubernetes before 1.23: a PUT that omits an allocated {@code spec.clusterIP} is refused with
     * {@code spec.clusterIP: Invalid value: "": field is immutable} instead of keeping the address.
     */
    public ApiServerDispatcher withServiceClusterIPRuleBefore123() {
        legacyServiceClusterIP = true;
        return this;
    }

    /** A started mock server on 127.0.0.1 (HTTP, CRUD mode) that uses {@code dispatcher}. */
    public static KubernetesMockServer start(ApiServerDispatcher dispatcher) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    /** The resourceVersion of the last change (what a list answers with). */
    public long resourceVersion() {
        return lastResourceVersion;
    }

    private volatile long lastResourceVersion;

    @Override
    public long requestResourceVersion() {
        long rv = super.requestResourceVersion();
        lastResourceVersion = rv;
        return rv;
    }

    /**
     * Compacts the history: every resourceVersion handed out so far becomes too old to watch from. A watch (or a
     * watch resumed by a client after {@link #dropWatches()}) from one of them gets 410 Expired; a fresh list answers
     * with the returned resourceVersion, which can be watched from. (The API server's own resourceVersion keeps moving
     * in a real cluster; here compaction takes one so that a re-list does not land on a compacted version.)
     */
    public long compact() {
        lock.writeLock().lock();
        try {
            long floor = requestResourceVersion();
            watches.compact(floor);
            return floor;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Ends every open watch (normal closure), as the API server does when a watch request times out. */
    public void dropWatches() {
        watches.dropAll();
    }

    /** The number of watches open now. */
    public int openWatches() {
        return watches.open();
    }

    // ---------------------------------------------------------------- routing

    private MockResponse write(Supplier<MockResponse> handler) {
        lock.writeLock().lock();
        try {
            return handler.get();
        } catch (ApiError e) {
            return e.response();
        } catch (Trees.TypeError e) {
            return ApiError.internal(e.getMessage()).response();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        Request r = Request.of(request);
        if (r.target == null || r.target.name != null) {
            return write(() -> super.handleCreate(request));
        }
        return write(() -> create(r));
    }

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
        Request r = Request.of(request);
        if (r.target == null || r.target.name == null || r.target.sub != null && !r.target.sub.equals("status") && !r.target.sub.equals("scale")) {
            return write(() -> super.handleUpdate(request));
        }
        return write(() -> update(r));
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        Request r = Request.of(request);
        if (r.target == null || r.target.name == null || r.target.sub != null && !r.target.sub.equals("status") && !r.target.sub.equals("scale")) {
            return write(() -> super.handlePatch(request));
        }
        return write(() -> patch(r));
    }

    @Override
    public MockResponse handleDelete(String path) {
        return write(() -> super.handleDelete(path));
    }

    @Override
    public MockResponse handleGet(String path) {
        lock.readLock().lock();
        try {
            Target t = Target.parse(path);
            if (t != null && "true".equals(t.params.get("watch"))) {
                return watch(path, t);
            }
            if (t != null && t.name != null && "scale".equals(t.sub)) {
                Map.Entry<AttributeSet, String> e = findResource(getKey(t.itemPath()));
                if (e == null) {
                    return ApiError.notFound(t.resource, t.group, t.name).response();
                }
                return ok(200, scaleOf(read(e.getValue())));
            }
            return super.handleGet(path);
        } catch (ApiError e) {
            return e.response();
        } finally {
            lock.readLock().unlock();
        }
    }

    private MockResponse watch(String path, Target t) {
        AttributeSet query = getKey(path);
        String selector = t.params.get("fieldSelector");
        if (selector != null && selector.startsWith("metadata.name=")) {
            query = query.add(new io.fabric8.mockwebserver.crud.Attribute("name", selector.substring("metadata.name=".length())));
        }
        Map<AttributeSet, String> current;
        synchronized (map) {
            current = new LinkedHashMap<>(map);
        }
        return watches.watch(query, t.params.get("resourceVersion"), current);
    }

    /** Every stored change passes here (ours and fabric8's delete): it gets recorded for watches. */
    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes, GenericKubernetesResource resource,
            String newState) {
        String existing = oldAttributes == null ? null : map.get(oldAttributes);
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        if (Objects.equals(existing, newState)) {
            return;
        }
        AttributeSet newAttributes = null;
        long rv;
        String oldJson = existing;
        if (newState != null) {
            newAttributes = ((KubernetesAttributesExtractor) attributeExtractor).fromResource(newState);
            if (!newAttributes.containsKey("plural")) {
                newAttributes = AttributeSet.merge(pathAttributes, newAttributes);
            }
            rv = read(newState).path("metadata").path("resourceVersion").asLong(lastResourceVersion);
        } else {
            rv = requestResourceVersion();
            ObjectNode deleted = read(existing);
            deleted.withObjectProperty("metadata").put("resourceVersion", Long.toString(rv));
            oldJson = deleted.toString();
        }
        watches.record(new Watches.Change(rv, oldAttributes, oldJson, newAttributes, newState));
    }

    // ---------------------------------------------------------------- requests

    /** A request path: {@code /api/v1/namespaces/ns/services/name/status?query}. */
    record Target(String group, String version, String namespace, String resource, String name, String sub, Map<String, String> params) {
        static Target parse(String path) {
            int q = path.indexOf('?');
            String p = q < 0 ? path : path.substring(0, q);
            Map<String, String> params = new LinkedHashMap<>();
            if (q >= 0) {
                for (String kv : path.substring(q + 1).split("&")) {
                    int eq = kv.indexOf('=');
                    String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                    params.put(k, eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            Matcher m = PATH.matcher(p);
            if (!m.matches()) {
                return null;
            }
            return new Target(m.group("group") == null ? "" : m.group("group"), m.group("version"), m.group("ns"), m.group("resource"),
                    m.group("name"), m.group("sub"), params);
        }

        String apiVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }

        String collectionPath() {
            return (group.isEmpty() ? "/api/" : "/apis/" + group + "/") + version + (namespace == null ? "" : "/namespaces/" + namespace)
                    + "/" + resource;
        }

        String itemPath() {
            return collectionPath() + "/" + name;
        }

        boolean dryRun() {
            return "All".equals(params.get("dryRun"));
        }
    }

    private record Request(Target target, String contentType, byte[] body, String userAgent) {
        static Request of(RecordedRequest r) {
            String ct = r.getHeader("Content-Type");
            if (ct != null && ct.contains(";")) {
                ct = ct.substring(0, ct.indexOf(';'));
            }
            return new Request(Target.parse(r.getPath()), ct == null ? null : ct.trim().toLowerCase(),
                    r.getBody() == null ? new byte[0] : r.getBody().getBytes(), r.getHeader("User-Agent"));
        }

        /** The {@code fieldManager} parameter, else the User-Agent's product, as the API server names an Update's manager. */
        String manager() {
            String m = target.params.get("fieldManager");
            if (m != null && !m.isEmpty()) {
                return m;
            }
            if (userAgent == null || userAgent.isEmpty()) {
                return "unknown";
            }
            return userAgent.split("/", 2)[0];
        }
    }

    private static ObjectNode read(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (java.io.IOException | ClassCastException e) {
            throw ApiError.badRequest("the object could not be read: " + e.getMessage());
        }
    }

    private static ObjectNode body(Request r, boolean yaml) {
        try {
            JsonNode n;
            try {
                n = JSON.readTree(r.body);
            } catch (java.io.IOException e) {
                if (!yaml) {
                    throw e;
                }
                n = YAML.readTree(r.body);
            }
            if (n == null || !n.isObject()) {
                throw ApiError.badRequest("the body of the request is not an object");
            }
            return (ObjectNode) n;
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("the body of the request could not be decoded: " + e.getMessage());
        }
    }

    private static MockResponse ok(int code, JsonNode body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body.toString());
    }

    /** The checks fabric8's handlers made (kind, apiVersion, name), with the API server's wording where it differs. */
    private static void requireTypeAndName(ObjectNode obj, Target t, boolean nameRequired) {
        String kind = obj.path("kind").asText("");
        if (kind.isEmpty()) {
            throw ApiError.badRequest("Object 'Kind' is missing in '" + obj + "'");
        }
        if (obj.path("apiVersion").asText("").isEmpty()) {
            throw ApiError.badRequest("Object 'apiVersion' is missing in '" + obj + "'");
        }
        String name = obj.path("metadata").path("name").asText("");
        if (t.name != null && !name.isEmpty() && !name.equals(t.name)) {
            throw ApiError.badRequest("the name of the object (" + name + ") does not match the name on the URL (" + t.name + ")");
        }
        String ns = obj.path("metadata").path("namespace").asText("");
        if (t.namespace != null && !ns.isEmpty() && !ns.equals(t.namespace)) {
            throw ApiError.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        if (nameRequired && name.isEmpty() && obj.path("metadata").path("generateName").asText("").isEmpty()) {
            throw ApiError.invalid(kind, t.group, "", List.of(ApiError.FieldError.required("metadata.name", "name or generateName is required")));
        }
    }

    /** The object without what the API server sets itself, and without the fields the subresource resets. */
    private static ObjectNode clean(JsonNode obj, String sub) {
        ObjectNode c = obj == null ? JSON.createObjectNode() : ((ObjectNode) obj).deepCopy();
        JsonNode m = c.get("metadata");
        if (m instanceof ObjectNode meta) {
            meta.remove(List.of("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink",
                    "deletionTimestamp", "deletionGracePeriodSeconds"));
        }
        if (sub == null || sub.equals("scale")) {
            c.remove("status");
        } else if (sub.equals("status")) {
            c.retain("apiVersion", "kind", "metadata", "status");
        }
        return c;
    }

    private static void defaults(String kind, String group, ObjectNode obj) {
        if (!group.isEmpty()) {
            return;
        }
        if (kind.equals("Secret")) {
            Rules.defaultSecret(obj);
        } else if (kind.equals("Service")) {
            Rules.defaultService(obj);
        }
    }

    private String nextClusterIp(boolean dryRun) {
        int n = dryRun ? nextIp.get() : nextIp.getAndIncrement();
        return "10.96." + (n >> 8 & 0xff) + "." + (n & 0xff);
    }

    private int nextNodePort(boolean dryRun) {
        return dryRun ? nextNodePort.get() : nextNodePort.getAndIncrement();
    }

    // ---------------------------------------------------------------- create

    private MockResponse create(Request r) {
        Target t = r.target;
        ObjectNode obj = body(r, false);
        requireTypeAndName(obj, t, true);
        ObjectNode meta = obj.withObjectProperty("metadata");
        if (meta.path("name").asText("").isEmpty()) {
            meta.put("name", meta.path("generateName").asText() + randomSuffix());
        }
        String name = meta.path("name").asText();
        Target item = new Target(t.group, t.version, t.namespace, t.resource, name, null, t.params);
        if (findResource(getKey(item.itemPath())) != null) {
            throw ApiError.alreadyExists(t.resource, t.group, name);
        }
        return createObject(r, item, obj, null);
    }

    /** Stores a new object: {@code applied} is the managed fields an apply computed, or null for a POST (an Update). */
    private MockResponse createObject(Request r, Target t, ObjectNode obj, ManagedFields applied) {
        String kind = obj.path("kind").asText();
        ObjectNode meta = obj.withObjectProperty("metadata");
        ManagedFields managers = applied;
        if (managers == null) {
            defaults(kind, t.group, obj);
            managers = ManagedFields.isReset(meta.get("managedFields")) ? new ManagedFields() : ManagedFields.decode(meta.get("managedFields"));
            managers.update(kind, JSON.createObjectNode(), clean(obj, null), r.manager(), t.apiVersion(), null);
        } else {
            defaults(kind, t.group, obj);
        }
        if (t.namespace != null) {
            meta.put("namespace", t.namespace);
        }
        meta.remove(List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"));
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        meta.put("generation", 1);
        boolean dryRun = t.dryRun();
        if (t.group.isEmpty() && kind.equals("Service")) {
            Rules.allocateService(obj, () -> nextClusterIp(dryRun), () -> nextNodePort(dryRun));
        } else if (t.group.equals("batch") && kind.equals("Job")) {
            Rules.generateJobSelector(obj);
        }
        setManagedFields(meta, managers);
        if (dryRun) {
            return ok(201, obj);
        }
        meta.put("resourceVersion", Long.toString(requestResourceVersion()));
        processEvent(t.itemPath(), getKey(t.itemPath()), null, null, obj.toString());
        return ok(201, obj);
    }

    private static String randomSuffix() {
        String chars = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            b.append(chars.charAt(RANDOM.nextInt(chars.length())));
        }
        return b.toString();
    }

    private static void setManagedFields(ObjectNode meta, ManagedFields managers) {
        ArrayNode encoded = managers.encode();
        if (encoded.isEmpty()) {
            meta.remove("managedFields");
        } else {
            meta.set("managedFields", encoded);
        }
    }

    // ---------------------------------------------------------------- update (PUT)

    private MockResponse update(Request r) {
        Target t = r.target;
        Map.Entry<AttributeSet, String> entry = findResource(getKey(t.itemPath()));
        if ("scale".equals(t.sub)) {
            if (entry == null) {
                throw ApiError.notFound(t.resource, t.group, t.name);
            }
            return updateScale(r, entry, body(r, false));
        }
        ObjectNode obj = body(r, false);
        requireTypeAndName(obj, t, false);
        if (entry == null) {
            if (t.sub == null && t.group.isEmpty() && t.resource.equals("services")) {
                // the Service strategy allows create on update (pkg/registry/core/service/strategy.go AllowCreateOnUpdate)
                obj.withObjectProperty("metadata").put("name", t.name);
                return createObject(r, t, obj, null);
            }
            throw ApiError.notFound(t.resource, t.group, t.name);
        }
        ObjectNode live = read(entry.getValue());
        checkResourceVersion(t, obj, live);
        return replace(r, t, entry, live, obj);
    }

    private static void checkResourceVersion(Target t, JsonNode obj, JsonNode live) {
        String rv = obj.path("metadata").path("resourceVersion").asText("");
        if (rv.isEmpty()) {
            if (!Rules.allowsUnconditionalUpdate(t.group)) {
                throw ApiError.invalid(t.resource, t.group, t.name,
                        List.of(ApiError.FieldError.invalid("metadata.resourceVersion", "0x0", "must be specified for an update")));
            }
        } else if (!rv.equals(live.path("metadata").path("resourceVersion").asText())) {
            throw ApiError.conflict(t.resource, t.group, t.name);
        }
    }

    /** A full new state of the object (from a PUT or a non-apply PATCH), on the resource or its status. */
    private MockResponse replace(Request r, Target t, Map.Entry<AttributeSet, String> entry, ObjectNode live, ObjectNode obj) {
        String kind = live.path("kind").asText();
        ObjectNode updated;
        if ("status".equals(t.sub)) {
            updated = live.deepCopy();
            if (obj.has("status")) {
                updated.set("status", obj.get("status").deepCopy());
            } else {
                updated.remove("status");
            }
        } else {
            updated = obj;
            defaults(kind, t.group, updated);
        }
        JsonNode requested = obj.path("metadata").get("managedFields");
        ManagedFields managers;
        if (ManagedFields.isReset(requested)) {
            managers = new ManagedFields();
        } else if (requested != null && requested.isArray() && !requested.isEmpty()) {
            managers = ManagedFields.decode(requested);
        } else {
            managers = ManagedFields.decode(live.path("metadata").get("managedFields"));
        }
        managers.update(kind, clean(live, t.sub), clean(updated, t.sub), r.manager(), t.apiVersion(), t.sub);
        return commit(t, entry, live, updated, managers, 200);
    }

    /**
     * The registry's half of an update: system metadata and status kept, the kind's PrepareForUpdate, validation,
     * generation, and the write unless nothing changed.
     */
    private MockResponse commit(Target t, Map.Entry<AttributeSet, String> entry, ObjectNode live, ObjectNode updated, ManagedFields managers,
            int okCode) {
        String kind = live.path("kind").asText();
        ObjectNode meta = updated.withObjectProperty("metadata");
        JsonNode liveMeta = live.path("metadata");
        for (String f : List.of("name", "namespace", "uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp",
                "deletionGracePeriodSeconds")) {
            if (liveMeta.has(f)) {
                meta.set(f, liveMeta.get(f));
            } else {
                meta.remove(f);
            }
        }
        if (t.sub == null || t.sub.equals("scale")) {
            if (live.has("status")) {
                updated.set("status", live.get("status").deepCopy());
            } else {
                updated.remove("status");
            }
        }
        boolean dryRun = t.dryRun();
        if (t.group.isEmpty() && kind.equals("Service") && !legacyServiceClusterIP) {
            Rules.prepareServiceUpdate(updated, live, () -> nextNodePort(dryRun));
        }
        List<ApiError.FieldError> errors = Rules.validateUpdate(kind, t.group, updated, live, legacyServiceClusterIP);
        if (!errors.isEmpty()) {
            throw ApiError.invalid(kind, t.group, t.name, errors);
        }
        setManagedFields(meta, managers);
        if (specChanged(updated, live) || kind.equals("Deployment") && !Trees.same(meta.get("annotations"), liveMeta.get("annotations"))) {
            meta.put("generation", liveMeta.path("generation").asLong(0) + 1);
        }
        if (Trees.same(updated, live)) {
            return ok(okCode, live);
        }
        if (dryRun) {
            return ok(okCode, updated);
        }
        meta.put("resourceVersion", Long.toString(requestResourceVersion()));
        processEvent(t.itemPath(), getKey(t.itemPath()), entry.getKey(), null, updated.toString());
        return ok(okCode, updated);
    }

    private static boolean specChanged(JsonNode a, JsonNode b) {
        ObjectNode x = ((ObjectNode) a).deepCopy();
        ObjectNode y = ((ObjectNode) b).deepCopy();
        x.remove(List.of("metadata", "status"));
        y.remove(List.of("metadata", "status"));
        return !Trees.same(x, y);
    }

    // ---------------------------------------------------------------- scale

    /** An {@code autoscaling/v1 Scale} of a Deployment, ReplicaSet or StatefulSet. */
    private static ObjectNode scaleOf(JsonNode obj) {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode m = s.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (obj.path("metadata").has(f)) {
                m.set(f, obj.path("metadata").get(f));
            }
        }
        s.putObject("spec").put("replicas", obj.path("spec").path("replicas").asInt(1));
        ObjectNode status = s.putObject("status");
        status.put("replicas", obj.path("status").path("replicas").asInt(0));
        JsonNode labels = obj.path("spec").path("selector").path("matchLabels");
        if (labels.isObject()) {
            java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
            labels.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
            StringBuilder sel = new StringBuilder();
            sorted.forEach((k, v) -> sel.append(sel.length() == 0 ? "" : ",").append(k).append('=').append(v));
            status.put("selector", sel.toString());
        }
        return s;
    }

    private MockResponse updateScale(Request r, Map.Entry<AttributeSet, String> entry, ObjectNode scale) {
        Target t = r.target;
        ObjectNode live = read(entry.getValue());
        String rv = scale.path("metadata").path("resourceVersion").asText("");
        if (!rv.isEmpty() && !rv.equals(live.path("metadata").path("resourceVersion").asText())) {
            throw ApiError.conflict(t.resource, t.group, t.name);
        }
        JsonNode replicas = scale.path("spec").get("replicas");
        int n = replicas == null ? 0 : replicas.asInt();
        if (n < 0) {
            throw ApiError.invalid("Scale", "autoscaling", t.name,
                    List.of(ApiError.FieldError.invalid("spec.replicas", Integer.toString(n), "must be greater than or equal to 0")));
        }
        ObjectNode updated = live.deepCopy();
        updated.withObjectProperty("spec").put("replicas", n);
        ManagedFields managers = ManagedFields.decode(live.path("metadata").get("managedFields"));
        managers.update(live.path("kind").asText(), clean(live, null), clean(updated, null), r.manager(), t.apiVersion(), "scale");
        MockResponse response = commit(t, entry, live, updated, managers, 200);
        Map.Entry<AttributeSet, String> now = findResource(getKey(t.itemPath()));
        return response.code() == 200 ? ok(200, scaleOf(t.dryRun() || now == null ? updated : read(now.getValue()))) : response;
    }

    // ---------------------------------------------------------------- patch

    private MockResponse patch(Request r) {
        Target t = r.target;
        String type = r.contentType == null ? JSON_PATCH : r.contentType;
        if (!type.equals(APPLY) && t.params.containsKey("force")) {
            throw ApiError.invalid("PatchOptions", "meta.k8s.io", "",
                    List.of(ApiError.FieldError.forbidden("force", "may not be specified for non-apply patch")));
        }
        if (type.equals(APPLY)) {
            return apply(r);
        }
        if (!List.of(JSON_PATCH, MERGE_PATCH, STRATEGIC).contains(type)) {
            throw ApiError.unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                    + "application/strategic-merge-patch+json");
        }
        Map.Entry<AttributeSet, String> entry = findResource(getKey(t.itemPath()));
        if (entry == null) {
            throw ApiError.notFound(t.resource, t.group, t.name);
        }
        ObjectNode live = read(entry.getValue());
        JsonNode patch;
        try {
            patch = JSON.readTree(r.body);
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("the body of the request could not be decoded: " + e.getMessage());
        }
        String kind = live.path("kind").asText();
        JsonNode base = "scale".equals(t.sub) ? scaleOf(live) : live;
        JsonNode patched;
        try {
            patched = switch (type) {
                case JSON_PATCH -> Trees.jsonPatch(base, patch);
                case MERGE_PATCH -> Trees.mergePatch(base, patch);
                default -> Trees.strategicMergePatch("scale".equals(t.sub) ? "Scale" : kind, base, patch);
            };
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw ApiError.invalid(kind, t.group, t.name, List.of(ApiError.FieldError.invalid("", "\"\"", e.getMessage())));
        }
        if (!(patched instanceof ObjectNode obj)) {
            throw ApiError.badRequest("the patched object is not an object");
        }
        if ("scale".equals(t.sub)) {
            return updateScale(r, entry, obj);
        }
        requireTypeAndName(obj, t, false);
        checkResourceVersion(t, obj, live);
        return replace(r, t, entry, live, obj);
    }

    // ---------------------------------------------------------------- apply

    private MockResponse apply(Request r) {
        Target t = r.target;
        String manager = t.params.get("fieldManager");
        if (manager == null || manager.isEmpty()) {
            throw ApiError.invalid("PatchOptions", "meta.k8s.io", "",
                    List.of(ApiError.FieldError.required("fieldManager", "is required for apply patch")));
        }
        boolean force = "true".equals(t.params.get("force"));
        ObjectNode config = body(r, true);
        if (config.path("metadata").has("managedFields") && !config.path("metadata").get("managedFields").isNull()) {
            throw ApiError.badRequest("metadata.managedFields must be nil");
        }
        if (!t.apiVersion().equals(config.path("apiVersion").asText(""))) {
            throw ApiError.badRequest("Incorrect version specified in apply patch. Specified patch version: " + config.path("apiVersion").asText("")
                    + ", expected: " + t.apiVersion());
        }
        requireTypeAndName(config, t, false);
        if ("scale".equals(t.sub)) {
            throw ApiError.badRequest("server-side apply of the scale subresource is not modelled");
        }
        Map.Entry<AttributeSet, String> entry = findResource(getKey(t.itemPath()));
        String kind = config.path("kind").asText();
        String reset = "status".equals(t.sub) ? "spec" : "status";
        ObjectNode applied = config.deepCopy();
        applied.remove(reset);
        if (entry == null) {
            if (t.sub != null) {
                throw ApiError.notFound(t.resource, t.group, t.name);
            }
            applied.withObjectProperty("metadata").put("name", t.name);
            ManagedFields managers = new ManagedFields();
            JsonNode created = managers.apply(kind, JSON.createObjectNode(), clean(applied, null), manager, t.apiVersion(), force);
            ObjectNode obj = (ObjectNode) created;
            return createObject(r, t, obj, managers);
        }
        ObjectNode live = read(entry.getValue());
        String rv = config.path("metadata").path("resourceVersion").asText("");
        if (!rv.isEmpty() && !rv.equals(live.path("metadata").path("resourceVersion").asText())) {
            throw ApiError.conflict(t.resource, t.group, t.name);
        }
        ManagedFields managers = ManagedFields.decode(live.path("metadata").get("managedFields"));
        ObjectNode base = clean(live, t.sub);
        base.remove(reset);
        ObjectNode merged = (ObjectNode) managers.apply(live.path("kind").asText(), base, clean(applied, t.sub), manager, t.apiVersion(), force);
        if ("status".equals(t.sub)) {
            ObjectNode updated = live.deepCopy();
            if (merged.has("status")) {
                updated.set("status", merged.get("status"));
            } else {
                updated.remove("status");
            }
            merged = updated;
        } else {
            defaults(live.path("kind").asText(), t.group, merged);
        }
        return commit(t, entry, live, merged, managers, 200);
    }
}
