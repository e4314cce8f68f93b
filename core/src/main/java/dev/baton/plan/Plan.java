package dev.baton.plan;

import dev.baton.Unsupported;
import java.util.List;

/**
 * The result of {@code plan(spec)}: what a deploy would do, every field the target cannot honour, and warnings
 * (with a best-effort translation, one per dropped field). Planning never changes anything.
 *
 * @since 0.1
 */
public record Plan(String platform, String jobId, List<Change> changes, List<Unsupported> unsupported, List<String> warnings) {
    public Plan {
        changes = List.copyOf(changes);
        unsupported = unsupported == null ? List.of() : List.copyOf(unsupported);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** Whether a deploy would change nothing. */
    public boolean isNoOp() {
        return changes.stream().allMatch(c -> c.action() == Change.Action.NONE);
    }

    /** This plan with more refusals and warnings; one already listed (same path and capability, same text) is not repeated. */
    public Plan withUnsupported(List<Unsupported> more, List<String> moreWarnings) {
        var u = new java.util.ArrayList<>(unsupported);
        more.stream().filter(m -> u.stream().noneMatch(x -> x.path().equals(m.path()) && x.capability().equals(m.capability())))
                .forEach(u::add);
        var w = new java.util.ArrayList<>(warnings);
        moreWarnings.stream().filter(m -> !w.contains(m)).forEach(w::add);
        return new Plan(platform, jobId, changes, u, w);
    }

    /** A readable multi-line summary. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Change c : changes) {
            sb.append(switch (c.action()) {
                case CREATE -> "+ ";
                case UPDATE -> "~ ";
                case REPLACE -> "-/+ ";
                case DESTROY -> "- ";
                case NONE -> "  ";
            }).append(c.kind()).append(' ').append(c.name()).append('\n');
            for (FieldChange f : c.fields()) {
                sb.append("    ").append(f).append('\n');
            }
        }
        for (Unsupported u : unsupported) {
            sb.append("! ").append(u).append('\n');
        }
        for (String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }
}
