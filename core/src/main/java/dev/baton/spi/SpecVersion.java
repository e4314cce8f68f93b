package dev.baton.spi;

import dev.baton.internal.spec.SpecCodec;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A short fingerprint of what a spec runs, leaving out group counts (scaling is not a new version). Adapters
 * store it on the native objects they create ({@link #LABEL}) so that an unchanged redeploy is recognised,
 * instance versions can be reported, and a rollback can be checked against the version it returned to.
 *
 * @since 0.1
 */
public final class SpecVersion {
    /** The label or annotation key adapters store the version under. */
    public static final String LABEL = "baton.dev/version";
    /** The label key marking objects Baton manages, with the job name as value. */
    public static final String JOB_LABEL = "baton.dev/job";
    /** The label key naming the group an object belongs to. */
    public static final String GROUP_LABEL = "baton.dev/group";

    private SpecVersion() {
    }

    /** Twelve hex digits of the SHA-256 of the canonical spec without counts. */
    public static String of(JobSpec spec) {
        JobSpec countless = spec.toBuilder()
                .groups(spec.groups().stream().map(g -> g.toBuilder().count(null).build()).toList())
                .build();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(SpecCodec.toJson(countless).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The desired instances of a group: its count, or 1. */
    public static int desired(GroupSpec g) {
        return g.countOrDefault();
    }
}
