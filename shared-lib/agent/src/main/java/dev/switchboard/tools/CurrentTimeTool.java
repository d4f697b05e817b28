package dev.switchboard.tools;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.switchboard.port.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Set;

/** {@code current_time}: the clock's time in an IANA time zone (UTC when none is given). */
final class CurrentTimeTool implements AgentTool {
    static final String NAME = "current_time";
    private static final int MAX_ZONE_CHARS = 64;
    private static final ZoneId UTC = ZoneId.of("UTC");

    private final Clock clock;
    private final ToolSpecification spec = ToolSpecification.builder()
            .name(NAME)
            .description("Returns the current date and time. Use it whenever the answer depends on today's date or"
                    + " the time of day.")
            .parameters(JsonObjectSchema.builder()
                    .addStringProperty("timezone", "IANA time zone name such as Europe/Paris or America/New_York;"
                            + " UTC when omitted")
                    .additionalProperties(false)
                    .build())
            .build();

    CurrentTimeTool(Clock clock) {
        this.clock = clock;
    }

    @Override
    public ToolSpecification specification() {
        return spec;
    }

    @Override
    public String origin() {
        return BuiltinTools.ORIGIN;
    }

    @Override
    public String execute(ToolContext context, String argumentsJson) {
        ToolArguments args = ToolArguments.parse(argumentsJson, Set.of("timezone"));
        ZoneId zone = args.optionalString("timezone", MAX_ZONE_CHARS)
                .filter(z -> !z.isBlank())
                .map(CurrentTimeTool::zone)
                .orElse(UTC);
        long millis = clock.millis();
        ZonedDateTime now = Instant.ofEpochMilli(millis).atZone(zone);
        return ToolArguments.object()
                .put("time", now.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .put("timezone", zone.getId())
                .put("dayOfWeek", now.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH))
                .put("epochMillis", millis)
                .toString();
    }

    private static ZoneId zone(String name) {
        try {
            return ZoneId.of(name.trim());
        } catch (DateTimeException e) {
            throw new ToolException("unknown time zone '" + name + "': use an IANA name such as Europe/Paris");
        }
    }
}
