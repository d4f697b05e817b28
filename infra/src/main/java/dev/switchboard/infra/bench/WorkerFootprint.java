package dev.switchboard.infra.bench;

import dev.switchboard.domain.KnowledgeLimits;
import dev.switchboard.infra.TemplateModel;
import dev.switchboard.knowledge.MiniLmEmbedder;
import dev.switchboard.usecase.Chunker;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The worker's memory with its embedding model working (docs/performance.md, "Worker size"). For each function size
 * asked for, a JVM of its own is started on the worker's deployment jar ({@code functions/worker/target/worker-lambda.jar})
 * with the heap, metaspace and code-cache limits Lambda's Java runtime derives from the function's memory (85 % /
 * 10 % / 5 %, serial GC). That JVM loads all-MiniLM-L6-v2 as the worker's composition root does, then does the
 * embedding work of a full worker batch at once: {@code documents} documents of the largest accepted size
 * ({@link KnowledgeLimits#MAX_DOCUMENT_CHARS}) chunked and embedded in parallel, while {@code queries} turns embed their
 * question for retrieval, {@code rounds} times. A sampler reads the used heap and the process's resident size (Linux
 * {@code /proc/self/status}: VmRSS, and VmHWM, its peak) throughout. The resident size is what Lambda holds against
 * the function's memory; it includes the ONNX runtime's native memory, which no Java heap figure shows.
 */
public final class WorkerFootprint {
    private static final String WORKER_JAR = "functions/worker/target/worker-lambda.jar";
    private static final long MB = 1024L * 1024;

    private WorkerFootprint() {}

    /** One size's figures, in bytes (as the child JVM printed them). */
    public record Result(int memoryMb, boolean completed, long heapBeforeModel, long heapModelLoaded, long rssBeforeModel,
                  long rssModelLoaded, long peakHeapUsed, long peakRss, long chunksEmbedded, long millis, String error) {
        /** Resident size the embedding model adds (loaded, after GC). */
        public long modelResident() {
            return rssModelLoaded - rssBeforeModel;
        }
    }

    /** Runs the child JVM for each size and prints the table. */
    public static List<Result> run(List<Integer> sizesMb, int documents, int queries, int rounds, long userCacheMb,
                                   PrintStream out) {
        Path root = TemplateModel.locate().getParent();
        Path jar = root.resolve(WORKER_JAR);
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn install -DskipTests)");
        }
        List<Result> results = new ArrayList<>();
        for (int mb : sizesMb) {
            results.add(child(jar, mb, documents, queries, rounds));
        }
        print(results, documents, queries, rounds, userCacheMb, out);
        return results;
    }

    private static Result child(Path jar, int memoryMb, int documents, int queries, int rounds) {
        String self = selfLocation();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxHeapSize=" + memoryMb * 1024L * 85 / 100 + "k",
                "-XX:MaxMetaspaceSize=" + memoryMb * 1024L * 10 / 100 + "k",
                "-XX:ReservedCodeCacheSize=" + memoryMb * 1024L * 5 / 100 + "k",
                "-XX:+UseSerialGC", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                "-cp", jar + File.pathSeparator + self,
                Child.class.getName(), String.valueOf(documents), String.valueOf(queries), String.valueOf(rounds)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return failed(memoryMb, "did not finish in 10 minutes");
            }
            Map<String, Long> figures = parse(output);
            if (p.exitValue() != 0 || !figures.containsKey("peakRss")) {
                return failed(memoryMb, "exit " + p.exitValue() + ": " + lastLines(output, 5));
            }
            return new Result(memoryMb, true, figures.get("heapBeforeModel"), figures.get("heapModelLoaded"),
                    figures.get("rssBeforeModel"), figures.get("rssModelLoaded"), figures.get("peakHeapUsed"),
                    figures.get("peakRss"), figures.get("chunks"), figures.get("millis"), "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the worker's JVM", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Result failed(int memoryMb, String why) {
        return new Result(memoryMb, false, 0, 0, 0, 0, 0, 0, 0, 0, why);
    }

    /** The child's {@code figure key=value ...} line. */
    static Map<String, Long> parse(String output) {
        Map<String, Long> figures = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("figures ")) {
                for (String pair : line.substring("figures ".length()).trim().split(" ")) {
                    String[] kv = pair.split("=", 2);
                    figures.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        }
        return figures;
    }

    private static String lastLines(String output, int n) {
        String[] lines = output.strip().split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - n), lines.length));
    }

    private static String selfLocation() {
        try {
            return Path.of(WorkerFootprint.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void print(List<Result> results, int documents, int queries, int rounds, long userCacheMb,
                      PrintStream out) {
        out.printf(Locale.ROOT, "%nWorker footprint with the embedding model working (a JVM of its own on %s, Java %s,"
                        + " %d cores)%n", WORKER_JAR, Runtime.version(), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "  work      : %d rounds of %d documents of %,d chars chunked and embedded in parallel"
                + " while %d questions are embedded%n", rounds, documents, KnowledgeLimits.MAX_DOCUMENT_CHARS, queries);
        out.printf(Locale.ROOT, "  JVM limits: heap 85 %%, metaspace 10 %%, code cache 5 %% of the function's memory,"
                + " serial GC, C1 only (as Lambda's Java runtime)%n");
        out.printf(Locale.ROOT, "  %-9s %-9s %-12s %-12s %-14s %-14s %-10s %-12s %s%n", "memory", "completed",
                "model RSS", "heap loaded", "peak heap", "peak RSS", "chunks", "+user cache", "fits");
        for (Result r : results) {
            if (!r.completed()) {
                out.printf(Locale.ROOT, "  %-9s %-9s %s%n", r.memoryMb() + " MB", "no", r.error());
                continue;
            }
            long worst = r.peakRss() + userCacheMb * MB;
            out.printf(Locale.ROOT, "  %-9s %-9s %-12s %-12s %-14s %-14s %-10d %-12s %s%n", r.memoryMb() + " MB", "yes",
                    mb(r.modelResident()), mb(r.heapModelLoaded()), mb(r.peakHeapUsed()), mb(r.peakRss()),
                    r.chunksEmbedded(), mb(worst), worst <= r.memoryMb() * MB ? "yes" : "no");
        }
        out.printf(Locale.ROOT, "  (+user cache = peak RSS + USER_CACHE_MAX_MB %d MB, the user cache's bound, which"
                + " this run leaves empty: the worst case the function's memory must hold)%n", userCacheMb);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (double) MB);
    }

    /** The measured JVM: prints {@code figures key=value ...}. */
    public static final class Child {
        private Child() {}

        public static void main(String[] args) throws Exception {
            int documents = Integer.parseInt(args[0]);
            int queries = Integer.parseInt(args[1]);
            int rounds = Integer.parseInt(args[2]);
            long heapBefore = heapAfterGc();
            long rssBefore = status("VmRSS");
            long started = System.nanoTime();
            try (MiniLmEmbedder embedder = new MiniLmEmbedder()) {
                embedder.embed("warm up");
                long heapLoaded = heapAfterGc();
                long rssLoaded = status("VmRSS");
                AtomicLong peakHeap = new AtomicLong();
                AtomicLong peakRss = new AtomicLong();
                AtomicBoolean running = new AtomicBoolean(true);
                Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                    while (running.get()) {
                        peakHeap.accumulateAndGet(heapUsed(), Math::max);
                        peakRss.accumulateAndGet(status("VmRSS"), Math::max);
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                long chunks = 0;
                ExecutorService pool = Executors.newFixedThreadPool(documents + queries);
                try {
                    for (int round = 0; round < rounds; round++) {
                        List<Future<Integer>> work = new ArrayList<>();
                        for (int d = 0; d < documents; d++) {
                            String text = document(new Random(round * 1000L + d));
                            work.add(pool.submit(() -> embedder.embedAll(Chunker.DEFAULT.split(text)).size()));
                        }
                        for (int q = 0; q < queries; q++) {
                            String question = "what did the report say about item " + round + "-" + q + "?";
                            work.add(pool.submit(() -> {
                                embedder.embed(question);
                                return 0;
                            }));
                        }
                        for (Future<Integer> f : work) {
                            chunks += f.get();
                        }
                    }
                } finally {
                    pool.shutdownNow();
                    running.set(false);
                    sampler.join();
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                System.out.printf(Locale.ROOT, "figures heapBeforeModel=%d heapModelLoaded=%d rssBeforeModel=%d"
                                + " rssModelLoaded=%d peakHeapUsed=%d peakRss=%d chunks=%d millis=%d%n", heapBefore,
                        heapLoaded, rssBefore, rssLoaded, Math.max(peakHeap.get(), peakHeapPools()),
                        Math.max(peakRss.get(), status("VmHWM")), chunks, millis);
            }
        }

        /** A document of the largest accepted size, of sentences of common words. */
        private static String document(Random random) {
            String[] words = {"the", "quarterly", "report", "shows", "revenue", "growth", "in", "every", "region",
                "while", "costs", "fell", "and", "our", "team", "shipped", "new", "features", "to", "customers",
                "模型", "数据", "会话", "用户"};
            StringBuilder b = new StringBuilder(KnowledgeLimits.MAX_DOCUMENT_CHARS);
            while (b.length() < KnowledgeLimits.MAX_DOCUMENT_CHARS - 200) {
                int n = 8 + random.nextInt(14);
                for (int i = 0; i < n; i++) {
                    b.append(words[random.nextInt(words.length)]).append(i + 1 < n ? " " : ". ");
                }
            }
            return b.toString();
        }

        private static long heapAfterGc() {
            System.gc();
            return heapUsed();
        }

        private static long heapUsed() {
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        /** Sum of the heap pools' peak usage (the JVM's own record, between samples too). */
        private static long peakHeapPools() {
            long sum = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    sum += pool.getPeakUsage().getUsed();
                }
            }
            return sum;
        }

        /** A {@code /proc/self/status} figure in bytes (Linux; 0 elsewhere). */
        private static long status(String key) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith(key + ":")) {
                        return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").trim()) * 1024;
                    }
                }
                return 0;
            } catch (IOException e) {
                return 0;
            }
        }
    }

    @Command(name = "worker-footprint", mixinStandardHelpOptions = true,
            description = "The worker's heap and resident size with the embedding model working, in a JVM sized as "
                    + "Lambda sizes one for each function memory given (docs/performance.md, \"Worker size\").")
    static final class Cli implements Callable<Integer> {
        @Option(names = "--memory-mb", split = ",", description = "function memory sizes to try, MB (default: ${DEFAULT-VALUE})")
        List<Integer> memoryMb = new ArrayList<>(List.of(512, 1024, 2048));

        @Option(names = "--documents", description = "documents indexed at once, as a full batch of memory jobs (default: ${DEFAULT-VALUE})")
        int documents = 10;

        @Option(names = "--queries", description = "questions embedded at the same time (default: ${DEFAULT-VALUE})")
        int queries = 10;

        @Option(names = "--rounds", description = "times the batch of work is repeated (default: ${DEFAULT-VALUE})")
        int rounds = 3;

        @Option(names = "--user-cache-mb", description = "the user cache's bound added to the peak (USER_CACHE_MAX_MB; default: ${DEFAULT-VALUE})")
        long userCacheMb = 256;

        @Override
        public Integer call() {
            List<Result> results = run(memoryMb, documents, queries, rounds, userCacheMb, System.out);
            return results.stream().anyMatch(Result::completed) ? 0 : 1;
        }
    }
}
