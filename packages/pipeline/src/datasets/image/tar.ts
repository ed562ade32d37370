import { gunzipSync } from 'node:zlib';
import { DataFormatError } from '../../core/errors.js';

/**
 * The regular files of a (gzipped) POSIX tar archive, by path: enough to read the CIFAR-10 binary archive without a
 * `tar` program. Headers are 512 bytes (name at 0, size in octal at 124, type at 156, ustar prefix at 345).
 *
 * @example
 * const files = untar(readFileSync('cifar-10-binary.tar.gz'), 'cifar-10-binary.tar.gz');
 * files.get('cifar-10-batches-bin/data_batch_1.bin')!.length; // 30730000
 */
export function untar(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  const text = (a: number, b: number) => new TextDecoder().decode(raw.subarray(a, b)).replace(/\0.*$/s, '');
  const out = new Map<string, Uint8Array>();
  let off = 0;
  while (off + 512 <= raw.length) {
    if (raw[off] === 0) break; // two zero blocks end the archive
    const name = text(off, off + 100);
    const prefix = text(off + 345, off + 500);
    const size = Number.parseInt(text(off + 124, off + 136).trim() || '0', 8);
    const type = String.fromCharCode(raw[off + 156]!);
    if (!Number.isFinite(size) || off + 512 + size > raw.length) {
      throw new DataFormatError(`tar entry "${name}" claims ${size} bytes past the end of the archive`, file, 1);
    }
    if (type === '0' || type === '\0') out.set(prefix ? `${prefix}/${name}` : name, raw.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
