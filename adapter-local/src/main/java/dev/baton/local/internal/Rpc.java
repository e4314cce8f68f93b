package dev.baton.local.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.baton.AuthenticationException;
import dev.baton.ConflictException;
import dev.baton.InvalidSpecException;
import dev.baton.NotFoundException;
import dev.baton.OrchestratorException;
import dev.baton.PlatformException;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Unsupported;
import dev.baton.Violation;
import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The JSON form of calls between the local orchestrator and its supervisor daemon, including failures. */
final class Rpc {
    static final String TOKEN_HEADER = "X-Baton-Token";
    static final ObjectMapper JSON = mapper();

    private Rpc() {
    }

    private static ObjectMapper mapper() {
        SimpleModule values = new SimpleModule("baton-values");
        values.addSerializer(Cpu.class, toText(Cpu.class));
        values.addSerializer(ByteSize.class, toText(ByteSize.class));
        values.addDeserializer(Cpu.class, fromText(Cpu::parse));
        values.addDeserializer(ByteSize.class, fromText(ByteSize::parse));
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .registerModule(values)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private static <T> StdSerializer<T> toText(Class<T> type) {
        return new StdSerializer<>(type) {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(value.toString());
            }
        };
    }

    private static <T> JsonDeserializer<T> fromText(Function<String, T> parse) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return parse.apply(p.getValueAsString());
            }
        };
    }

    /** A failure as the daemon sends it: an HTTP status and a JSON body the client turns back into the exception. */
    record Failure(int status, ObjectNode body) {
    }

    static Failure failure(RuntimeException e) {
        ObjectNode body = JSON.createObjectNode();
        body.put("message", e.getMessage());
        int status;
        if (e instanceof InvalidSpecException invalid) {
            status = 400;
            body.put("type", "invalid");
            body.set("violations", JSON.valueToTree(invalid.violations()));
        } else if (e instanceof UnsupportedCapabilityException u) {
            status = 422;
            body.put("type", "unsupported");
            body.set("unsupported", JSON.valueToTree(u.unsupported()));
        } else if (e instanceof NotFoundException) {
            status = 404;
            body.put("type", "not-found");
        } else if (e instanceof ConflictException) {
            status = 409;
            body.put("type", "conflict");
        } else if (e instanceof AuthenticationException) {
            status = 403;
            body.put("type", "auth");
        } else if (e instanceof OrchestratorException) {
            status = 500;
            body.put("type", "platform");
        } else {
            status = 500;
            body.put("type", "internal");
            body.put("message", e.toString());
        }
        return new Failure(status, body);
    }

    static OrchestratorException exception(int status, String text) {
        JsonNode body;
        try {
            body = JSON.readTree(text);
        } catch (IOException e) {
            return PlatformException.of(Engine.PLATFORM, status, text);
        }
        String message = body.path("message").asText("");
        String type = body.path("type").asText("");
        switch (type) {
            case "invalid": {
                List<Violation> vs = new ArrayList<>();
                body.path("violations").forEach(v -> vs.add(new Violation(v.path("path").asText(), v.path("message").asText())));
                return vs.isEmpty() ? InvalidSpecException.of("", message) : InvalidSpecException.of(vs);
            }
            case "unsupported": {
                List<Unsupported> us = new ArrayList<>();
                body.path("unsupported").forEach(u -> us.add(new Unsupported(u.path("path").asText(), u.path("capability").asText(),
                        u.path("platform").asText(), u.path("reason").isNull() ? null : u.path("reason").asText(null),
                        u.path("droppable").asBoolean())));
                return us.isEmpty() ? UnsupportedCapabilityException.operation(Engine.PLATFORM, "operation", message)
                        : UnsupportedCapabilityException.of(Engine.PLATFORM, us);
            }
            case "not-found":
                return NotFoundException.of(Engine.PLATFORM, message);
            case "conflict":
                return ConflictException.of(Engine.PLATFORM, message);
            default:
                return PlatformException.of(Engine.PLATFORM, status, message);
        }
    }
}
