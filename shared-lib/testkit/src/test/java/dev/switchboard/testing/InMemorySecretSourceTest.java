package dev.switchboard.testing;

import dev.switchboard.port.SecretSource;

class InMemorySecretSourceTest extends SecretSourceContract {
    private final InMemorySecretSource fake = new InMemorySecretSource();

    @Override
    protected SecretSource source() {
        return fake;
    }

    @Override
    protected void put(String secretId, String value) {
        fake.put(secretId, value);
    }

    @Override
    protected void deny(String secretId) {
        fake.deny(secretId);
    }
}
