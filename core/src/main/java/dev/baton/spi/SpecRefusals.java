package dev.baton.spi;

import dev.baton.Unsupported;
import dev.baton.model.JobSpec;
import java.util.List;

/**
 * What an adapter cannot honour of a spec beyond what its {@link dev.baton.Capabilities} say: the structural rules its
 * translation depends on (how many checks a task may have, volumes shared by instances, port clashes, name lengths,
 * minimum sizes, what one job type ignores). Implemented by an adapter's orchestrator; the core calls it, with the
 * capability check, before {@code plan}, {@code render} and {@code deploy}, so all three report the same complete list
 * and nothing is sent while it is not empty. It reads nothing from the platform.
 *
 * @since 0.1
 */
public interface SpecRefusals {

    /** Every field of {@code spec} this platform cannot honour, each with its path and reason, in one pass; empty when it can run it. */
    List<Unsupported> refusals(JobSpec spec);
}
