package dev.switchboard.testing.crac;

/** The entry point {@code org.crac} looks up: the global context; a checkpoint is not supported, as on Lambda. */
public final class Core {
    private static final Context GLOBAL = new Context();

    private Core() {
    }

    public static Context getGlobalContext() {
        return GLOBAL;
    }

    /** Only the platform takes snapshots (Lambda's runtime also refuses this call). */
    public static void checkpointRestore() throws CheckpointException, RestoreException {
        throw new UnsupportedOperationException("checkpoints are taken by the platform, not by a test");
    }
}
