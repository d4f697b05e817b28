package dev.switchboard.infra;

import dev.switchboard.testing.LocalMcpServer;
import dev.switchboard.testing.ScriptedOpenAiServer;
import java.util.Map;

/**
 * One local stack per test JVM (start-up takes seconds), shared by every integration test class. The offline model
 * streams a word every 15 ms so a turn lasts long enough for "busy session" and ordering checks; the visibility
 * timeout is short so redelivery shows within a test.
 */
final class StackFixture {
    private static LocalStack stack;
    private static ScriptedOpenAiServer model;
    private static LocalMcpServer mcp;

    /** Text that makes the scripted model stream a long answer (for cancel tests). */
    static final String LONG_ANSWER = "please answer at length";
    /**
     * A message containing this makes the scripted model fail {@link #FLAKY_PERCENT} % of its calls (HTTP 500), each
     * distinct request at most once.
     */
    static final String FLAKY = "[flaky]";
    static final int FLAKY_PERCENT = 10;
    /**
     * A message containing {@code [stall-first:K]} makes the scripted model's first answer to it stop after K words
     * and hang (a worker that dies mid-stream, as its client sees it); later requests are answered in full.
     */
    static final java.util.regex.Pattern STALL_FIRST = java.util.regex.Pattern.compile("\\[stall-first:(\\d+)]");
    /**
     * A message containing this makes the scripted model answer {@link #MARKDOWN_ANSWER} (its turns only, not the
     * title or memory calls): Markdown with a fenced code block, a list, a table and a link, streamed word by word.
     */
    static final String MARKDOWN = "[markdown]";
    static final String MARKDOWN_ANSWER = """
            Here is the *plan*:

            ```java
            System.out.println("a < b && c");
            ```

            - first step
            - second step

            | name | value |
            |------|-------|
            | alpha | 1 |
            | beta | 2 |

            See [the docs](https://example.com/docs).
            """;
    /** A message containing this makes the scripted model fail every call for it (HTTP 500): a poison turn. */
    static final String POISON = "[poison]";
    /**
     * A message containing {@code [hold-memory:KEY]} makes the scripted model hold the memory extraction of its turn
     * (not the turn itself) until {@link #releaseMemory} releases KEY (at most {@link #HOLD_LIMIT}), then answer it with
     * one fact to ADD, {@code The user's codeword is KEY.}: a slow memory job, ending in a stored memory.
     */
    static final java.util.regex.Pattern HOLD_MEMORY = java.util.regex.Pattern.compile("\\[hold-memory:([A-Za-z0-9-]+)]");
    static final java.time.Duration HOLD_LIMIT = java.time.Duration.ofSeconds(40);
    private static final java.util.Map<String, java.util.concurrent.CountDownLatch> HELD =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Lets the memory extraction held by {@code [hold-memory:key]} answer. */
    static void releaseMemory(String key) {
        gate(key).countDown();
    }

    private static java.util.concurrent.CountDownLatch gate(String key) {
        return HELD.computeIfAbsent(key, k -> new java.util.concurrent.CountDownLatch(1));
    }

