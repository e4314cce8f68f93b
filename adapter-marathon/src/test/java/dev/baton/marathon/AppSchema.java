package dev.baton.marathon;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Marathon's app JSON Schema (v1.7, the last release that shipped it) from {@code ../shared/upstream/marathon/},
 * validated with networknt's validator (draft 4). Absent folder: {@link #load()} is null and callers skip.
 */
final class AppSchema {
    private final Schema schema;

    private AppSchema(Schema schema) {
        this.schema = schema;
    }

    static AppSchema load() throws IOException {
        Path dir = dev.baton.testkit.Upstream.dir("marathon").orElse(null);
        if (dir == null) {
            System.err.println(dev.baton.testkit.Upstream.absent("marathon"));
            return null;
        }
        // the file names the generic meta-schema "http://json-schema.org/schema#"; its keywords are draft 4's
        String text = Files.readString(dir.resolve("schema/AppDefinition.json"))
                .replace("\"http://json-schema.org/schema#\"", "\"http://json-schema.org/draft-04/schema#\"");
        return new AppSchema(SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(text, InputFormat.JSON));
    }

    /**
     * The schema's complaints about an app definition, empty when it is valid. {@code role} is left out: Marathon 1.9 added
     * it (RAML {@code App.role}, v1.10.26), after the last schema; 1.7 and 1.8 read apps with Play JSON readers, which
     * ignore a field they do not know.
     */
    List<String> validate(String appJson) {
        String checked = appJson;
        try {
            var app = new com.fasterxml.jackson.databind.ObjectMapper().readTree(appJson);
            if (app instanceof com.fasterxml.jackson.databind.node.ObjectNode o && o.has("role")) {
                checked = o.deepCopy().without("role").toString();
            }
        } catch (IOException e) {
            // not JSON: the schema says so
        }
        return schema.validate(checked, InputFormat.JSON).stream().map(Object::toString).toList();
    }
}
