/**
 * The service provider interface for adapters, and machinery written once for all of them: retries, the event
 * bus, deployment tracking, JSON merge patch, diffs and the capability check.
 */
package dev.baton.spi;
