import { CompressionCodecs, CompressionTypes } from 'kafkajs';
// lz4js is plain JavaScript (no native build), implementing the LZ4 frame format Kafka uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4 = require('lz4js') as { compress(input: Uint8Array): Uint8Array; decompress(input: Uint8Array): Uint8Array };

/**
 * KafkaJS ships only gzip. delivery-tracking is lz4 by topology, and the broker stores it lz4
 * whatever the producer sent, so every consumer needs this codec or it cannot read the topic.
 */
export function registerLz4Codec(): void {
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    async compress(encoder: { buffer: Buffer }) {
      return Buffer.from(lz4.compress(encoder.buffer));
    },
    async decompress(buffer: Buffer) {
      return Buffer.from(lz4.decompress(buffer));
    },
  });
}
