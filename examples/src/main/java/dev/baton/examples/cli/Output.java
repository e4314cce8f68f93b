package dev.baton.examples.cli;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What {@code -o json} and {@code -o yaml} print: the records the Java API returns ({@code JobStatus},
 * {@code JobSummary}, {@code Host}, {@code Endpoint}, {@code Plan}, {@code SecretInfo}, {@code Capabilities},
 * {@code SupervisorStatus}), one field per record component under the component's name, every field present
 * ({@code null} where the API has none). {@link #configure} is the whole mapper configuration, so a Java program reads
 * the output back into the same records with a mapper configured the same way:
 * <ul>
 *   <li>{@code Instant}s as ISO-8601 text ({@code JavaTimeModule}, no timestamps);</li>
 *   <li>{@code Cpu} and {@code ByteSize} as their canonical text ({@code "250m"}, {@code "128Mi"}), read back with
 *       {@code Cpu.parse} and {@code ByteSize.parse};</li>
 *   <li>only record components: {@code isX()} methods that are not components are not properties;</li>
 *   <li>map entries sorted by key and sets sorted, so the same state prints the same text.</li>
 * </ul>
 * Enums are written by name ({@code RUNNING}), as Jackson does by default.
 */
final class Output {

    /** How a command prints what it read. */
    enum Format {
        text, json, yaml
    }

    private Output() {
    }

    /** The mapper configuration of {@code -o json} and {@code -o yaml} (the README shows it). */
    static <M extends ObjectMapper, B extends MapperBuilder<M, B>> B configure(B builder) {
        SimpleModule quantities = new SimpleModule("baton-output");
        quantities.addSerializer(Cpu.class, ToStringSerializer.instance);
        quantities.addSerializer(ByteSize.class, ToStringSerializer.instance);
        quantities.addDeserializer(Cpu.class, fromText(Cpu::parse));
        quantities.addDeserializer(ByteSize.class, fromText(ByteSize::parse));
        @SuppressWarnings({"rawtypes", "unchecked"})
        Class<Set<?>> sets = (Class) Set.class;
        quantities.addSerializer(sets, new SortedSetSerializer());
        return builder.addModule(new JavaTimeModule())
                .addModule(quantities)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .visibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);
    }

    static ObjectMapper json() {
        return configure(JsonMapper.builder()).enable(SerializationFeature.INDENT_OUTPUT).build();
    }

    static ObjectMapper yaml() {
        return configure(YAMLMapper.builder(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build()))
                .build();
    }

    /** Prints a value in a machine-readable format ({@code json} or {@code yaml}). */
    static void print(Format format, Object value, PrintWriter out) {
        try {
            String text = (format == Format.yaml ? yaml() : json()).writeValueAsString(value);
            out.print(text);
            if (!text.endsWith("\n")) {
                out.println();
            }
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + format + ": " + e.getOriginalMessage(), e);
        }
    }

    /** A table cell: {@code -} for what the platform does not tell. */
    static String cell(Object value) {
        return value == null ? "-" : value.toString();
    }

    /** A map as {@code k=v,k2=v2}, sorted by key; {@code -} when empty. */
    static String pairs(Map<String, ?> map) {
        if (map == null || map.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(map).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    /** Rows as columns padded to their widest cell (the last column is not padded). */
    static void table(List<String[]> rows, PrintWriter out) {
        if (rows.isEmpty()) {
            return;
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(i == r.length - 1 ? r[i] : String.format("%-" + widths[i] + "s  ", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static <T> JsonDeserializer<T> fromText(Function<String, T> parse) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                String text = p.getValueAsString();
                try {
                    return parse.apply(text);
                } catch (IllegalArgumentException e) {
                    return (T) ctxt.handleWeirdStringValue(handledType(), text, e.getMessage());
                }
            }
        };
    }

    /** Writes a set in a stable order: sorted when its elements are comparable (enums by declaration order). */
    private static final class SortedSetSerializer extends JsonSerializer<Set<?>> {
        @Override
        public void serialize(Set<?> value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            List<Object> items = new ArrayList<>(value);
            if (items.stream().allMatch(x -> x instanceof Comparable)) {
                items.sort((a, b) -> compare(a, b));
            }
            serializers.defaultSerializeValue((Collection<?>) items, gen);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private static int compare(Object a, Object b) {
            return ((Comparable) a).compareTo(b);
        }
    }
}
