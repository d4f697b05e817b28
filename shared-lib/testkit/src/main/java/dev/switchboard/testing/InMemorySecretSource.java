package dev.switchboard.testing;

import dev.switchboard.port.SecretSource;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** In-memory {@link SecretSource}: values by id, ids denied, and the reads of each id counted. */
public final class InMemorySecretSource implements SecretSource, SecretsDouble {
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();

    /** Stores (or rotates) the value of {@code secretId}; returns this. */
    public InMemorySecretSource with(String secretId, String value) {
        put(secretId, value);
        return this;
    }

    @Override
    public void put(String secretId, String value) {
        denied.remove(secretId);
        values.put(secretId, value);
    }

    @Override
    public void deny(String secretId) {
        denied.add(secretId);
    }

    @Override
    public int reads(String secretId) {
        AtomicInteger n = reads.get(secretId);
        return n == null ? 0 : n.get();
    }

    @Override
    public String read(String secretId) {
        reads.computeIfAbsent(secretId, k -> new AtomicInteger()).incrementAndGet();
        if (denied.contains(secretId)) {
            throw new IllegalStateException("cannot read secret " + secretId + ": AccessDeniedException");
        }
        String value = values.get(secretId);
        if (value == null) {
            throw new IllegalStateException("cannot read secret " + secretId + ": ResourceNotFoundException");
        }
        return value;
    }
}
