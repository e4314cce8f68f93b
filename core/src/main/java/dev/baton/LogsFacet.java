package dev.baton;

import java.util.List;

/**
 * Reads instances' output.
 *
 * @since 0.1
 */
public interface LogsFacet {

    /** The last {@code tailLines} lines of stdout and stderr of every instance of a job, oldest first. */
    List<LogLine> logs(String jobId, int tailLines);

    /** One line an instance wrote. */
    record LogLine(String instance, String stream, String line) {
        @Override
        public String toString() {
            return "[" + instance + "] " + line;
        }
    }
}
