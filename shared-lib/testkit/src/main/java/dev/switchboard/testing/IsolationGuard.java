package dev.switchboard.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only decorator of any user-keyed port ({@code SessionStore}, {@code MessageStore}, {@code MemoryStore}, ...)
 * that checks every call: it must be keyed by a user the guard currently {@link #allow allows} (the user a step acts
 * for), and every item it is given or returns must belong to that user. A call is keyed by its first {@code String}
 * argument (every user-keyed port takes the user id first), else by the owner of its first record argument that has a
 * {@code userId} component (a {@code Session}, {@code ChatMessage}, ...). Items are the records with a {@code userId}
 * component found in the arguments and the result, also inside an {@code Optional}, a collection or another record
 * (a {@code Page}, a {@code RunClaim}). Being generic, the guard also checks port methods added later.
 *
 * <p>Violations are recorded, not thrown, because a use case may catch an exception and carry on; the test reads them
 * with {@link #violations()}. Safe to use from several threads (a batch runs its sessions in parallel).
 */
public final class IsolationGuard {
    private static final int MAX_DEPTH = 4;
    /** Each record class's component accessors (made accessible: records nested in a test class are not public). */
    private static final ClassValue<List<Method>> ACCESSORS = new ClassValue<>() {
        @Override
        protected List<Method> computeValue(Class<?> type) {
            List<Method> accessors = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                Method m = c.getAccessor();
                m.setAccessible(true);
                accessors.add(m);
            }
            return List.copyOf(accessors);
        }
    };

    private volatile Set<String> allowed = Set.of();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();

    /** The users the next calls may be keyed by (the acting user, or the owners of a batch's records). */
    public void allow(Set<String> userIds) {
        allowed = Set.copyOf(userIds);
    }

    /** What went wrong since the last {@link #clearViolations()}, one line each. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    public void clearViolations() {
        violations.clear();
    }

    /** Store calls checked so far. */
    public long calls() {
        return calls.get();
    }

    /** Items a store returned, checked so far. */
    public long reads() {
        return reads.get();
    }

    /** Items given to a store, checked so far. */
    public long writes() {
        return writes.get();
    }

    /** {@code delegate} behind the checks; exceptions it throws reach the caller unchanged. */
    public <T> T guard(Class<T> port, T delegate) {
        return port.cast(Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port},
                (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(delegate, args);
                    }
                    String where = port.getSimpleName() + "." + method.getName();
                    Object[] arguments = args == null ? new Object[0] : args;
                    String userId = key(where, arguments);
                    for (Object argument : arguments) {
                        inspect(where, userId, argument, writes, 0);
                    }
                    Object result = invoke(method, delegate, arguments);
                    inspect(where, userId, result, reads, 0);
                    return result;
                }));
    }

    private String key(String where, Object[] arguments) {
        calls.incrementAndGet();
        String userId = arguments.length > 0 && arguments[0] instanceof String s ? s : null;
        for (int i = 0; userId == null && i < arguments.length; i++) {
            userId = owner(arguments[i]);
        }
        Set<String> now = allowed;
        if (userId == null || !now.contains(userId)) {
            violations.add(where + " keyed by " + userId + " while acting for " + now);
        }
        return userId;
    }

    /** Checks every item in {@code value}: its owner must be {@code userId}. */
    private void inspect(String where, String userId, Object value, AtomicLong counter, int depth) {
        if (value == null || depth > MAX_DEPTH) {
            return;
        }
        switch (value) {
            case Optional<?> o -> o.ifPresent(v -> inspect(where, userId, v, counter, depth + 1));
            case Collection<?> c -> c.forEach(v -> inspect(where, userId, v, counter, depth + 1));
            case Record r -> {
                String owner = owner(r);
                if (owner != null) {
                    counter.incrementAndGet();
                    if (!owner.equals(userId)) {
                        violations.add(where + " for " + userId + " met an item of " + owner);
                    }
                } else {
                    for (Method accessor : ACCESSORS.get(r.getClass())) {
                        inspect(where, userId, read(accessor, r), counter, depth + 1);
                    }
                }
            }
            default -> { }
        }
    }

    /** The {@code userId} component of a record, or null. */
    private static String owner(Object value) {
        if (value instanceof Record r) {
            for (Method accessor : ACCESSORS.get(r.getClass())) {
                if (accessor.getName().equals("userId") && accessor.getReturnType() == String.class) {
                    return (String) read(accessor, r);
                }
            }
        }
        return null;
    }

    private static Object read(Method accessor, Object target) {
        try {
            return accessor.invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + accessor, e);
        }
    }

    private static Object invoke(Method method, Object target, Object[] arguments) throws Throwable {
        try {
            return method.invoke(target, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
