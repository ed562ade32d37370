import fs from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataFileError, DataFormatError } from '../core/errors.js';

/** A decoded image: row-major bytes, channels last. */
export interface DecodedImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/**
 * Decodes a PNG or JPEG file synchronously (pngjs, jpeg-js: pure JavaScript, so per-sample ops stay synchronous) to
 * bytes with `channels` channels: 1 (grey: the mean of R, G, B), 3 (RGB, the default) or 4 (RGBA). A file that is
 * neither, or is corrupt, is a DataFormatError naming it; a missing file a DataFileError.
 *
 * @example
 * const { data, height, width } = decodeImageFile('cats/001.png', 3);
 */
export function decodeImageFile(file: string, channels: 1 | 3 | 4 = 3, owner = 'decodeImageFile'): DecodedImage {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw DataFileError.fromFs(owner, file, e);
  }
  let rgba: { data: Uint8Array; width: number; height: number };
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) rgba = PNG.sync.read(bytes);
    else if (bytes[0] === 0xff && bytes[1] === 0xd8) rgba = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    else throw new Error('not a PNG or JPEG file (unknown signature)');
  } catch (e) {
    throw new DataFormatError(`cannot decode the image: ${(e as Error).message}`, file, 1);
  }
  const n = rgba.width * rgba.height;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const r = rgba.data[p * 4]!;
    const g = rgba.data[p * 4 + 1]!;
    const b = rgba.data[p * 4 + 2]!;
    if (channels === 1) out[p] = Math.round((r + g + b) / 3);
    else {
      out[p * channels] = r;
      out[p * channels + 1] = g;
      out[p * channels + 2] = b;
      if (channels === 4) out[p * 4 + 3] = rgba.data[p * 4 + 3]!;
    }
  }
  return { data: out, height: rgba.height, width: rgba.width, channels };
}

/**
 * Encodes bytes (channels last; 1, 3 or 4 channels) as a PNG file's content.
 *
 * @example
 * writeFileSync('grid.png', encodePng(pixels, 64, 128, 3));
 */
export function encodePng(pixels: Uint8Array, height: number, width: number, channels: 1 | 3 | 4): Buffer {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    const g = channels === 1;
    png.data[p * 4] = pixels[p * channels]!;
    png.data[p * 4 + 1] = pixels[p * channels + (g ? 0 : 1)]!;
    png.data[p * 4 + 2] = pixels[p * channels + (g ? 0 : 2)]!;
    png.data[p * 4 + 3] = channels === 4 ? pixels[p * 4 + 3]! : 255;
  }
  return PNG.sync.write(png);
}
