package dev.switchboard.testing.crac;

/** What {@code org.crac} registers for each of its resources here: a proxy that forwards to the resource. */
public interface Resource {
    void beforeCheckpoint(Context context) throws Exception;

    void afterRestore(Context context) throws Exception;
}
