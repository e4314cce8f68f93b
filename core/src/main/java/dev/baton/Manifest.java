package dev.baton;

/**
 * A rendered native manifest: its media type ({@code application/yaml}, {@code application/json}) and text.
 *
 * @since 0.1
 */
public record Manifest(String platform, String mediaType, String content) {
    @Override
    public String toString() {
        return content;
    }
}
