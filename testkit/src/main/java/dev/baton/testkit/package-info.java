/**
 * Tests for Baton: {@link dev.baton.testkit.OrchestratorContract}, the contract suite every adapter passes, and
 * {@link dev.baton.testkit.OrchestratorTest}, portable integration tests that run once per target.
 *
 * <p>Both run on the JUnit Jupiter of the project that uses them, 5.11 or later, 6 included. The testkit's own
 * dependencies are {@code baton-core} and, in {@code provided} scope, {@code junit-jupiter-api}: add
 * {@code org.junit.jupiter:junit-jupiter} (or its API and engine, of one version) to your test dependencies, and the
 * adapter of each target you test on. The testkit brings no assertion library: the contract suite uses JUnit's
 * {@code Assertions} and {@code Assumptions}, with messages that say what was checked and on what.
 *
 * @since 0.1
 */
package dev.baton.testkit;
