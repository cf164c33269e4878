package io.aijobs.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Confluent's wire format: magic byte {@code 0x00}, the schema id as a 4-byte big-endian int, then the Avro binary
 * encoding of the record. Bytes written here are read by Confluent's deserializers and vice versa.
 */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0x0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Writes the 5-byte header for {@code schemaId} into {@code buffer}. */
    public static void writeHeader(ByteBuffer buffer, int schemaId) {
        buffer.put(MAGIC_BYTE).putInt(schemaId);
    }

    /**
     * Reads and checks the header; returns the schema id and leaves {@code buffer} at the start of the Avro payload.
     *
     * @throws SerializationException naming what is wrong: too short, or a magic byte other than 0 (for example
     *                                0x01, which some other serializers write)
     */
    public static int readHeader(ByteBuffer buffer) {
        if (buffer.remaining() < HEADER_SIZE) {
            throw new SerializationException("Not Confluent wire format: " + buffer.remaining()
                    + " bytes, but the header alone needs " + HEADER_SIZE + " (magic byte 0x00 and a 4-byte schema id)");
        }
        byte magic = buffer.get();
        if (magic != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Unknown magic byte 0x%02x: expected 0x00 (Confluent wire format with a 4-byte schema id)", magic));
        }
        return buffer.getInt();
    }
}
