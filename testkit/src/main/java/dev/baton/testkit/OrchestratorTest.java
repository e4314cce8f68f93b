package dev.baton.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a portable integration test: it runs once per target named in the environment variable
 * {@code BATON_TARGETS} or the system property {@code baton.targets} (comma-separated endpoints such as
 * {@code local://,nomad://127.0.0.1:4646}; {@code local://embedded} when neither is set, which runs the local
 * supervisor inside the test JVM with a temporary state directory and leaves nothing behind), with an
 * {@link dev.baton.Orchestrator} parameter connected to that target. A target that cannot be reached is skipped
 * with the reason.
 *
 * @since 0.1
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestTemplate
@ExtendWith(OrchestratorTestExtension.class)
public @interface OrchestratorTest {
}
