package dev.baton;

import dev.baton.model.CheckKind;
import dev.baton.model.Exposure;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.Operator;
import dev.baton.model.RestartMode;
import dev.baton.model.TaskKind;
import dev.baton.model.UpdateStrategy;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a platform honours: job types, task kinds, check kinds, exposure kinds, restart modes, update strategies
 * and failure actions, constraint operators, and further {@link Feature}s; plus, for what it lacks, the reason
 * to give the user. Known before any call, so a spec can be checked before anything is sent.
 *
 * @since 0.1
 */
public record Capabilities(
        String platform,
        Set<JobType> jobTypes,
        Set<TaskKind> taskKinds,
        Set<CheckKind> checkKinds,
        Set<Exposure> exposures,
        Set<RestartMode> restartModes,
        Set<UpdateStrategy> updateStrategies,
        Set<OnFailure> onFailure,
        Set<Operator> constraintOperators,
        Set<Feature> features,
        Map<String, String> reasons) {

    public Capabilities {
        jobTypes = Set.copyOf(jobTypes);
        taskKinds = Set.copyOf(taskKinds);
        checkKinds = Set.copyOf(checkKinds);
        exposures = Set.copyOf(exposures);
        restartModes = Set.copyOf(restartModes);
        updateStrategies = Set.copyOf(updateStrategies);
        onFailure = Set.copyOf(onFailure);
        constraintOperators = Set.copyOf(constraintOperators);
        features = Set.copyOf(features);
        reasons = Map.copyOf(reasons);
    }

    public boolean supports(Feature feature) {
        return features.contains(feature);
    }

    /** The reason a capability is missing, keyed as in {@link #matrix()} (for example {@code jobType.cron}). */
    public String reason(String key) {
        return reasons.get(key);
    }

    /**
     * Every capability as a row key ({@code jobType.batch}, {@code check.http}, {@code feature.ROLLBACK}, …) and
     * whether it is honoured, in a stable order: the source of the capability matrix.
     */
    public Map<String, Boolean> matrix() {
        Map<String, Boolean> rows = new LinkedHashMap<>();
        for (JobType v : JobType.values()) {
            rows.put("jobType." + v.id(), jobTypes.contains(v));
        }
        for (TaskKind v : TaskKind.values()) {
            rows.put("task." + v.id(), taskKinds.contains(v));
        }
        for (CheckKind v : CheckKind.values()) {
            rows.put("check." + v.id(), checkKinds.contains(v));
        }
        for (Exposure v : Exposure.values()) {
            rows.put("expose." + v.id(), exposures.contains(v));
        }
        for (RestartMode v : RestartMode.values()) {
            rows.put("restart." + v.id(), restartModes.contains(v));
        }
        for (UpdateStrategy v : UpdateStrategy.values()) {
            rows.put("update." + v.id(), updateStrategies.contains(v));
        }
        for (OnFailure v : OnFailure.values()) {
            rows.put("onFailure." + v.id(), onFailure.contains(v));
        }
        for (Operator v : Operator.values()) {
            rows.put("constraint." + v.id(), constraintOperators.contains(v));
        }
        for (Feature v : Feature.values()) {
            rows.put("feature." + v.name(), features.contains(v));
        }
        return rows;
    }

    public static Builder builder(String platform) {
        return new Builder(platform);
    }

    /** Builds {@link Capabilities}; everything starts unsupported. */
    public static final class Builder {
        private final String platform;
        private final Set<JobType> jobTypes = EnumSet.noneOf(JobType.class);
        private final Set<TaskKind> taskKinds = EnumSet.noneOf(TaskKind.class);
        private final Set<CheckKind> checkKinds = EnumSet.noneOf(CheckKind.class);
        private final Set<Exposure> exposures = EnumSet.noneOf(Exposure.class);
        private final Set<RestartMode> restartModes = EnumSet.noneOf(RestartMode.class);
        private final Set<UpdateStrategy> updateStrategies = EnumSet.noneOf(UpdateStrategy.class);
        private final Set<OnFailure> onFailure = EnumSet.noneOf(OnFailure.class);
        private final Set<Operator> operators = EnumSet.noneOf(Operator.class);
        private final Set<Feature> features = EnumSet.noneOf(Feature.class);
        private final Map<String, String> reasons = new LinkedHashMap<>();

        private Builder(String platform) {
            this.platform = platform;
        }

        public Builder jobTypes(JobType... v) {
            jobTypes.addAll(java.util.List.of(v));
            return this;
        }

        public Builder taskKinds(TaskKind... v) {
            taskKinds.addAll(java.util.List.of(v));
            return this;
        }

        public Builder checkKinds(CheckKind... v) {
            checkKinds.addAll(java.util.List.of(v));
            return this;
        }

        public Builder exposures(Exposure... v) {
            exposures.addAll(java.util.List.of(v));
            return this;
        }

        public Builder restartModes(RestartMode... v) {
            restartModes.addAll(java.util.List.of(v));
            return this;
        }

        public Builder updateStrategies(UpdateStrategy... v) {
            updateStrategies.addAll(java.util.List.of(v));
            return this;
        }

        public Builder onFailure(OnFailure... v) {
            onFailure.addAll(java.util.List.of(v));
            return this;
        }

        public Builder constraintOperators(Operator... v) {
            operators.addAll(java.util.List.of(v));
            return this;
        }

        public Builder features(Feature... v) {
            features.addAll(java.util.List.of(v));
            return this;
        }

        public Builder features(Collection<Feature> v) {
            features.addAll(v);
            return this;
        }

        /** Everything in every category. */
        public Builder everything() {
            jobTypes.addAll(EnumSet.allOf(JobType.class));
            taskKinds.addAll(EnumSet.allOf(TaskKind.class));
            checkKinds.addAll(EnumSet.allOf(CheckKind.class));
            exposures.addAll(EnumSet.allOf(Exposure.class));
            restartModes.addAll(EnumSet.allOf(RestartMode.class));
            updateStrategies.addAll(EnumSet.allOf(UpdateStrategy.class));
            onFailure.addAll(EnumSet.allOf(OnFailure.class));
            operators.addAll(EnumSet.allOf(Operator.class));
            features.addAll(EnumSet.allOf(Feature.class));
            return this;
        }

        /** Removes a feature, for example after {@link #everything()}. */
        public Builder without(Feature... v) {
            java.util.List.of(v).forEach(features::remove);
            return this;
        }

        /** Why a capability is missing, keyed as in {@link Capabilities#matrix()}. */
        public Builder reason(String key, String reason) {
            reasons.put(key, reason);
            return this;
        }

        public Capabilities build() {
            return new Capabilities(platform, jobTypes, taskKinds, checkKinds, exposures, restartModes, updateStrategies,
                    onFailure, operators, features, reasons);
        }
    }
}
