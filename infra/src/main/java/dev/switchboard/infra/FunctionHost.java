package dev.switchboard.infra;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.switchboard.config.Env;
import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.runtime.PerInvocation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Builds every function of template.yaml the way Lambda would: its handler class, constructed by its composition
 * root with the environment the template gives it (tables and queues resolved to the local ones, then the local
 * overrides), and invokes it with a Lambda context bounded by the function's timeout, ending an invocation still
 * running at that timeout (see {@link #handle}). A function can be switched to
 * per-invocation composition (the load benchmark's per-request mode): each invocation then gets a handler built anew
 * with {@link PerInvocation} in its Env, closed after the invocation.
 */
final class FunctionHost {
    private static final Logger LOG = LoggerFactory.getLogger(FunctionHost.class);

    private final TemplateModel template;
    private final Map<String, Object> handlers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> environments = new LinkedHashMap<>();
    private final Map<String, Env> envs = new LinkedHashMap<>();
    private final Set<String> perInvocation = ConcurrentHashMap.newKeySet();
    private final LongAdder perInvocationBuilds = new LongAdder();
    private final LongAdder perInvocationBuildNanos = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final List<LocalStack.InvocationListener> invocationListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** {@code interceptors} (none by default) reach every AWS client the functions build, through their Env. */
    FunctionHost(TemplateModel template, Map<String, String> queueUrls, Map<String, String> overrides,
                 List<ExecutionInterceptor> interceptors) {
        this.template = template;
        for (String function : template.resources(TemplateModel.FUNCTION).keySet()) {
            Map<String, String> env = resolve(template, template.rawEnvironment(function), queueUrls);
            env.putAll(overrides);
            environments.put(function, Map.copyOf(env));
            List<ExecutionInterceptor> own = interceptors.stream()
                    .map(i -> i instanceof LocalStack.PerFunctionInterceptor p ? p.forFunction(function) : i).toList();
            Env functionEnv = own.isEmpty() ? new Env(env)
                    : new Env(env).withExtra(AwsClients.Interceptors.class, new AwsClients.Interceptors(own));
            envs.put(function, functionEnv);
            handlers.put(function, construct(template.handlerClass(function), functionEnv));
        }
    }

    /** From now on, build {@code function}'s handler for each invocation ({@code true}), or use the one built at start. */
    void composePerInvocation(String function, boolean on) {
        if (!envs.containsKey(function)) {
            throw new IllegalArgumentException("no function " + function + " in template.yaml");
        }
        if (on) {
            perInvocation.add(function);
        } else {
            perInvocation.remove(function);
        }
    }

    /** Whether {@code function}'s handler is built for each invocation now. */
    boolean composesPerInvocation(String function) {
        return perInvocation.contains(function);
    }

    /** Handlers built per invocation so far, and the time their composition roots took in all. */
    LocalStack.Compositions perInvocationCompositions() {
        return new LocalStack.Compositions(perInvocationBuilds.sum(), perInvocationBuildNanos.sum() / 1_000_000);
    }

    /** The function's memory in template.yaml (its own MemorySize, or the Globals'), in MB. */
    int memoryMb(String function) {
        return template.resources(TemplateModel.FUNCTION).get(function).path("MemorySize")
                .asInt(template.root().path("Globals").path("Function").path("MemorySize").asInt(128));
    }

    /** From now on, {@code listener} is told of every invocation's wall time. */
    void addInvocationListener(LocalStack.InvocationListener listener) {
        invocationListeners.add(listener);
    }

    private void invocationEnded(String function, Object event, long nanos) {
        int records = event instanceof com.amazonaws.services.lambda.runtime.events.SQSEvent e
                && e.getRecords() != null ? e.getRecords().size() : 1;
        invocationListeners.forEach(l -> l.invoked(function, records, nanos));
    }

    /**
     * From now on, {@code function} is served by the handler {@code factory} builds with the function's Env (its
     * tables, queues and AWS interceptors): the load benchmark's floor path.
     */
    void substitute(String function, java.util.function.Function<Env, Object> factory) {
        Env env = envs.get(function);
        if (env == null) {
            throw new IllegalArgumentException("no function " + function + " in template.yaml");
        }
        handlers.put(function, factory.apply(env));
    }

    static Map<String, String> resolve(TemplateModel template, Map<String, String> raw, Map<String, String> queueUrls) {
        Map<String, String> env = new LinkedHashMap<>();
        raw.forEach((name, value) -> {
            String type = template.typeOf(value).orElse("");
            if (TemplateModel.TABLE.equals(type)) {
                env.put(name, value); // tables are named by their logical id locally
            } else if (TemplateModel.QUEUE.equals(type)) {
                env.put(name, queueUrls.get(value));
            } else if (template.isParameter(value)) {
                env.put(name, template.parameterValue(value).orElse(""));
            } else {
                env.put(name, value);
            }
        });
        return env;
    }

    private static Object construct(String className, Env env) {
        try {
            return Class.forName(className).getConstructor(Env.class).newInstance(env);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalStateException("init of " + className + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + className + " with an Env: " + e, e);
        }
    }

    Map<String, String> environment(String function) {
        return environments.get(function);
    }

    <I, O> O invoke(String function, I event) {
        return invoke(function, event, timeoutSeconds(function));
    }

    /** The function's timeout in template.yaml (its own, or the Globals'), with the stack's parameters. */
    int timeoutSeconds(String function) {
        return template.timeoutSeconds(function);
    }

    /** Invokes with a context of {@code timeoutSeconds} instead of the template's timeout. */
    <I, O> O invoke(String function, I event, int timeoutSeconds) {
        Object h = handlers.get(function);
        if (h == null) {
            throw new IllegalArgumentException("no function " + function + " in template.yaml");
        }
        if (!perInvocation.contains(function)) {
            return handle(function, h, event, timeoutSeconds);
        }
        long start = System.nanoTime();
        Object fresh = construct(template.handlerClass(function),
                envs.get(function).withExtra(PerInvocation.class, new PerInvocation()));
        perInvocationBuildNanos.add(System.nanoTime() - start);
        perInvocationBuilds.increment();
        try {
            return handle(function, fresh, event, timeoutSeconds);
        } finally {
            if (fresh instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing a per-invocation {} failed: {}", function, e.toString());
                }
            }
        }
    }

    /**
     * Runs the handler on a thread of its own and ends it at the timeout as Lambda ends an invocation: the thread is
     * interrupted, its result discarded, and the caller gets {@link InvocationTimedOutException} (a queue batch is
     * then not deleted: its records come back after their visibility timeout). An interrupted caller (the stack
     * stopping) interrupts the invocation likewise. Either way the invocation gets {@value #STOP_GRACE_MILLIS} ms to
     * stop (giving its session's run claim back while the tables are still there) before the caller goes on.
     */
    @SuppressWarnings("unchecked")
    private <I, O> O handle(String function, Object handler, I event, int timeoutSeconds) {
        long start = System.nanoTime();
        LocalLambdaContext context = new LocalLambdaContext(function, timeoutSeconds);
        FutureTask<O> task = new FutureTask<>(() -> ((RequestHandler<I, O>) handler).handleRequest(event, context));
        Map<String, String> logIds = org.slf4j.MDC.getCopyOfContextMap();
        Thread thread = Thread.ofPlatform().daemon().name("invocation-" + function).start(() -> {
            if (logIds != null) {
                org.slf4j.MDC.setContextMap(logIds);
            }
            task.run();
        });
        try {
            return task.get(timeoutSeconds * 1000L, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stop(task, thread);
            timeouts.increment();
            LOG.warn("{} timed out after {} s; its invocation was ended", function, timeoutSeconds);
            throw new InvocationTimedOutException(function, timeoutSeconds);
        } catch (InterruptedException e) {
            stop(task, thread);
            Thread.currentThread().interrupt();
            throw new IllegalStateException(function + " was interrupted: the stack is stopping", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(function + " failed: " + cause, cause);
        } finally {
            invocationEnded(function, event, System.nanoTime() - start);
        }
    }

    /** How long an ended invocation gets to stop before its caller goes on. */
    static final long STOP_GRACE_MILLIS = 5_000;

    private static void stop(FutureTask<?> task, Thread thread) {
        task.cancel(true);
        try {
            thread.join(STOP_GRACE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Invocations ended at their timeout so far. */
    long timeouts() {
        return timeouts.sum();
    }

    /** An invocation still running at its function's timeout, ended as Lambda ends it. */
    static final class InvocationTimedOutException extends RuntimeException {
        InvocationTimedOutException(String function, int timeoutSeconds) {
            super(function + " timed out after " + timeoutSeconds + " s");
        }
    }
}
