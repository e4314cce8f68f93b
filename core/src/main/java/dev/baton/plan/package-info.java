/**
 * What a deploy would change: created, updated (with per-field differences) and destroyed objects, and the fields
 * the target cannot honour.
 */
package dev.baton.plan;
