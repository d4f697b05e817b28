package dev.switchboard.testing;

import dev.switchboard.port.SecretSource;

class InMemorySecretSourceTest extends SecretSourceContract {
    private final InMemorySecretSource fake = new InMemorySecretSource();

    @Override
    protected SecretSource source() {
        return fake;
    }

    @Override
    protected SecretsDouble secrets() {
        return fake;
    }
}
