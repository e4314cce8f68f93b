package dev.baton.internal.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.InvalidSpecException;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;
import org.yaml.snakeyaml.DumperOptions;

/**
 * Parses YAML into a JSON tree with SnakeYAML's safe loader, which resolves anchors and aliases for real (Jackson's
 * YAML parser would turn an alias into its anchor's name) while limiting alias expansion, nesting depth and size.
 * Scalars follow the YAML 1.2 core schema: only {@code true}/{@code false} are booleans, so {@code yes}, {@code on}
 * and {@code no} stay strings, and timestamps stay strings.
 */
final class YamlTree {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private YamlTree() {
    }

    /** A resolver for the YAML 1.2 core schema (no YAML 1.1 yes/no/on/off booleans, no timestamps). */
    private static final class CoreSchemaResolver extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF");
            addImplicitResolver(Tag.INT, Pattern.compile("^[-+]?[0-9]+$"), "-+0123456789");
            addImplicitResolver(Tag.FLOAT, Pattern.compile("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"), "-+0123456789.");
            addImplicitResolver(Tag.NULL, Pattern.compile("^(?:~|null|Null|NULL| )$"), "~nN\0");
            addImplicitResolver(Tag.NULL, Pattern.compile("^$"), null);
            addImplicitResolver(Tag.MERGE, Pattern.compile("^(?:<<)$"), "<");
        }
    }

    static JsonNode parse(String text) {
        LoaderOptions loader = new LoaderOptions();
        loader.setMaxAliasesForCollections(SpecCodec.MAX_ALIASES);
        loader.setAllowDuplicateKeys(false);
        loader.setNestingDepthLimit(SpecCodec.MAX_DEPTH);
        loader.setCodePointLimit(SpecCodec.MAX_DOCUMENT_BYTES);
        loader.setAllowRecursiveKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(loader), new Representer(new DumperOptions()), new DumperOptions(), loader,
                new CoreSchemaResolver());
        Object value;
        try {
            value = yaml.load(text);
        } catch (MarkedYAMLException e) {
            throw InvalidSpecException.of("", "malformed YAML" + where(e) + ": " + describe(e));
        } catch (YAMLException e) {
            throw InvalidSpecException.of("", "malformed YAML: " + describe(e));
        }
        if (value == null) {
            throw InvalidSpecException.of("", "the document is empty");
        }
        try {
            return MAPPER.valueToTree(value);
        } catch (IllegalArgumentException e) {
            throw InvalidSpecException.of("", "unsupported YAML value: " + e.getMessage());
        }
    }

    private static String where(MarkedYAMLException e) {
        Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        return m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
    }

    private static String describe(YAMLException e) {
        String all = String.valueOf(e.getMessage());
        if (all.contains("Number of aliases")) {
            return "too many aliases (more than " + SpecCodec.MAX_ALIASES + "); alias expansion is limited to refuse alias bombs";
        }
        if (all.contains("Nesting Depth") || all.contains("nesting depth")) {
            return "nested deeper than " + SpecCodec.MAX_DEPTH + " levels";
        }
        if (all.contains("code points")) {
            return "the document is larger than the limit of " + SpecCodec.MAX_DOCUMENT_BYTES + " bytes (1 MiB)";
        }
        if (e instanceof MarkedYAMLException m) {
            String problem = m.getProblem() == null ? "" : m.getProblem();
            if (problem.startsWith("found duplicate key")) {
                return problem.replace("found duplicate key", "duplicate key");
            }
            String context = m.getContext();
            return context == null ? problem : context + ": " + problem;
        }
        return all.lines().findFirst().orElse(all);
    }
}
