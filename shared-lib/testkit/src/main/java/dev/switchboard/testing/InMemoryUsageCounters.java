package dev.switchboard.testing;

import dev.switchboard.port.UsageCounters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Test-only {@link UsageCounters}: minute → name → value, behaving like the DynamoDB adapter. */
public class InMemoryUsageCounters implements UsageCounters {
    private final TreeMap<Long, Map<String, Long>> minutes = new TreeMap<>();

    @Override
    public synchronized void add(long nowMillis, Map<String, Long> amounts) {
        amounts.forEach((name, v) -> {
            UsageCounters.checkName(name);
            if (v != null && v != 0) {
                minutes.computeIfAbsent(nowMillis / 60_000, m -> new HashMap<>()).merge(name, v, Long::sum);
            }
        });
    }

    @Override
    public synchronized void max(long nowMillis, String gauge, long value) {
        UsageCounters.checkName(gauge);
        minutes.computeIfAbsent(nowMillis / 60_000, m -> new HashMap<>()).merge(gauge, value, Math::max);
    }

    @Override
    public synchronized List<Minute> read(long fromMinute, long toMinute) {
        List<Minute> out = new ArrayList<>();
        if (toMinute >= fromMinute) {
            minutes.subMap(fromMinute, true, toMinute, true).forEach((m, values) -> out.add(new Minute(m, values)));
        }
        return out;
    }
}
