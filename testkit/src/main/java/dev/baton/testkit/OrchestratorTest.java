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
 * <p>The testkit brings no JUnit: it depends on {@code junit-jupiter-api} in {@code provided} scope only, so the
 * project that uses it adds its own JUnit Jupiter, API and engine ({@code org.junit.jupiter:junit-jupiter}, or
 * {@code junit-jupiter-api} and {@code junit-jupiter-engine} of one version), 5.11 or later, 6 included. Nothing of
 * the testkit's then competes with that version in the project's dependency graph, where Maven's nearest-wins could
 * otherwise pair a Jupiter API of one version with an engine of another. The testkit uses only JUnit API that 5.11
 * has, and its build runs a portable test and a contract subclass on 5.11 and on 6.
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
