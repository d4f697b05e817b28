package dev.switchboard.testing.crac;

/** Required by {@code org.crac}'s loader; never thrown here. */
public class RestoreException extends Exception {
}
