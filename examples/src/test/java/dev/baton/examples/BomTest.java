package dev.baton.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** baton-bom pins every library artifact of the reactor, at the reactor's version, and nothing else. */
class BomTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private static String version(String pom) {
        Matcher m = Pattern.compile("<artifactId>baton-(?:parent|bom)</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void theBomPinsEveryLibraryModuleAtTheReactorsVersionAndNoThirdPartyArtifact() throws Exception {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        String bom = Files.readString(ROOT.resolve("bom/pom.xml"));
        List<String> libraries = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path pom : modules.map(d -> d.resolve("pom.xml")).filter(Files::isRegularFile).sorted().toList()) {
                String text = Files.readString(pom);
                Matcher m = Pattern.compile("\\n  <artifactId>(baton-[a-z-]+)</artifactId>").matcher(text);
                if (m.find() && !text.contains("<maven.javadoc.skip>true</maven.javadoc.skip>") && !text.contains("<packaging>pom</packaging>")) {
                    libraries.add(m.group(1));
                }
            }
        }
        String managed = bom.substring(bom.indexOf("<dependencyManagement>"), bom.indexOf("</dependencyManagement>"));
        List<String> pinned = new ArrayList<>();
        Matcher d = Pattern.compile("<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project.version}</version>")
                .matcher(managed);
        while (d.find()) {
            assertThat(d.group(1)).isEqualTo("dev.baton");
            pinned.add(d.group(2));
        }

        assertThat(version(bom)).isEqualTo(version(parent));
        assertThat(libraries).hasSize(7);
        assertThat(pinned).containsExactlyInAnyOrderElementsOf(libraries);
        assertThat(managed).doesNotContain("<groupId>com.").doesNotContain("<groupId>io.")
                .doesNotContain("<groupId>org.");
        assertThat(bom).doesNotContain("<parent>");
    }
}
