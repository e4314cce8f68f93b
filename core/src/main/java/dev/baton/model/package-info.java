/**
 * The portable model: the {@code baton/v1} job spec as immutable records with builders, and its value types.
 */
package dev.baton.model;
