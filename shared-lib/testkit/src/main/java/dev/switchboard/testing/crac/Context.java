package dev.switchboard.testing.crac;

import java.util.ArrayList;
import java.util.List;

/** The global context of this test implementation: it records every registration, in order. */
public final class Context {
    private final List<Resource> registered = new ArrayList<>();

    Context() {
    }

    /** Called by {@code org.crac} with a proxy of the registered resource (its {@code equals} is the resource's). */
    public synchronized void register(Resource resource) {
        registered.add(resource);
    }

    /** Everything registered so far, oldest first. */
    public synchronized List<Resource> registered() {
        return List.copyOf(registered);
    }
}
