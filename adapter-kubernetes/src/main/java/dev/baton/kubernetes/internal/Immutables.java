package dev.baton.kubernetes.internal;

import dev.baton.model.ByteSize;
import dev.baton.plan.FieldChange;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields the API server does not let an update change, per kind, and what Baton does about a change to one:
 * <ul>
 * <li>Job: {@code spec.template}, {@code spec.selector}, {@code spec.completions} and {@code spec.completionMode}
 * ({@code ValidateJobUpdate}, pkg/apis/batch/validation/validation.go): the Job is deleted and created again, as
 * {@code kubectl replace --force} does; a Job is a run, not a rollout, so nothing is lost that an update would keep;</li>
 * <li>PersistentVolumeClaim: every {@code spec} field but {@code resources.requests.storage}, which may only grow
 * ({@code ValidatePersistentVolumeClaimUpdate}, pkg/apis/core/validation/validation.go): refused, since recreating a
 * claim loses its data;</li>
 * <li>Deployment and DaemonSet: {@code spec.selector} ({@code ValidateDeploymentUpdate},
 * {@code ValidateDaemonSetUpdate}, pkg/apis/apps/validation/validation.go): refused;</li>
 * <li>Service: {@code spec.clusterIP} and {@code spec.clusterIPs} once allocated ({@code ValidateServiceUpdate},
 * pkg/apis/core/validation/validation.go): refused. Baton renders no clusterIP, and an apply that leaves it out keeps
 * the allocated one, so only an extension that sets it can change it.</li>
 * </ul>
 */
public final class Immutables {
    private Immutables() {
    }

    /** What to do about an update of an immutable field. */
    public enum Remedy {
        RECREATE,
        REFUSE
    }

    /** One immutable field the update would change: its path in the native object and the remedy. */
    public record Hit(String field, Remedy remedy) {
    }

    /** The immutable fields among {@code diff}, the fields of a {@code kind} an update from the live object would change. */
    public static List<Hit> hits(String kind, List<FieldChange> diff) {
        List<Hit> out = new ArrayList<>();
        for (FieldChange f : diff) {
            String p = f.path();
            switch (kind) {
                case "Job" -> {
                    if (under(p, "spec.template") || under(p, "spec.selector") || under(p, "spec.completions")
                            || under(p, "spec.completionMode")) {
                        out.add(new Hit(p, Remedy.RECREATE));
                    }
                }
                case "PersistentVolumeClaim" -> {
                    if (under(p, "spec") && !(p.equals("spec.resources.requests.storage") && grows(f.before(), f.after()))) {
                        out.add(new Hit(p, Remedy.REFUSE));
                    }
                }
                case "Deployment", "DaemonSet" -> {
                    if (under(p, "spec.selector")) {
                        out.add(new Hit(p, Remedy.REFUSE));
                    }
                }
                case "Service" -> {
                    if (under(p, "spec.clusterIP") || under(p, "spec.clusterIPs")) {
                        out.add(new Hit(p, Remedy.REFUSE));
                    }
                }
                default -> {
                    // no immutable field Baton renders
                }
            }
        }
        return out;
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + ".") || path.startsWith(prefix + "[");
    }

    /** Whether a storage request (JSON text, e.g. {@code "1Gi"}) grows. */
    private static boolean grows(String before, String after) {
        if (before == null || after == null) {
            return false;
        }
        try {
            return ByteSize.parse(unquote(after)).bytes() > ByteSize.parse(unquote(before)).bytes();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String unquote(String json) {
        return json.startsWith("\"") && json.endsWith("\"") ? json.substring(1, json.length() - 1) : json;
    }
}
