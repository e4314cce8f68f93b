package dev.baton;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * Where an orchestrator connects: a scheme naming the platform ({@code kubernetes}, {@code swarm}, {@code nomad},
 * {@code marathon}, {@code local}) and the rest of the address, as in {@code nomad://10.0.0.1:4646}.
 * {@code kubernetes://} with nothing after the scheme means the platform's own default (kubeconfig, DOCKER_HOST,
 * NOMAD_ADDR, …). Schemes are case-insensitive, and {@code k8s} is an alias of {@code kubernetes} (as kubectl users
 * write it): {@code Target.parse("k8s://")} is {@code kubernetes://}.
 *
 * @since 0.1
 */
public record Target(String scheme, String address) {
    /** Other spellings of a scheme, and the scheme each stands for. */
    public static final java.util.Map<String, String> ALIASES = java.util.Map.of("k8s", "kubernetes");

    public Target {
        Objects.requireNonNull(scheme, "scheme");
        scheme = scheme.toLowerCase(Locale.ROOT);
        scheme = ALIASES.getOrDefault(scheme, scheme);
        address = address == null ? "" : address;
    }

    /**
     * Parses {@code scheme://address}; a bare word such as {@code local} is read as {@code local://}.
     *
     * @throws IllegalArgumentException when the text has no scheme
     */
    public static Target parse(String text) {
        Objects.requireNonNull(text, "endpoint");
        String t = text.trim();
        int i = t.indexOf("://");
        if (i < 0) {
            if (t.matches("[A-Za-z][A-Za-z0-9+.-]*")) {
                return new Target(t, "");
            }
            throw new IllegalArgumentException("endpoint \"" + text + "\" has no scheme; use for example local://, kubernetes://, swarm://, nomad://host:4646 or marathon://host:8080");
        }
        if (i == 0) {
            throw new IllegalArgumentException("endpoint \"" + text + "\" has an empty scheme");
        }
        return new Target(t.substring(0, i), t.substring(i + 3));
    }

    /** Whether nothing follows the scheme (use the platform's default address). */
    public boolean isDefault() {
        return address.isEmpty();
    }

    /**
     * The server addresses the target names, comma-separated ({@code nomad://a:4646,b:4646}), or those of
     * {@code fallback} when it names none; {@code http://} is assumed where an address has no scheme.
     *
     * @throws IllegalArgumentException naming the address and {@code platformName} when one is not a URL with a host
     */
    public java.util.List<String> servers(String fallback, String platformName) {
        String list = isDefault() ? fallback : address;
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String part : list.split(",")) {
            String s = part.trim();
            if (s.isEmpty()) {
                continue;
            }
            String withScheme = s.contains("://") ? s : "http://" + s;
            try {
                if (URI.create(withScheme).getHost() == null) {
                    throw new IllegalArgumentException("no host");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"" + withScheme + "\" is not a " + platformName + " address", e);
            }
            out.add(withScheme);
        }
        return out;
    }

    /** The address as a URI with the given scheme, such as {@code http://host:4646}. */
    public URI toUri(String withScheme) {
        return URI.create(withScheme + "://" + address);
    }

    @Override
    public String toString() {
        return scheme + "://" + address;
    }
}
