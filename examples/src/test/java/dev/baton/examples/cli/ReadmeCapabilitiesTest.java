package dev.baton.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Orchestrators;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's capability matrix is the one the adapters' own capabilities generate. */
class ReadmeCapabilitiesTest {

    @Test
    void theReadmeMatrixIsUpToDate() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String generated = BatonCli.CapabilityMatrix.render(Orchestrators.providers(), true);
        String copy = readme.substring(readme.indexOf("<!-- capabilities:begin -->") + "<!-- capabilities:begin -->".length(),
                readme.indexOf("<!-- capabilities:end -->")).strip();

        assertThat(copy).as("regenerate it with: java -jar examples/target/baton.jar capabilities --markdown")
                .isEqualTo(generated.strip());
    }
}
