package dev.switchboard.adapter.dynamodb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Embedding vectors as DynamoDB binary attributes: little-endian IEEE 754 float32, 4 bytes per dimension. */
final class VectorBytes {
    private VectorBytes() {}

    static AttributeValue b(float[] vector) {
        ByteBuffer buf = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(vector);
        return AttributeValue.fromB(SdkBytes.fromByteBuffer(buf));
    }

    /** The vector stored under {@code v}, or null when there is none. */
    static float[] floats(AttributeValue v) {
        if (v == null || v.b() == null) {
            return null;
        }
        ByteBuffer buf = v.b().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() % Float.BYTES != 0) {
            throw new IllegalStateException("stored vector has " + buf.remaining() + " bytes, not a multiple of 4");
        }
        float[] out = new float[buf.remaining() / Float.BYTES];
        buf.asFloatBuffer().get(out);
        return out;
    }
}
