package dev.switchboard.runtime;

/**
 * An {@link dev.switchboard.config.Env#withExtra Env extra} that tells a composition root it is built for one
 * invocation only and shares nothing with earlier ones: it loads its own copy of anything a library would otherwise
 * keep process-wide (the worker's embedding model), and the host closes the handler after the invocation. Only the
 * local stack's per-request mode sets it (the load benchmark's baseline for the three-tier design,
 * docs/performance.md); Lambda's environment never carries it.
 */
public record PerInvocation() {}
