/**
 * What a platform reports back: job, group and instance status, hosts, platform info, service endpoints and events.
 */
package dev.baton.status;
