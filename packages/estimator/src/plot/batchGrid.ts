import { Resvg } from '@resvg/resvg-js';
import { atomicWriteFile } from '@fets/network';
import { NDArray, encodePng, type DataDict } from '@fets/pipeline';
import { z } from 'zod';
import { ConfigError, parseOptions } from '@fets/pipeline';

const schema = z.strictObject({
  /** Key of the images [B, H, W] or [B, H, W, C] (C 1, 3 or 4). Default: the first such key of the batch. */
  imageKey: z.string().min(1).optional(),
  /** Key of the labels (class ids [B], or one-hot / scores [B, K], shown as the argmax). Default `y` if present. */
  labelKey: z.string().min(1).optional(),
  /** Names of the classes, for the captions. */
  classes: z.array(z.string()).optional(),
  /** Most images shown (default 32). */
  max: z.number().int().min(1).default(32),
  /** Smallest tile side in pixels: small images are enlarged (nearest) to at least this (default 64). */
  tile: z.number().int().min(8).default(64),
  /**
   * Key of bounding boxes drawn over the images: [B, N, 4+] (rows without area, such as padding, are skipped; a fifth
   * number is a class id, written beside the box). Default: none.
   */
  boxKey: z.string().min(1).optional(),
  /** Layout of the boxes: `coco` [x, y, width, height] (default) or `pascal_voc` [x1, y1, x2, y2], in pixels. */
  boxFormat: z.enum(['coco', 'pascal_voc']).default('coco'),
});

/** Options of {@link batchGrid}. */
export type BatchGridOptions = z.input<typeof schema>;

const isImages = (v: unknown): v is NDArray =>
  v instanceof NDArray && (v.rank === 3 || (v.rank === 4 && [1, 3, 4].includes(v.shape[3]!))) && v.shape[1]! >= 4 && v.shape[2]! >= 4;

/** One image of the batch as bytes (each image scaled by its own range when it is not already 0–255 levels). */
function imageBytes(a: NDArray, i: number): { px: Uint8Array; h: number; w: number; c: 1 | 3 | 4 } {
  const [, h, w] = a.shape as [number, number, number];
  const c = (a.rank === 4 ? a.shape[3]! : 1) as 1 | 3 | 4;
  const size = h * w * c;
  const v = (a.data as Float32Array | Int32Array).subarray(i * size, (i + 1) * size);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of v) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const bytes = a.dtype !== 'float32' && lo >= 0 && hi <= 255;
  const px = new Uint8Array(size);
  for (let j = 0; j < size; j++) px[j] = bytes ? v[j]! : hi > lo ? Math.round((255 * (v[j]! - lo)) / (hi - lo)) : 0;
  return { px, h, w, c };
}