    private static ScriptedOpenAiServer.Reply heldMemory(String key) {
        try {
            gate(key).await(HOLD_LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ScriptedOpenAiServer.Reply.text("{\"operations\":[{\"op\":\"ADD\",\"text\":\"The user's codeword is "
                + key + ".\"}]}");
    }

    /** The model id of the scripted OpenAI-compatible server in the allow-list. */
    static final String SCRIPTED = "openai:scripted";
    static final String OFFLINE = "offline:switchboard-offline-echo";

    private StackFixture() {}

    /**
     * A DynamoDB client of the shared stack as {@code function}'s composition builds it, with {@code interceptor}
     * added (to count, refuse or alter its requests in a test).
     */
    static software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamo(String function,
            software.amazon.awssdk.core.interceptor.ExecutionInterceptor interceptor) {
        var env = new dev.switchboard.config.Env(stack().environment(function))
                .withExtra(dev.switchboard.adapter.aws.AwsClients.Interceptors.class,
                        new dev.switchboard.adapter.aws.AwsClients.Interceptors(java.util.List.of(interceptor)));
        return dev.switchboard.adapter.aws.AwsClients.dynamoDb(env);
    }

    static synchronized LocalStack stack() {
        if (stack == null) {
            ScriptedOpenAiServer.Script base = ScriptedOpenAiServer.defaultScript();
            java.util.Random random = new java.util.Random(42);
            java.util.Set<String> failedOnce = new java.util.HashSet<>();
            java.util.Set<String> stalledOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
            model = ScriptedOpenAiServer.start(body -> {
                String request = body.toString();
                if (request.contains(POISON)) {
                    return ScriptedOpenAiServer.Reply.failure(500, "poison");
                }
                java.util.regex.Matcher hold = HOLD_MEMORY.matcher(request);
                if (hold.find() && request.contains(dev.switchboard.knowledge.MemoryExtractor.MARKER)) {
                    return heldMemory(hold.group(1));
                }
                if (request.contains(MARKDOWN) && !request.contains(dev.switchboard.knowledge.MemoryExtractor.MARKER)
                        && !request.contains(dev.switchboard.turn.SessionTitles.MARKER)) {
                    return ScriptedOpenAiServer.Reply.text(ScriptedOpenAiServer.pieces(MARKDOWN_ANSWER));
                }
                if (request.contains(LONG_ANSWER)) {
                    return ScriptedOpenAiServer.Reply.text(
                            java.util.Collections.nCopies(400, "word ").toArray(String[]::new));
                }
                java.util.regex.Matcher stall = STALL_FIRST.matcher(request);
                if (stall.find() && !request.contains("[switchboard:memory-extraction]")
                        && !request.contains(dev.switchboard.turn.SessionTitles.MARKER)
                        && stalledOnce.add(lastUserText(body))) {
                    return new ScriptedOpenAiServer.Reply.Stall(java.util.Collections.nCopies(
                            Integer.parseInt(stall.group(1)), "word "), java.time.Duration.ofSeconds(30));
                }
                boolean fail;
                synchronized (random) {
                    // only turns (not memory extraction) fail, and each message text at most once, so the queue's
                    // retries always get a turn through
                    fail = request.contains(FLAKY) && !request.contains("[switchboard:memory-extraction]")
                            && !request.contains(dev.switchboard.turn.SessionTitles.MARKER)
                            && random.nextInt(100) < FLAKY_PERCENT && failedOnce.add(lastUserText(body));
                }
                return fail ? ScriptedOpenAiServer.Reply.failure(500, "injected failure") : base.reply(body);
            }, java.time.Duration.ofMillis(10));
            mcp = LocalMcpServer.start();
            stack = LocalStack.start(LocalStack.Options.defaults()
                    .withVisibility(3)
                    .withEnv(Map.of("OFFLINE_DELAY_MILLIS", "15", "DELTA_FLUSH_MILLIS", "40",
                            "MODELS", OFFLINE + "," + SCRIPTED,
                            "OPENAI_BASE_URL", model.baseUrl(),
                            "TOOLS_ALLOWED", "*",
                            "TOOLS_APPROVAL", LocalMcpServer.WIPE_RECORDS,
                            "MCP_SERVERS", "[{\"name\":\"shop\",\"transport\":\"http\",\"url\":\"" + mcp.url() + "\"}]",
                            "CANCEL_POLL_MILLIS", "100")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stack.close();
                model.close();
                mcp.close();
            }));
        }
        return stack;
    }

    private static String lastUserText(com.fasterxml.jackson.databind.JsonNode body) {
        String last = "";
        for (com.fasterxml.jackson.databind.JsonNode m : body.path("messages")) {
            if ("user".equals(m.path("role").asText())) {
                last = m.path("content").toString();
            }
        }
        return last;
    }

    /** The scripted OpenAI-compatible model server behind {@link #SCRIPTED}. */
    static synchronized ScriptedOpenAiServer model() {
        stack();
        return model;
    }

    /** The MCP server (streamable HTTP) whose tools the worker offers: lookup_order, and wipe_records (approval). */
    static synchronized LocalMcpServer mcp() {
        stack();
        return mcp;
    }
}
