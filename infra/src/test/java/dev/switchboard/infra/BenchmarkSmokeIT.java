package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.infra.bench.DesignMinimum;
import dev.switchboard.infra.bench.Floor;
import dev.switchboard.infra.bench.LoadBenchmark;
import dev.switchboard.infra.bench.TierRatio;
import dev.switchboard.infra.bench.WorkerFootprint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The load benchmark at smoke size, so it keeps working: its own local stack (its own port and bench model, not
 * StackFixture's), 4 users × 2 sessions × 2 turns of a 500-token answer at 125 tokens/s with the worker's default
 * delta flush interval; and the tier ratio's two modes for one user of two turns each.
 */
class BenchmarkSmokeIT {
    private static final int ANSWER_TOKENS = 500;
    private static final int TOKENS_PER_SECOND = 125;
    /** The worker's default DELTA_FLUSH_MILLIS (WorkerHandler). */
    private static final int DEFAULT_FLUSH_MILLIS = 100;

    @Test
    void runsEveryTurnWithNothingLostDuplicatedOrMisdeliveredAndReportsTheCallsPerTurn() {
        LoadBenchmark.Settings settings = new LoadBenchmark.Settings(4, 2, 2, 8, 100, TOKENS_PER_SECOND,
                ANSWER_TOKENS, 30, 0, -1, 0);
        LoadBenchmark.Report r = LoadBenchmark.run(settings, System.out);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        r.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        String table = printed.toString(StandardCharsets.UTF_8);
        System.out.println(table);

        assertThat(r.turnsSent()).isEqualTo(16);
        assertThat(r.turnsAnswered()).isEqualTo(16);
        assertThat(r.lost()).isZero();
        assertThat(r.duplicated()).isZero();
        assertThat(r.misdelivered()).isZero();
        assertThat(r.inconsistent()).isZero();
        assertThat(r.overheadMillis()).hasSize(16);
        assertThat(r.acceptedMillis()).hasSize(16);

        // every kind of AWS call is counted, DynamoDB with the consumed capacity the counter asked for
        assertThat(r.perTurn(r.calls().total("DynamoDb."))).isPositive();
        assertThat(r.perTurn(r.calls().total("Sqs."))).isGreaterThanOrEqualTo(1.0);
        assertThat(r.calls().byFunction()).containsKey("MessageFunction/Sqs.SendMessage")
                .containsKey("WorkerFunction/ApiGatewayManagementApi.PostToConnection");
        assertThat(r.calls().capacityReports()).isPositive();
        assertThat(r.calls().writeUnits()).isPositive();
        assertThat(r.costPer1000Turns().values().stream().mapToDouble(Double::doubleValue).sum()).isPositive();

        // deltas are batched: at most a post per first flush interval of streaming (plus the first delta and done),
        // far fewer than one per token; the interval grows from there (DeltaBatcherTest counts the deltas exactly)
        double posts = r.perTurn(r.postToConnection());
        double streamingSecondsPerTurn = r.streamingSeconds() / r.turnsAnswered();
        assertThat(posts).isPositive()
                .isLessThanOrEqualTo(streamingSecondsPerTurn * 1000 / DEFAULT_FLUSH_MILLIS + 3)
                .isLessThan(ANSWER_TOKENS / 4.0);

        assertThat(r.heapAfterInit()).isPositive();
        assertThat(r.note()).as("errors, or frames of sessions never accepted").isEmpty();
        assertThat(table).contains("lost 0, duplicated 0, misdelivered frames 0", "PostToConnection", "total");
    }

    @Test
    void theFloorRunsTheSameLoadOnTheSameStackAndEveryRatioIsPrintedAndFinite() {
        LoadBenchmark.Settings settings = new LoadBenchmark.Settings(3, 1, 2, 3, 50, 1000, 20, 30, 0, -1, 0);
        Floor.Result r = Floor.run(settings, System.out);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        r.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        String table = printed.toString(StandardCharsets.UTF_8);
        System.out.println(table);

        assertThat(r.switchboard().turnsAnswered()).isEqualTo(6);
        assertThat(r.floor().turnsSent()).isEqualTo(6);
        assertThat(r.floor().turnsAnswered()).as("the floor's turns all answered").isEqualTo(6);
        assertThat(r.floor().clean()).isTrue();
        assertThat(r.floor().note()).isEmpty();
        // the floor's path is what it says: per turn one conditional PutItem + one SendMessage in the message
        // function, one PutItem in the worker, and its deltas posted
        assertThat(r.floor().calls().byFunction()).containsEntry("MessageFunction/DynamoDb.PutItem", 6L)
                .containsEntry("MessageFunction/Sqs.SendMessage", 6L)
                .containsEntry("WorkerFunction/DynamoDb.PutItem", 6L)
                .containsKey("WorkerFunction/ApiGatewayManagementApi.PostToConnection");
        assertThat(r.ratios()).containsOnlyKeys("send -> accepted p50", "overhead to first delta p50", "turns/s",
                "CPU per turn", "DynamoDB wait per turn");
        assertThat(r.switchboard().dynamoWaitMillisPerTurn()).as("the waits for DynamoDB Local, measured")
                .isGreaterThan(r.floor().dynamoWaitMillisPerTurn());
        assertThat(r.ratios().values()).allSatisfy(v -> assertThat(v).isFinite().isPositive());
        assertThat(table).contains("Switchboard / floor", "send -> accepted p50", "overhead to first delta p50",
                "turns/s", "CPU per turn");
        // the worker's duration is counted per invocation, beside the old upper bound
        assertThat(r.switchboard().durations().seconds("WorkerFunction")).isPositive();
        assertThat(r.switchboard().costPer1000Turns().get("Lambda GB-seconds (worker, counted)")).isPositive();
        assertThat(r.switchboard().durationUpperBoundsPer1000Turns().get("Lambda GB-seconds (worker, counted)"))
                .isPositive();
        assertThat(table).contains("upper bound (old)", "Lambda duration counted per invocation");
        // the critical path, measured from the functions' log context: every sendMessage invocation's requests (they
        // add up to the message function's), and for every answered turn the worker's before its first delta (at
        // least the history read and the run claim)
        LoadBenchmark.CriticalPath path = r.switchboard().criticalPath();
        assertThat(path.beforeAccepted()).hasSize(6);
        assertThat(java.util.Arrays.stream(path.beforeAccepted()).min().orElseThrow()).isPositive();
        assertThat(java.util.Arrays.stream(path.beforeAccepted()).sum()).isEqualTo(r.switchboard().calls().byFunction()
                .entrySet().stream().filter(e -> e.getKey().startsWith("MessageFunction/DynamoDb."))
                .mapToLong(java.util.Map.Entry::getValue).sum());
        assertThat(path.workerBeforeFirstDelta()).hasSize(6);
        assertThat(java.util.Arrays.stream(path.workerBeforeFirstDelta()).min().orElseThrow())
                .isGreaterThanOrEqualTo(2);
        assertThat(r.floor().criticalPath().workerBeforeFirstDelta()).as("the floor's worker logs no turn").isEmpty();
        assertThat(r.targets()).hasSize(11).allSatisfy(t -> assertThat(t.measured()).isFinite())
                .allSatisfy(t -> assertThat(t.unmetBecause()).as(t.name()).isNotBlank());
        assertThat(table).contains("Issue 14's targets", "DynamoDB in the worker before the first delta");
        // every unmet target is printed with why: the design's minimum for it
        r.targets().stream().filter(t -> !t.met())
                .forEach(t -> assertThat(table).contains(t.name()).contains("why: " + t.unmetBecause()));
        // the design's minimum for this load's answer (50 ms, then 20 tokens at 1,000/s: no full poll interval)
        DesignMinimum min = r.designMinimum();
        assertThat(min.of(DesignMinimum.Part.MESSAGE_BEFORE_ACCEPTED)).isEqualTo(2);
        assertThat(min.of(DesignMinimum.Part.WORKER_BEFORE_FIRST_DELTA)).isEqualTo(4);
        assertThat(min.steps()).filteredOn(s -> s.request().startsWith("cancel poll")).singleElement()
                .satisfies(s -> assertThat(s.requests()).isZero());
        assertThat(min.total()).as("at most the measured count: the sessions' first turns make more")
                .isLessThanOrEqualTo(r.switchboard().perTurn(r.switchboard().calls().total("DynamoDb.")));
        assertThat(table).contains("The design's fewest DynamoDB requests", "run claim UpdateItem",
                "What bounds the latency and throughput here");
        Floor.Result.Bound bound = r.bound();
        assertThat(bound.cpuMillisPerRequest()).as("a DynamoDB request costs CPU").isPositive();
        assertThat(bound.turnsPerSecond()).isFinite().isPositive();
        assertThat(bound.coresBusy()).isPositive().isLessThanOrEqualTo(bound.cores() + 0.5);
    }

    @Test
    void tierRatioAnswersEveryTurnInBothModesAndBuildsTheWorkerForEachPerRequestInvocation() {
        TierRatio.Result r = TierRatio.run(TierRatio.smoke(), System.out);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        r.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        System.out.println(printed.toString(StandardCharsets.UTF_8));

        assertThat(r.turnsSent()).isEqualTo(4);
        assertThat(r.lost()).isZero();
        assertThat(r.tieredFirst()).hasSize(1);
        assertThat(r.tieredLater()).hasSize(1);
        assertThat(r.perRequestFirst()).hasSize(1);
        assertThat(r.perRequestLater()).hasSize(1);
        // every worker invocation of the per-request turns (each turn and its memory job) built its own composition
        assertThat(r.perRequestInvocations()).isGreaterThanOrEqualTo(2);
        assertThat(r.compositions().count()).isEqualTo(r.perRequestInvocations());
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("tier ratio: first turn", "later turns");
    }

    @Test
    void theWorkerFootprintRunsTheEmbeddingModelInAJvmSizedAsLambdaSizesOneAndPrintsItsResidentSize() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<WorkerFootprint.Result> results = WorkerFootprint.run(List.of(1024), 1, 1, 1, 256,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        String table = printed.toString(StandardCharsets.UTF_8);
        System.out.println(table);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.completed()).as(r.error()).isTrue();
            // one document of the largest size: its chunks were embedded in the worker's own jar's JVM
            assertThat(r.chunksEmbedded()).isGreaterThan(50);
            assertThat(r.modelResident()).as("the ONNX model's resident size").isPositive();
            assertThat(r.peakRss()).isGreaterThan(r.modelResident()).isGreaterThan(r.peakHeapUsed());
            assertThat(r.peakHeapUsed()).isGreaterThan(r.heapModelLoaded());
        });
        assertThat(table).contains("1024 MB", "peak RSS", "+user cache");
    }
}
