package dev.switchboard.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Isolated
class IdsTest {
    private static final String TURN_ID = "[0-9]{13}-[0-9a-f]{8}";
    private static final String ID = "[A-Za-z0-9._:\\-]{1,64}";

    private final Ids ids = new Ids();

    @Test
    void turnIdsHaveTheDocumentedFormat() {
        assertThat(ids.newTurnId(1_700_000_000_123L)).matches(TURN_ID).startsWith("1700000000123-").matches(ID);
        assertThat(ids.newTurnId(5)).startsWith("0000000000005-").matches(TURN_ID);
    }

    @Test
    void turnIdsSortByTime() {
        List<String> made = new ArrayList<>();
        for (long t = 1; t < 2_000_000_000_000L; t = t * 3 + 7) {
            made.add(ids.newTurnId(t));
        }
        assertThat(made).isSorted();
    }

    @Test
    void turnIdsOfOneMillisecondDiffer() {
        assertThat(ids.newTurnId(1_000)).isNotEqualTo(ids.newTurnId(1_000));
    }

    /**
     * Turn ids are sort keys and protocol ids: ASCII digits whatever the JVM's default locale. Fails today for
     * locales with native digits: String.format localises %d.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ar-EG", "fa-IR", "th-TH-u-nu-thai", "en-US"})
    void turnIdsDoNotDependOnTheDefaultLocale(String tag) {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag(tag));
            assertThat(ids.newTurnId(1_700_000_000_123L)).matches(TURN_ID);
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void sessionIdsAreDerivedValidAndPerUser() {
        String a = Ids.sessionIdFor("alice", "c-1");
        assertThat(a).isEqualTo(Ids.sessionIdFor("alice", "c-1")).matches(ID).startsWith("s-");
        assertThat(a).isNotEqualTo(Ids.sessionIdFor("bob", "c-1")).isNotEqualTo(Ids.sessionIdFor("alice", "c-2"));
        // the separator keeps (user, id) pairs apart
        assertThat(Ids.sessionIdFor("ab", "c")).isNotEqualTo(Ids.sessionIdFor("a", "bc"));
    }

    @org.junit.jupiter.api.Test
    void millisOfReadsTheTimeBackAndRefusesOtherStrings() {
        String id = new Ids().newTurnId(1_795_316_489_145L);
        org.assertj.core.api.Assertions.assertThat(Ids.millisOf(id)).isEqualTo(1_795_316_489_145L);
        org.assertj.core.api.Assertions.assertThat(Ids.millisOf(null)).isEqualTo(-1);
        org.assertj.core.api.Assertions.assertThat(Ids.millisOf("short")).isEqualTo(-1);
        org.assertj.core.api.Assertions.assertThat(Ids.millisOf("abcdefghijklmnop")).isEqualTo(-1);
    }
}
