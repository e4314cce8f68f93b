package dev.baton.kubernetes;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * fabric8's CRUD dispatcher, extended to honour {@code dryRun=All} on create and replace as the API server does:
 * the answer is the object as it would be stored, and nothing is stored. (The stock dispatcher ignores the
 * parameter and writes.) Not reproduced: admission, defaulting and validation of the dry-run object.
 */
class DryRunCrudDispatcher extends KubernetesCrudDispatcher {
    static final java.util.concurrent.atomic.AtomicInteger DRY_RUNS = new java.util.concurrent.atomic.AtomicInteger();

    private static boolean dryRun(RecordedRequest r) {
        return r.getPath() != null && r.getPath().contains("dryRun=All");
    }

    private static MockResponse echo(RecordedRequest r, int status) {
        DRY_RUNS.incrementAndGet();
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(r.getUtf8Body());
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        return dryRun(request) ? echo(request, 201) : super.handleCreate(request);
    }

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
        return dryRun(request) ? echo(request, 200) : super.handleUpdate(request);
    }
}
