package dev.baton.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The second line of defence: paths that reach the supervisor without spec validation still stay in their root. */
class ConfinedTest {
    @TempDir
    Path dir;

    @Test
    void aPathThatLeavesTheRootIsRefusedEvenWhenValidationWasBypassed() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));

        for (String path : new String[] {"/../x", "/a/../../x", "/a/..", "/..", "/", "//", "relative", "/a\0b"}) {
            assertThatThrownBy(() -> Confined.writeFile(root, path, new byte[] {1})).as(path)
                    .isInstanceOf(Confined.EscapeException.class);
        }
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void aFileInsideTheRootIsWrittenOwnerOnly() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));

        Path f = Confined.writeFile(root, "/etc/tls/./cert.pem", "c".getBytes(StandardCharsets.UTF_8));

        assertThat(f).isEqualTo(root.resolve("etc/tls/cert.pem")).hasContent("c");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    }

    @Test
    void aLinkAtTheFileItselfIsReplacedNotFollowed() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path target = Files.writeString(dir.resolve("victim"), "keep");
        Files.createSymbolicLink(root.resolve("cert.pem"), target);

        Confined.writeFile(root, "/cert.pem", "new".getBytes(StandardCharsets.UTF_8));

        assertThat(target).hasContent("keep");
        assertThat(Files.isSymbolicLink(root.resolve("cert.pem"))).isFalse();
        assertThat(root.resolve("cert.pem")).hasContent("new");
    }

    @Test
    void aSecretKeyOrNameCannotNameAFileOutsideTheSecret() throws IOException {
        Secrets secrets = new Secrets(dir.resolve("secrets"));
        secrets.put("db", Map.of("password", "v".getBytes(StandardCharsets.UTF_8)));
        Files.writeString(dir.resolve("supervisor.json"), "{\"token\":\"t\"}");

        assertThat(secrets.read("db", "../../supervisor.json")).isNull();
        assertThat(secrets.read("db", "..")).isNull();
        assertThat(secrets.read("../db", "password")).isNull();
        assertThat(secrets.read("db", "password")).isEqualTo("v".getBytes(StandardCharsets.UTF_8));
    }
}
