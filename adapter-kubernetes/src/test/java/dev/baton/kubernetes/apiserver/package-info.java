/**
 * A Kubernetes API server double for tests: {@link dev.baton.kubernetes.apiserver.ApiServerDispatcher}, fabric8's
 * CRUD mock (kubernetes-server-mock 8.0.0) extended with server-side apply and field ownership, the immutable fields
 * and allocations of the kinds Baton writes, the unconditional-update rule, status and scale subresources, and a
 * watch history that answers 410 Expired after {@code compact()}.
 * <pre>{@code
 * ApiServerDispatcher apiServer = new ApiServerDispatcher();
 * KubernetesMockServer server = ApiServerDispatcher.start(apiServer);   // or new KubernetesMockServer(ctx, web, map, apiServer, false)
 * KubernetesClient client = server.createClient();
 * ...
 * apiServer.compact();      // every resourceVersion so far is too old to watch from
 * apiServer.dropWatches();  // open watches end; clients resume from their last resourceVersion and get 410
 * }</pre>
 * Sources, as read for this double: kubernetes/kubernetes at the revisions the search index stores (the 1.3x line:
 * pkg/apis/batch/validation/validation.go with ManagedBy and SuccessPolicy, pkg/apis/core/validation/validation.go
 * with VolumeAttributesClass, pkg/registry/core/service/storage/storage.go with {@code patchAllocatedValues}),
 * sigs.k8s.io/structured-merge-diff v6 (HEAD of July 2026: merge/update.go, typed/merge.go, typed/compare.go,
 * typed/tofieldset.go, typed/remove.go, fieldpath/), the apimachinery managedfields/internal package
 * (conflict.go, stripmeta.go, managedfieldsupdater.go) and the doc page
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/. Each class names the files behind its rules.
 */
package dev.baton.kubernetes.apiserver;
