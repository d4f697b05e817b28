/**
 * Run with Java's source launcher inside a function jar alone: {@code java -cp <jar> HandlerProbe.java <handler>}.
 * Builds the handler through its no-arg Lambda entry point (the environment comes from the process) and prints
 * {@code PROBE-OK <class>} when it is a RequestHandler.
 */
public class HandlerProbe {
    public static void main(String[] args) throws Exception {
        Object handler = Class.forName(args[0]).getConstructor().newInstance();
        if (!(handler instanceof com.amazonaws.services.lambda.runtime.RequestHandler)) {
            throw new IllegalStateException(args[0] + " is no RequestHandler");
        }
        System.out.println("PROBE-OK " + handler.getClass().getName());
        System.exit(0);
    }
}
