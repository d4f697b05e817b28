package dev.switchboard.testing;

import dev.switchboard.port.SecretSource;
import java.util.Map;
import java.util.Optional;
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

    /**
     * The Secrets Manager error code a read of {@code secretId} gets now (AccessDeniedException,
     * ResourceNotFoundException); empty when it has a value.
     */
    public Optional<String> refusal(String secretId) {
        if (denied.contains(secretId)) {
            return Optional.of("AccessDeniedException");
        }
        return values.containsKey(secretId) ? Optional.empty() : Optional.of("ResourceNotFoundException");
    }

    @Override
    public String read(String secretId) {
        reads.computeIfAbsent(secretId, k -> new AtomicInteger()).incrementAndGet();
        Optional<String> refused = refusal(secretId);
        if (refused.isPresent()) {
            throw new IllegalStateException("cannot read secret " + secretId + ": " + refused.get());
        }
        return values.get(secretId);
    }
}
