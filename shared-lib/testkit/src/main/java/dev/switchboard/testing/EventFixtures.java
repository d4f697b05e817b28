package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Shared helpers for the handler tests: locating the repository's {@code events/} samples, preparing a sample with
 * its placeholders filled in, and checking a handler's {@code REQUIRED_ENV} contract.
 */
public final class EventFixtures {
    /** System property that points at the {@code events/} folder; when unset the folder is searched for. */
    public static final String EVENTS_PROPERTY = "switchboard.events";

    /** A file every {@code events/} folder of this repository contains; used to recognise the folder. */
    private static final String MARKER = "worker-turn.json";

    private EventFixtures() {
    }

    /**
     * The repository's {@code events/} folder: the {@value #EVENTS_PROPERTY} system property if set, otherwise the
     * first {@code events} folder holding {@value #MARKER} found walking up from the working directory.
     */
    public static Path eventsDir() {
        String configured = System.getProperty(EVENTS_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve("events");
            if (Files.isRegularFile(candidate.resolve(MARKER))) {
                return candidate;
            }
        }
        throw new IllegalStateException("events/ (containing " + MARKER + ") not found in " + start
                + " or any parent directory; set -D" + EVENTS_PROPERTY + "=<path to events/>");
    }

    /**
     * Reads {@code events/<eventFile>}, replaces every occurrence of each key of {@code substitutions} with its value,
     * writes the result to {@code tmpDir/<eventFile>} and returns that file's absolute path.
     */
    public static String prepare(String eventFile, Path tmpDir, Map<String, String> substitutions) {
        Objects.requireNonNull(eventFile, "eventFile");
        Objects.requireNonNull(tmpDir, "tmpDir");
        Objects.requireNonNull(substitutions, "substitutions");
        Path source = eventsDir().resolve(eventFile);
        try {
            String json = Files.readString(source);
            for (var s : substitutions.entrySet()) {
                json = json.replace(s.getKey(), s.getValue());
            }
            Path out = tmpDir.resolve(eventFile);
            Files.writeString(out, json);
            return out.toAbsolutePath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare sample event " + source, e);
        }
    }

    /**
     * Asserts that {@code handler} implements {@link RequestHandler} and declares
     * {@code public static List<String> REQUIRED_ENV}, non-empty, holding only strings and containing every name in
     * {@code mustContain}.
     */
    @SuppressWarnings("unchecked")
    public static void assertRequiredEnv(Class<?> handler, String... mustContain) {
        assertThat(mustContain).as("names REQUIRED_ENV must contain").isNotEmpty();
        Field f;
        try {
            f = handler.getField("REQUIRED_ENV");
        } catch (NoSuchFieldException e) {
            throw new AssertionError(handler.getName() + " declares no public field REQUIRED_ENV", e);
        }
        assertThat(Modifier.isPublic(f.getModifiers())).as("REQUIRED_ENV is public").isTrue();
        assertThat(Modifier.isStatic(f.getModifiers())).as("REQUIRED_ENV is static").isTrue();
        assertThat(f.getType()).isEqualTo(List.class);
        assertThat(f.getGenericType()).isInstanceOf(ParameterizedType.class);
        assertThat(((ParameterizedType) f.getGenericType()).getActualTypeArguments()).containsExactly(String.class);
        List<Object> value;
        try {
            value = (List<Object>) f.get(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError("cannot read " + handler.getName() + ".REQUIRED_ENV", e);
        }
        assertThat(value).isNotEmpty().allMatch(String.class::isInstance).contains((Object[]) mustContain);
        assertThat(RequestHandler.class).isAssignableFrom(handler);
    }
}
