package dev.switchboard.infra.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import dev.switchboard.infra.LocalStack;
import org.slf4j.MDC;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;

/**
 * Counts every AWS request a client makes, by service and operation ({@code DynamoDb.PutItem},
 * {@code Sqs.SendMessage}, {@code ApiGatewayManagementApi.PostToConnection}), each HTTP attempt once (a retry is
 * billed again), failed ones too. With {@code askCapacity}, it also adds {@code ReturnConsumedCapacity=TOTAL} to every
 * DynamoDB request that takes it, so no store has to, and sums the capacity units the responses report, split into
 * read and write units by operation. Installed in a local stack, it also counts by function
 * ({@code MessageFunction/DynamoDb.PutItem}), and, from the functions' log context (MDC), when each DynamoDB request of
 * a turn went out and how many each invocation made: the requests on a turn's critical path; and how long the
 * clients waited for each request's response, by operation (the emulators' queueing shows there). Thread-safe; holds
 * no static state.
 */
public final class AwsCallCounter implements LocalStack.PerFunctionInterceptor {
    private static final String DYNAMODB = "DynamoDb";
    private static final Set<String> WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
            "TransactWriteItems");

    private final boolean askCapacity;
    private final String function;
    private final AwsCallCounter root;
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    /** Nanoseconds from each attempt's transmission to its response, by {@code Service.Operation}. */
    private final Map<String, LongAdder> waitNanos = new ConcurrentHashMap<>();
    private static final ExecutionAttribute<Long> SENT = new ExecutionAttribute<>("switchboard.bench.sent");
    private final DoubleAdder readUnits = new DoubleAdder();
    private final DoubleAdder writeUnits = new DoubleAdder();
    private final LongAdder capacityReports = new LongAdder();
    /** When each DynamoDB request of a turn went out (nanoTime), by function and the log context's turnId. */
    private final Map<String, Map<String, java.util.Queue<Long>>> turnRequestTimes = new ConcurrentHashMap<>();
    /** The DynamoDB requests of each invocation (the log context's requestId), by function, and when it started. */
    private final Map<String, Map<String, Invocation>> invocationRequests = new ConcurrentHashMap<>();

    /** One invocation's DynamoDB requests and its first request's time. */
    private record Invocation(long firstNanos, LongAdder requests) {}

    public AwsCallCounter(boolean askCapacity) {
        this.askCapacity = askCapacity;
        this.function = "";
        this.root = this;
    }

    private AwsCallCounter(AwsCallCounter root, String function) {
        this.askCapacity = root.askCapacity;
        this.function = function;
        this.root = root;
    }

    /** A view that counts into this counter, under {@code function}. */
    @Override
    public ExecutionInterceptor forFunction(String function) {
        return new AwsCallCounter(root, function);
    }

    /**
     * A snapshot of the counts so far: {@code calls} and {@code failures} by {@code Service.Operation},
     * {@code byFunction} by {@code Function/Service.Operation}; {@code waitNanos} the time the clients waited for the
     * responses, by {@code Service.Operation}.
     */
    public record Counts(Map<String, Long> calls, Map<String, Long> byFunction, Map<String, Long> failures,
                         double readUnits, double writeUnits, long capacityReports, Map<String, Long> waitNanos) {
        /** The milliseconds waited for the responses of the operations whose key starts with {@code prefix}. */
        public double waitMillis(String prefix) {
            return waitNanos.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                    .mapToLong(Map.Entry::getValue).sum() / 1e6;
        }

        public long total(String prefix) {
            return calls.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        public long of(String key) {
            return calls.getOrDefault(key, 0L);
        }

        /** The counts since {@code before}. */
        public Counts minus(Counts before) {
            return new Counts(difference(calls, before.calls), difference(byFunction, before.byFunction),
                    difference(failures, before.failures), readUnits - before.readUnits,
                    writeUnits - before.writeUnits, capacityReports - before.capacityReports,
                    difference(waitNanos, before.waitNanos));
        }

        private static Map<String, Long> difference(Map<String, Long> after, Map<String, Long> before) {
            Map<String, Long> d = new TreeMap<>(after);
            before.forEach((k, v) -> d.merge(k, -v, Long::sum));
            d.values().removeIf(v -> v == 0);
            return d;
        }
    }

    public Counts snapshot() {
        Map<String, Long> byFunction = new TreeMap<>();
        root.calls.forEach((k, v) -> byFunction.put(k, v.sum()));
        Map<String, Long> c = new TreeMap<>();
        byFunction.forEach((k, v) -> c.merge(operation(k), v, Long::sum));
        Map<String, Long> f = new TreeMap<>();
        root.failures.forEach((k, v) -> f.merge(operation(k), v.sum(), Long::sum));
        byFunction.keySet().removeIf(k -> !k.contains("/"));
        Map<String, Long> w = new TreeMap<>();
        root.waitNanos.forEach((k, v) -> w.merge(operation(k), v.sum(), Long::sum));
        return new Counts(c, byFunction, f, root.readUnits.sum(), root.writeUnits.sum(),
                root.capacityReports.sum(), w);
    }

    private static String operation(String key) {
        return key.substring(key.indexOf('/') + 1);
    }

    private String key(ExecutionAttributes attributes) {
        return (function.isEmpty() ? "" : function + "/")
                + attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        if (!askCapacity || !DYNAMODB.equals(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))) {
            return request;
        }
        Optional<SdkField<?>> field = request.sdkFields().stream()
                .filter(f -> "ReturnConsumedCapacity".equals(f.memberName())).findFirst();
        if (field.isEmpty() || request.getValueForField("ReturnConsumedCapacity", Object.class).isPresent()) {
            return request;
        }
        SdkRequest.Builder builder = request.toBuilder();
        field.get().set(builder, "TOTAL");
        return builder.build();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        root.calls.computeIfAbsent(key(attributes), k -> new LongAdder()).increment();
        attributes.putAttribute(SENT, System.nanoTime());
        if (!function.isEmpty() && DYNAMODB.equals(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))) {
            long now = System.nanoTime();
            String turnId = MDC.get("turnId");
            if (turnId != null) {
                root.turnRequestTimes.computeIfAbsent(function, k -> new ConcurrentHashMap<>())
                        .computeIfAbsent(turnId, k -> new java.util.concurrent.ConcurrentLinkedQueue<>()).add(now);
            }
            String requestId = MDC.get("requestId");
            if (requestId != null) {
                root.invocationRequests.computeIfAbsent(function, k -> new ConcurrentHashMap<>())
                        .computeIfAbsent(requestId, k -> new Invocation(now, new LongAdder())).requests().increment();
            }
        }
    }

    /**
     * The DynamoDB requests {@code function} made for {@code turnId} (its log context's turn) before {@code nanos};
     * -1 when it made none for the turn (or logs no turn id).
     */
    public long turnRequestsBefore(String function, String turnId, long nanos) {
        java.util.Queue<Long> times = root.turnRequestTimes.getOrDefault(function, Map.of()).get(turnId);
        return times == null ? -1 : times.stream().filter(t -> t < nanos).count();
    }

    /** The DynamoDB requests of each invocation of {@code function} (by its requestId) that began after {@code nanos}. */
    public long[] requestsPerInvocationSince(String function, long nanos) {
        return root.invocationRequests.getOrDefault(function, Map.of()).values().stream()
                .filter(i -> i.firstNanos() >= nanos).mapToLong(i -> i.requests().sum()).toArray();
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Long sent = attributes.getAttribute(SENT);
        if (sent != null) {
            root.waitNanos.computeIfAbsent(key(attributes), k -> new LongAdder()).add(System.nanoTime() - sent);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (!DYNAMODB.equals(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))) {
            return;
        }
        Object consumed = context.response().getValueForField("ConsumedCapacity", Object.class).orElse(null);
        double units = 0;
        if (consumed instanceof ConsumedCapacity c) {
            units = c.capacityUnits() == null ? 0 : c.capacityUnits();
        } else if (consumed instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof ConsumedCapacity c && c.capacityUnits() != null) {
                    units += c.capacityUnits();
                }
            }
        } else {
            return;
        }
        root.capacityReports.increment();
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        (WRITES.contains(operation) ? root.writeUnits : root.readUnits).add(units);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        root.failures.computeIfAbsent(key(attributes), k -> new LongAdder()).increment();
    }
}
