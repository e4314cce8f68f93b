package dev.baton.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A portable job, the {@code baton/v1} document: one or more groups of tasks plus the secrets, volumes, update
 * and placement policy and native extensions they use. Built by the spec reader or by {@link #builder(String)};
 * both give the same model, checked by the same validation.
 *
 * <p>{@code namespace}, {@code schedule}, {@code timeZone}, {@code update} and {@code placement} are {@code null}
 * when the document does not set them.
 *
 * @since 0.1
 */
public record JobSpec(
        String name,
        String namespace,
        JobType type,
        String schedule,
        String timeZone,
        Map<String, String> labels,
        List<GroupSpec> groups,
        List<SecretRef> secrets,
        List<VolumeSpec> volumes,
        UpdatePolicy update,
        PlacementPolicy placement,
        Extensions extensions) {

    /** The only {@code apiVersion} this model reads and writes. */
    public static final String API_VERSION = "baton/v1";

    public JobSpec {
        type = type == null ? JobType.SERVICE : type;
        labels = Copy.map(labels);
        groups = Copy.list(groups);
        secrets = Copy.list(secrets);
        volumes = Copy.list(volumes);
        extensions = extensions == null ? Extensions.NONE : extensions;
    }

    public Optional<GroupSpec> group(String groupName) {
        return groups.stream().filter(g -> g.name().equals(groupName)).findFirst();
    }

    /** A copy with one group replaced by {@code change} applied to it. */
    public JobSpec withGroup(String groupName, UnaryOperator<GroupSpec> change) {
        List<GroupSpec> copy = new ArrayList<>();
        for (GroupSpec g : groups) {
            copy.add(g.name().equals(groupName) ? change.apply(g) : g);
        }
        return toBuilder().groups(copy).build();
    }

    /** A copy with one group's count changed. */
    public JobSpec withCount(String groupName, int count) {
        return withGroup(groupName, g -> g.toBuilder().count(count).build());
    }

    public static Builder builder(String name) {
        return new Builder().name(name);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.namespace = namespace;
        b.type = type;
        b.schedule = schedule;
        b.timeZone = timeZone;
        b.labels = new LinkedHashMap<>(labels);
        b.groups = new ArrayList<>(groups);
        b.secrets = new ArrayList<>(secrets);
        b.volumes = new ArrayList<>(volumes);
        b.update = update;
        b.placement = placement;
        b.extensions = extensions;
        return b;
    }

    /** Builds a {@link JobSpec}. */
    public static final class Builder {
        private String name;
        private String namespace;
        private JobType type;
        private String schedule;
        private String timeZone;
        private Map<String, String> labels = new LinkedHashMap<>();
        private List<GroupSpec> groups = new ArrayList<>();
        private List<SecretRef> secrets = new ArrayList<>();
        private List<VolumeSpec> volumes = new ArrayList<>();
        private UpdatePolicy update;
        private PlacementPolicy placement;
        private Extensions extensions = Extensions.NONE;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder type(JobType type) {
            this.type = type;
            return this;
        }

        public Builder schedule(String schedule) {
            this.schedule = schedule;
            return this;
        }

        public Builder timeZone(String timeZone) {
            this.timeZone = timeZone;
            return this;
        }

        public Builder label(String key, String value) {
            this.labels.put(key, value);
            return this;
        }

        public Builder labels(Map<String, String> labels) {
            this.labels = new LinkedHashMap<>(labels);
            return this;
        }

        public Builder group(GroupSpec group) {
            this.groups.add(group);
            return this;
        }

        public Builder groups(List<GroupSpec> groups) {
            this.groups = new ArrayList<>(groups);
            return this;
        }

        public Builder secret(String secretName) {
            this.secrets.add(new SecretRef(secretName));
            return this;
        }

        public Builder secrets(List<SecretRef> secrets) {
            this.secrets = new ArrayList<>(secrets);
            return this;
        }

        public Builder volume(VolumeSpec volume) {
            this.volumes.add(volume);
            return this;
        }

        public Builder volumes(List<VolumeSpec> volumes) {
            this.volumes = new ArrayList<>(volumes);
            return this;
        }

        public Builder update(UpdatePolicy update) {
            this.update = update;
            return this;
        }

        public Builder placement(PlacementPolicy placement) {
            this.placement = placement;
            return this;
        }

        public Builder extensions(Extensions extensions) {
            this.extensions = extensions;
            return this;
        }

        /** Sets the merge patch for one platform id. */
        public Builder extension(String platformId, Map<String, Object> patch) {
            this.extensions = extensions.with(platformId, patch);
            return this;
        }

        public JobSpec build() {
            return new JobSpec(name, namespace, type, schedule, timeZone, labels, groups, secrets, volumes, update,
                    placement, extensions);
        }
    }
}
