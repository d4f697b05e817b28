package dev.switchboard.adapter.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class VectorBytesTest {
    @Test
    void floatsAreFourLittleEndianBytesEach() {
        AttributeValue v = VectorBytes.b(new float[] {1.0f, -2.5f});
        assertThat(v.b().asByteArray()).containsExactly(0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0);
    }

    @Test
    void everyFloatRoundTripsExactly() {
        float[] v = {0f, -0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, 0.1f, -1e-30f};
        float[] back = VectorBytes.floats(VectorBytes.b(v));
        assertThat(back).hasSize(v.length);
        for (int i = 0; i < v.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).as("index %d", i).isEqualTo(Float.floatToRawIntBits(v[i]));
        }
        assertThat(VectorBytes.floats(VectorBytes.b(new float[0]))).isEmpty();
    }

    @Test
    void aMissingAttributeIsNoVectorAndATruncatedOneIsAnError() {
        assertThat(VectorBytes.floats(null)).isNull();
        assertThat(VectorBytes.floats(AttributeValue.fromS("not binary"))).isNull();
        assertThatThrownBy(() -> VectorBytes.floats(AttributeValue.fromB(SdkBytes.fromByteArray(new byte[5]))))
                .isInstanceOf(IllegalStateException.class);
    }
}
