package dev.baton.kubernetes.apiserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A failed request, answered with a {@code Status} as the API server builds it. Sources: kubernetes/kubernetes
 * {@code staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go} ({@code NewInvalid}: 422, reason {@code Invalid},
 * message {@code <Kind.group> "<name>" is invalid: <errors>}, one cause per field error; {@code NewConflict}: 409,
 * {@code Operation cannot be fulfilled on <resource.group> "<name>": <why>}; {@code NewAlreadyExists},
 * {@code NewNotFound}, {@code NewBadRequest}, {@code NewApplyConflict}, {@code NewResourceExpired}: 410 {@code Expired})
 * and {@code apimachinery/pkg/util/validation/field/errors.go} ({@code Error.ErrorBody}: {@code Invalid value: <v>: <detail>},
 * {@code Forbidden: <detail>}, {@code Required value: <detail>}; cause reasons {@code FieldValueInvalid},
 * {@code FieldValueForbidden}, {@code FieldValueRequired}; several errors aggregated as {@code [a, b]}).
 */
final class ApiError extends RuntimeException {
    static final ObjectMapper JSON = new ObjectMapper();

    final int code;
    final ObjectNode status;

    private ApiError(int code, ObjectNode status) {
        super(status.path("message").asText());
        this.code = code;
        this.status = status;
    }

    MockResponse response() {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(status.toString());
    }

    static ObjectNode status(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", message);
        if (reason != null) {
            s.put("reason", reason);
        }
        s.put("code", code);
        return s;
    }

    private static ObjectNode details(ObjectNode status, String name, String group, String kind) {
        ObjectNode d = status.putObject("details");
        if (name != null && !name.isEmpty()) {
            d.put("name", name);
        }
        if (group != null && !group.isEmpty()) {
            d.put("group", group);
        }
        if (kind != null && !kind.isEmpty()) {
            d.put("kind", kind);
        }
        return d;
    }

    /** A field error: {@code type} is Invalid, Forbidden, Required or NotSupported; {@code value} is Go-printed, or null. */
    record FieldError(String type, String field, String value, String detail) {
        static FieldError invalid(String field, String value, String detail) {
            return new FieldError("Invalid", field, value, detail);
        }

        static FieldError forbidden(String field, String detail) {
            return new FieldError("Forbidden", field, null, detail);
        }

        static FieldError required(String field, String detail) {
            return new FieldError("Required", field, null, detail);
        }

        String body() {
            return switch (type) {
                case "Invalid" -> "Invalid value: " + value + ": " + detail;
                case "Forbidden" -> "Forbidden: " + detail;
                case "Required" -> detail.isEmpty() ? "Required value" : "Required value: " + detail;
                default -> type + ": " + detail;
            };
        }

        String reason() {
            return switch (type) {
                case "Invalid" -> "FieldValueInvalid";
                case "Forbidden" -> "FieldValueForbidden";
                case "Required" -> "FieldValueRequired";
                default -> "FieldValueNotSupported";
            };
        }

        @Override
        public String toString() {
            return field + ": " + body();
        }
    }

    /** 422 Invalid; {@code qualifiedKind} is {@code Kind.group} (or a resource, {@code deployments.apps}, as the store names it). */
    static ApiError invalid(String kind, String group, String name, List<FieldError> errors) {
        String qualified = group == null || group.isEmpty() ? kind : kind + "." + group;
        String aggregate = errors.size() == 1 ? errors.get(0).toString()
                : "[" + errors.stream().map(FieldError::toString).collect(Collectors.joining(", ")) + "]";
        ObjectNode s = status(422, "Invalid", qualified + " \"" + name + "\" is invalid: " + aggregate);
        ArrayNode causes = details(s, name, group, kind).putArray("causes");
        for (FieldError e : errors) {
            causes.addObject().put("reason", e.reason()).put("message", e.body()).put("field", e.field());
        }
        return new ApiError(422, s);
    }

    static ApiError conflict(String resource, String group, String name) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        ObjectNode s = status(409, "Conflict", "Operation cannot be fulfilled on " + qualified + " \"" + name
                + "\": the object has been modified; please apply your changes to the latest version and try again");
        details(s, name, group, resource);
        return new ApiError(409, s);
    }

    static ApiError alreadyExists(String resource, String group, String name) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        ObjectNode s = status(409, "AlreadyExists", qualified + " \"" + name + "\" already exists");
        details(s, name, group, resource);
        return new ApiError(409, s);
    }

    static ApiError notFound(String resource, String group, String name) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        ObjectNode s = status(404, "NotFound", qualified + " \"" + name + "\" not found");
        details(s, name, group, resource);
        return new ApiError(404, s);
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, status(400, "BadRequest", message));
    }

    static ApiError unsupportedMediaType(String message) {
        return new ApiError(415, status(415, "UnsupportedMediaType", message));
    }

    static ApiError internal(String message) {
        ObjectNode s = status(500, "InternalError", "Internal error occurred: " + message);
        details(s, null, null, null).putArray("causes").addObject().put("message", message);
        return new ApiError(500, s);
    }

    /** {@code NewApplyConflict}: 409 Conflict, one {@code FieldManagerConflict} cause per field. */
    static ApiError applyConflict(String message, List<String[]> causes) {
        ObjectNode s = status(409, "Conflict", message);
        ArrayNode c = s.putObject("details").putArray("causes");
        for (String[] cause : causes) {
            c.addObject().put("reason", "FieldManagerConflict").put("message", cause[0]).put("field", cause[1]);
        }
        return new ApiError(409, s);
    }

    /** {@code NewResourceExpired}: 410, reason {@code Expired}. */
    static ObjectNode expired(String message) {
        return status(410, "Expired", message);
    }
}
