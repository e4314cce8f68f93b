package dev.baton;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.internal.spec.SpecCodec;
import dev.baton.model.JobSpec;
import dev.baton.plan.FieldChange;
import dev.baton.spi.JsonDiff;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads, checks and writes {@code baton/v1} specs. Reading reports every problem of a document at once in an
 * {@link InvalidSpecException}, each with its path; it refuses documents over 1 MiB, nested deeper than 64 levels,
 * or with YAML alias bombs. Writing gives a canonical YAML or JSON form, and {@code read(toYaml(spec))} equals
 * {@code spec}.
 *
 * @since 0.1
 */
public final class Specs {
    private Specs() {
    }

    /** Reads a YAML or JSON document. */
    public static JobSpec read(String document) {
        return SpecCodec.read(document.getBytes(StandardCharsets.UTF_8));
    }

    public static JobSpec read(InputStream in) {
        return SpecCodec.read(in);
    }

    public static JobSpec read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return SpecCodec.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Checks a spec built in code with the rules a document is checked by; throws if anything is wrong. */
    public static JobSpec validate(JobSpec spec) {
        List<Violation> violations = SpecCodec.validate(spec);
        if (!violations.isEmpty()) {
            throw InvalidSpecException.of(violations);
        }
        return spec;
    }

    public static String toYaml(JobSpec spec) {
        return SpecCodec.toYaml(spec);
    }

    public static String toJson(JobSpec spec) {
        return SpecCodec.toJson(spec);
    }

    /** The document fields that differ between two specs. */
    public static List<FieldChange> diff(JobSpec before, JobSpec after) {
        JsonNode a = before == null ? null : SpecCodec.tree(before);
        JsonNode b = after == null ? null : SpecCodec.tree(after);
        return JsonDiff.diff(a, b);
    }
}
