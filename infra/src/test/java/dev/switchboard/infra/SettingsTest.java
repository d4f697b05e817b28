package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** README's Configuration table and the one declaration of the settings ({@link Setting}) say the same. */
class SettingsTest {
    private static final Pattern ROW = Pattern.compile("^\\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \\| ([^|]*) \\| ([^|]*) \\| (.*) \\|$");
    private static final Pattern NAME = Pattern.compile("`([A-Z_]+)`");

    /** Variable name → the row's default and meaning columns. */
    private static Map<String, String[]> readmeTable() throws IOException {
        Path readme = TemplateModel.locate().getParent().resolve("README.md");
        String text = Files.readString(readme);
        String section = text.substring(text.indexOf("## Configuration"), text.indexOf("\n## ", text.indexOf("## Configuration") + 5));
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : section.split("\n")) {
            Matcher row = ROW.matcher(line);
            if (!row.matches()) {
                continue;
            }
            Matcher names = NAME.matcher(row.group(1));
            int i = 0;
            while (names.find()) {
                rows.put(names.group(1), new String[] {row.group(3), row.group(4), Integer.toString(i++)});
            }
        }
        return rows;
    }

    @Test
    void theReadmeDocumentsExactlyTheDeclaredSettings() throws IOException {
        Set<String> declared = Arrays.stream(Setting.values()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(readmeTable().keySet())).isEqualTo(declared);
    }

    @Test
    void everyDeclaredDefaultAndRangeIsTheReadmes() throws IOException {
        Map<String, String[]> table = readmeTable();
        for (Setting s : Setting.values()) {
            String[] row = table.get(s.name());
            String defaults = row[0];
            if (s.defaultValue() != null && !s.defaultValue().isEmpty()) {
                assertThat(defaults).as("README default of %s", s).contains(
                        s.kind() == Setting.Kind.TEXT && s.defaultValue().contains(" ")
                                ? s.defaultValue() : "`" + s.defaultValue() + "`");
            }
            if (s.kind() == Setting.Kind.INT) {
                assertThat(row[1]).as("README range of %s", s).contains(s.min() + "–" + s.max());
            }
            if (s.kind() == Setting.Kind.LONG) {
                assertThat(row[1]).as("README range of %s", s).contains(s.min() + " or more");
            }
        }
    }

    @Test
    void theLocalStackPassesEveryTunableSettingThroughAndWiresTheRest() {
        Map<String, String> shell = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            shell.put(s.name(), "from-the-shell");
        }
        shell.put("HOME", "/root");
        Map<String, String> passed = LocalStack.passThrough(shell);
        assertThat(passed.keySet()).containsExactlyInAnyOrderElementsOf(Arrays.stream(Setting.values())
                .filter(Setting::tunable).map(Enum::name).toList());
        assertThat(passed).containsKeys("LIMIT_TOKENS_PER_DAY", "LIMIT_TURNS_PER_MINUTE", "MAX_RECEIVE_COUNT",
                "CONNECTION_TTL_SECONDS").doesNotContainKeys("CONNECTIONS_TABLE", "DYNAMODB_ENDPOINT", "HOME");
    }
}
