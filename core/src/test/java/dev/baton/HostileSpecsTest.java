package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.baton.model.JobSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The reader against input made to hurt it: it refuses, quickly and in a few words, and never breaks. */
class HostileSpecsTest {

    private static InvalidSpecException refusal(String document) {
        Throwable t = catchThrowable(() -> Specs.read(document));
        assertThat(t).isInstanceOf(InvalidSpecException.class);
        InvalidSpecException e = (InvalidSpecException) t;
        // whatever was fed in, the answer is short: values are cut, nothing is echoed whole
        assertThat(e.getMessage().length()).as("message length").isLessThan(2_000);
        return e;
    }

    @Test
    void aliasesRepeatingALongScalarAreCountedAsWhatTheyExpandTo() {
        StringBuilder doc = new StringBuilder("apiVersion: baton/v1\nname: bomb\nx: &big \"" + "a".repeat(500_000) + "\"\ngroups:\n");
        for (int i = 0; i < 5; i++) {
            doc.append("  - {name: g").append(i).append(", tasks: [{name: t, image: *big}]}\n");
        }

        InvalidSpecException e = refusal(doc.toString());

        assertThat(e.getMessage()).contains("expands through its aliases to more than 1048576 characters");
    }

    @Test
    void aliasesToScalarsInsideAnAliasedListCountEveryTime() {
        String doc = "apiVersion: baton/v1\nname: bomb\na: &a [\"" + "x".repeat(60_000) + "\", \"" + "y".repeat(60_000) + "\"]\n"
                + "b: &b [*a, *a, *a, *a, *a]\nc: [*b, *b, *b]\ngroups: []\n";

        assertThat(refusal(doc).getMessage()).contains("expands through its aliases");
    }

    @Test
    void aNumberOfAMillionDigitsIsRefusedBeforeItIsConvertedAndNotEchoed() {
        String digits = "9".repeat(1_000_000);

        InvalidSpecException yaml = refusal("apiVersion: baton/v1\nname: n\ngroups:\n  - name: g\n    count: " + digits + "\n    tasks: [{name: t, image: x}]\n");
        InvalidSpecException json = refusal("{\"apiVersion\":\"baton/v1\",\"name\":\"n\",\"groups\":[{\"name\":\"g\",\"count\":" + digits + "}]}");

        assertThat(yaml.getMessage()).contains("a number of 1000000 characters; numbers are at most 40 characters long");
        assertThat(json.getMessage()).contains("a number longer than 40 characters").doesNotContain("1 MiB");
    }

    @Test
    void aLongQuotedNumberIsQuotedCut() {
        InvalidSpecException e = refusal("apiVersion: baton/v1\nname: n\ngroups:\n  - name: g\n    count: \"" + "7".repeat(5000)
                + "\"\n    tasks: [{name: t, image: x}]\n");

        assertThat(e.violations()).anySatisfy(v -> {
            assertThat(v.path()).isEqualTo("groups[0].count");
            assertThat(v.message()).isEqualTo("expected an integer, got \"" + "7".repeat(80) + "\"… (5000 characters)");
        });
    }

    @Test
    void controlCharactersInKeysAndValuesAreEscapedInMessages() {
        InvalidSpecException e = refusal("apiVersion: baton/v1\nname: n\ngroups:\n  - name: g\n    tasks: [{name: t, image: x, \"bad\\0key\\u202e\": 1,"
                + " env: {\"A\\nB\": v}}]\n    count: \"1\\u202e2\"\n");

        String all = e.getMessage();
        assertThat(all).doesNotContain("\0").doesNotContain("\u202e");
        assertThat(e.violations()).extracting(Violation::path).contains("groups[0].tasks[0].bad\\u0000key\\u202e", "groups[0].tasks[0].env.A\\nB");
        assertThat(e.violations()).anySatisfy(v -> assertThat(v.message()).isEqualTo("expected an integer, got \"1\\u202e2\""));
    }

    /** Seeded mutations of the reference example: every one is read or refused with an InvalidSpecException, never anything else. */
    @Test
    void mutatedDocumentsAreReadOrRefusedNeverThrownAtOtherwise() throws Exception {
        String base = referenceExample().orElse(SpecsTestDocuments.MINIMAL);
        String[] tokens = {"*a", "&a ", "{", "}", "[", "]", ": ", "- ", "\n", "\t", "\"", "'", "\0", "\u202e", "9".repeat(45),
                "<<: *a", "!!binary ", "? ", "%YAML 1.1\n", "---\n", "...\n", "1e999", "-0", "0x1F", ".nan", "~"};
        Random random = new Random(20261202);
        for (int run = 0; run < 1_000; run++) {
            StringBuilder doc = new StringBuilder(base);
            int edits = 1 + random.nextInt(4);
            for (int i = 0; i < edits; i++) {
                int at = random.nextInt(doc.length() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> doc.insert(at, tokens[random.nextInt(tokens.length)]);
                    case 1 -> doc.delete(at, Math.min(doc.length(), at + 1 + random.nextInt(8)));
                    default -> {
                        if (at < doc.length()) {
                            doc.setCharAt(at, (char) (32 + random.nextInt(95)));
                        }
                    }
                }
            }
            String document = doc.toString();
            Throwable t = catchThrowable(() -> Specs.read(document));
            assertThat(t).as("run %d:%n%s", run, document).satisfiesAnyOf(
                    x -> assertThat(x).isNull(), x -> assertThat(x).isInstanceOf(InvalidSpecException.class));
        }
    }

    @Test
    void theSpecReferencesCompleteExampleIsValid() throws Exception {
        String example = referenceExample().orElse(null);
        Assumptions.assumeTrue(example != null, "docs/spec.md not found from " + Path.of("").toAbsolutePath());

        JobSpec spec = Specs.read(example);

        assertThat(spec.name()).isEqualTo("shop-web");
        assertThat(Specs.read(Specs.toYaml(spec))).isEqualTo(spec);
    }

    @Test
    void anEmptyOrNullDocumentIsRefusedClearly() {
        assertThatThrownBy(() -> Specs.read("")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Specs.read("~\n")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("empty");
    }

    /** The first ```yaml block of docs/spec.md, the complete {@code baton/v1} example. */
    static java.util.Optional<String> referenceExample() throws Exception {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path doc = dir.resolve("docs/spec.md");
            if (Files.isRegularFile(doc)) {
                Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(doc, StandardCharsets.UTF_8));
                return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
            }
        }
        return java.util.Optional.empty();
    }

    /** A document to mutate when the reference is not at hand. */
    static final class SpecsTestDocuments {
        static final String MINIMAL = String.join("\n", List.of("apiVersion: baton/v1", "name: shop", "groups:",
                "  - name: web", "    count: 2", "    tasks:", "      - name: server", "        image: nginx:1.27",
                "        ports: [{name: http, port: 8080}]", "        health:", "          - http: {port: http, path: /healthz}",
                "    services: [{name: shop, port: http}]", "")) + "\n";

        private SpecsTestDocuments() {
        }
    }
}
