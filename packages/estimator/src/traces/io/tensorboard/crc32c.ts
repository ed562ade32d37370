/** CRC-32C (Castagnoli) table, reflected polynomial 0x82F63B78. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32C (Castagnoli), the checksum TFRecord files use. Unsigned 32-bit result.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xE3069283
 */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * TFRecord's masked CRC: `((crc >>> 15) | (crc << 17)) + 0xa282ead8` modulo 2³².
 *
 * @example
 * maskedCrc32c(bytes); // stored after the length and after the data of each record
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