function caption(labels: unknown, i: number, classes: readonly string[] | undefined): string {
  let id: number | undefined;
  if (labels instanceof NDArray) {
    if (labels.rank === 1) id = Number(labels.data[i]);
    else if (labels.rank === 2) {
      const k = labels.shape[1]!;
      const row = Array.from((labels.data as Float32Array).subarray(i * k, (i + 1) * k));
      id = row.indexOf(Math.max(...row));
    }
  } else if (Array.isArray(labels)) id = Number(labels[i]);
  if (id === undefined || Number.isNaN(id)) return '';
  return classes?.[id] ?? String(id);
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** SVG outlines of image i's boxes, placed at (x, y) and enlarged by `scale`. */
function boxOutlines(boxes: NDArray, i: number, x: number, y: number, scale: number, o: z.output<typeof schema>): string[] {
  const [, n, cols] = boxes.shape as [number, number, number];
  const out: string[] = [];
  for (let r = 0; r < n; r++) {
    const at = (i * n + r) * cols;
    const [a, b, c, d] = [0, 1, 2, 3].map((j) => Number(boxes.data[at + j])) as [number, number, number, number];
    const [w, h] = o.boxFormat === 'coco' ? [c, d] : [c - a, d - b];
    if (!(w > 0 && h > 0)) continue;
    const rx = x + a * scale;
    const ry = y + b * scale;
    out.push(`<rect x="${rx}" y="${ry}" width="${w * scale}" height="${h * scale}" fill="none" stroke="#e00000" stroke-width="2"/>`);
    if (cols > 4) {
      const label = o.classes?.[Number(boxes.data[at + 4])] ?? String(boxes.data[at + 4]);
      out.push(`<text x="${rx + 2}" y="${ry + 10}" font-size="10" font-family="sans-serif" fill="#e00000">${escapeXml(label)}</text>`);
    }
  }
  return out;
}

/**
 * A batch as a picture: its images in a grid, each with its label underneath and, with `boxKey`, its bounding boxes
 * outlined, as PNG bytes (or written to `file`). Shows what the Pipeline's ops (augmentation included) did to the data.
 * Float images are scaled by their own range.
 *
 * In: a batch `{ x: [B, H, W(, C)], y: [B] }` (and boxes [B, N, 4+]). Out: PNG bytes.
 *
 * @example
 * const batch = await pipeline.getResults({ mode: 'train' });
 * await batchGrid(batch, { classes: ['0', '1', …] }, 'runs/mnist/batch.png');
 */
export async function batchGrid(batch: DataDict, options: BatchGridOptions = {}, file?: string): Promise<Uint8Array> {
  const o = parseOptions('batchGrid', schema, options);
  const key = o.imageKey ?? Object.keys(batch).find((k) => isImages(batch[k]));
  const images = key === undefined ? undefined : batch[key];
  if (!isImages(images)) {
    throw new ConfigError(
      'batchGrid',
      [],
      `batchGrid: ${key === undefined ? 'no key of the batch' : `key "${key}"`} holds images [B, H, W] or [B, H, W, C] (keys: ${Object.keys(batch).join(', ')})`,
    );
  }
  const labels = batch[o.labelKey ?? 'y'];
  const boxes = o.boxKey === undefined ? undefined : batch[o.boxKey];
  if (o.boxKey !== undefined && !(boxes instanceof NDArray && boxes.rank === 3 && boxes.shape[2]! >= 4)) {
    throw new ConfigError(
      'batchGrid',
      [],
      `batchGrid: key "${o.boxKey}" should hold boxes [B, N, 4+] (pad them with the Pipeline's padValue), received ${boxes instanceof NDArray ? `shape [${boxes.shape.join(', ')}]` : typeof boxes}`,
    );
  }
  const n = Math.min(images.shape[0]!, o.max);
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const [, h, w] = images.shape as [number, number, number];
  const scale = Math.max(1, Math.ceil(o.tile / Math.max(h, w)));
  const tw = w * scale;
  const th = h * scale;
  const pad = 6;
  const text = 14;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const { px, c } = imageBytes(images, i);
    const png = Buffer.from(encodePng(px, h, w, c)).toString('base64');
    const x = pad + (i % cols) * (tw + pad);
    const y = pad + Math.floor(i / cols) * (th + text + pad);
    parts.push(
      `<image x="${x}" y="${y}" width="${tw}" height="${th}" image-rendering="optimizeSpeed" href="data:image/png;base64,${png}"/>`,
      `<text x="${x + tw / 2}" y="${y + th + text - 2}" font-size="12" font-family="sans-serif" text-anchor="middle">${escapeXml(caption(labels, i, o.classes))}</text>`,
    );
    if (boxes instanceof NDArray) parts.push(...boxOutlines(boxes, i, x, y, scale, o));
  }
  const width = pad + cols * (tw + pad);
  const height = pad + rows * (th + text + pad);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
  const bytes = new Resvg(svg, { background: 'white' }).render().asPng();
  if (file) await atomicWriteFile(file, bytes, { owner: 'batchGrid' });
  return bytes;
}
