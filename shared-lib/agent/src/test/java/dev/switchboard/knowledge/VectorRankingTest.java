package dev.switchboard.knowledge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class VectorRankingTest {
    private record Item(String name, float[] vector) {}

    private static float[] unit(double... xs) {
        double norm = Math.sqrt(Arrays.stream(xs).map(x -> x * x).sum());
        float[] v = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            v[i] = (float) (xs[i] / norm);
        }
        return v;
    }

    private static final Function<Item, float[]> VECTOR = Item::vector;

    @Test
    void cosineOfUnitVectorsIsTheirDotProduct() {
        assertThat(VectorRanking.cosine(unit(1, 0), unit(1, 0))).isCloseTo(1.0, within(1e-6));
        assertThat(VectorRanking.cosine(unit(1, 0), unit(0, 1))).isCloseTo(0.0, within(1e-6));
        assertThat(VectorRanking.cosine(unit(1, 0), unit(-1, 0))).isCloseTo(-1.0, within(1e-6));
        assertThat(VectorRanking.cosine(unit(1, 1), unit(1, 0))).isCloseTo(Math.sqrt(0.5), within(1e-6));
        assertThatThrownBy(() -> VectorRanking.cosine(new float[2], new float[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void topKReturnsTheBestFirstAboveTheMinimumScore() {
        List<Item> items = List.of(
                new Item("orthogonal", unit(0, 1, 0)),
                new Item("close", unit(1, 0.2, 0)),
                new Item("exact", unit(1, 0, 0)),
                new Item("opposite", unit(-1, 0, 0)),
                new Item("halfway", unit(1, 1, 0)));

        var top = VectorRanking.topK(unit(1, 0, 0), items, VECTOR, 10, 0.5);

        assertThat(top).extracting(s -> s.item().name()).containsExactly("exact", "close", "halfway");
        assertThat(top.get(0).score()).isCloseTo(1.0, within(1e-6));
        assertThat(top).isSortedAccordingTo((a, b) -> Double.compare(b.score(), a.score()));
    }

    @Test
    void topKKeepsAtMostKItems() {
        List<Item> items = List.of(new Item("a", unit(1, 0.1)), new Item("b", unit(1, 0.2)),
                new Item("c", unit(1, 0.3)));
        assertThat(VectorRanking.topK(unit(1, 0), items, VECTOR, 2, -1)).extracting(s -> s.item().name())
                .containsExactly("a", "b");
        assertThat(VectorRanking.topK(unit(1, 0), items, VECTOR, 0, -1)).isEmpty();
        assertThat(VectorRanking.topK(unit(1, 0), List.<Item>of(), VECTOR, 3, -1)).isEmpty();
    }

    @Test
    void tiesKeepTheItemsOrder() {
        List<Item> items = List.of(new Item("first", unit(1, 0)), new Item("second", unit(1, 0)),
                new Item("third", unit(1, 0)));
        assertThat(VectorRanking.topK(unit(1, 0), items, VECTOR, 2, 0)).extracting(s -> s.item().name())
                .containsExactly("first", "second");
    }

    @Test
    void itemsWithoutAVectorOrWithAnotherDimensionAreSkipped() {
        List<Item> items = List.of(new Item("none", null), new Item("other model", unit(1, 0, 0, 0)),
                new Item("fits", unit(1, 0, 0)));
        assertThat(VectorRanking.topK(unit(1, 0, 0), items, VECTOR, 5, -1)).extracting(s -> s.item().name())
                .containsExactly("fits");
    }

    @Test
    void theMinimumScoreIsInclusive() {
        List<Item> items = List.of(new Item("exact", new float[] {1, 0}), new Item("near", unit(1, 0.2)));
        assertThat(VectorRanking.topK(new float[] {1, 0}, items, VECTOR, 5, 1.0)).extracting(s -> s.item().name())
                .containsExactly("exact");
        List<Item> orthogonal = List.of(new Item("orthogonal", new float[] {0, 1}));
        assertThat(VectorRanking.topK(new float[] {1, 0}, orthogonal, VECTOR, 1, 0.0)).hasSize(1);
        assertThat(VectorRanking.topK(new float[] {1, 0}, orthogonal, VECTOR, 1, 0.001)).isEmpty();
    }
}
