package dev.baton.swarm.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image reference read as the docker CLI and the engine read it: {@code github.com/distribution/reference}
 * ({@code normalize.go}: {@code ParseNormalizedNamed}, {@code splitDockerDomain}, {@code FamiliarString},
 * {@code TagNameOnly}). The first path component is the registry when it contains a {@code .} or a {@code :}, is
 * {@code localhost}, or has an upper-case letter; otherwise the registry is {@code docker.io}, and a one-component name
 * there is an official image under {@code library/}.
 *
 * @param domain the registry ({@code docker.io} for Docker Hub)
 * @param path the repository path inside the registry ({@code library/busybox})
 * @param tag the tag, or null
 * @param digest the digest ({@code sha256:…}), or null
 */
public record ImageRef(String domain, String path, String tag, String digest) {
    static final String DEFAULT_DOMAIN = "docker.io";
    private static final String LEGACY_DEFAULT_DOMAIN = "index.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";
    /** The key of Docker Hub's credentials in the docker CLI's config ({@code cli/config/configfile/file.go authConfigKey}). */
    static final String DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");
    private static final Pattern HEX_ID = Pattern.compile("[a-f0-9]{64}");

    /**
     * Reads {@code image}.
     *
     * @throws IllegalArgumentException when it is not a reference the engine would accept (an upper-case repository, a
     *     bare image id, a malformed tag or digest)
     */
    public static ImageRef parse(String image) {
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException("no image");
        }
        if (HEX_ID.matcher(image).matches()) {
            throw new IllegalArgumentException("\"" + image + "\" is an image id, not a repository name");
        }
        String rest = image;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw new IllegalArgumentException("\"" + image + "\" has a malformed digest");
            }
        }
        String domain;
        String remainder;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? "" : rest.substring(0, slash);
        if (slash < 0 || (!first.contains(".") && !first.contains(":") && !first.equals("localhost")
                && first.toLowerCase(Locale.ROOT).equals(first))) {
            domain = DEFAULT_DOMAIN;
            remainder = rest;
        } else {
            domain = first;
            remainder = rest.substring(slash + 1);
        }
        if (domain.equals(LEGACY_DEFAULT_DOMAIN)) {
            domain = DEFAULT_DOMAIN;
        }
        if (domain.equals(DEFAULT_DOMAIN) && !remainder.contains("/")) {
            remainder = OFFICIAL_PREFIX + remainder;
        }
        String tag = null;
        int colon = remainder.lastIndexOf(':');
        if (colon >= 0) {
            tag = remainder.substring(colon + 1);
            remainder = remainder.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new IllegalArgumentException("\"" + image + "\" has a malformed tag");
            }
        }
        if (remainder.isEmpty() || !remainder.toLowerCase(Locale.ROOT).equals(remainder)) {
            throw new IllegalArgumentException("\"" + image + "\": repository name must be lowercase");
        }
        return new ImageRef(domain, remainder, tag, digest);
    }

    /** The same reference with the tag {@code latest} when it has neither tag nor digest ({@code reference.TagNameOnly}). */
    public ImageRef withDefaultTag() {
        return tag == null && digest == null ? new ImageRef(domain, path, "latest", null) : this;
    }

    /** The same reference pinned to {@code digest}, keeping its tag ({@code reference.WithDigest}). */
    public ImageRef withDigest(String d) {
        return new ImageRef(domain, path, tag, d);
    }

    /** The repository as people write it: without {@code docker.io/} and {@code library/} ({@code reference.FamiliarName}). */
    public String familiarName() {
        if (!domain.equals(DEFAULT_DOMAIN)) {
            return domain + "/" + path;
        }
        return path.startsWith(OFFICIAL_PREFIX) && path.indexOf('/', OFFICIAL_PREFIX.length()) < 0
                ? path.substring(OFFICIAL_PREFIX.length()) : path;
    }

    /** The whole reference as people write it ({@code reference.FamiliarString}): {@code name[:tag][@digest]}. */
    public String familiar() {
        return familiarName() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /**
     * The key the docker CLI files this registry's credentials under ({@code cli/config/configfile/file.go
     * getAuthConfigKey}): {@value #DOCKER_HUB_AUTH_KEY} for Docker Hub, else the registry's host[:port].
     */
    public String authKey() {
        return domain.equals(DEFAULT_DOMAIN) ? DOCKER_HUB_AUTH_KEY : domain;
    }
}
