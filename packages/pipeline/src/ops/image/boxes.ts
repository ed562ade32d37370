import { OpError, describeValue } from '../../core/errors.js';
import { NDArray } from '../../core/ndarray.js';

/**
 * How a bounding box's first four numbers are laid out, in pixels with (0, 0) the top-left corner of the top-left
 * pixel: `coco` is [x, y, width, height] (FastEstimator's and COCO's), `pascal_voc` is [x1, y1, x2, y2].
 */
export type BoxFormat = 'coco' | 'pascal_voc';

/** Boxes as the geometric ops move them: one row per box, the first four numbers the box, the rest carried along. */
export interface Boxes {
  rows: number[][];
  /** Numbers per row (≥ 4): a class label or score after the box stays with it. */
  cols: number;
}

/**
 * Reads a key's boxes: an NDArray [N, ≥4] (N may be 0) or an array of N equal-length number arrays. Anything else is
 * an OpError naming the op and the key, saying what came.
 *
 * @example
 * readBoxes('HorizontalFlip', 'bbox', [[10, 20, 30, 40, 7]]); // { rows: [[10, 20, 30, 40, 7]], cols: 5 }
 */
export function readBoxes(op: string, key: string | undefined, value: unknown): Boxes {
  const fail = (what: string): never => {
    throw new OpError(op, key, `expected boxes (NDArray [N, 4+] or an array of [x, y, w, h, …] rows), ${what}`);
  };
  if (value instanceof NDArray) {
    if (value.dtype === 'string') fail(`received ${value.dtype} values`);
    if (value.rank !== 2 || value.shape[1]! < 4) fail(`received shape [${value.shape.join(', ')}]`);
    const [n, cols] = value.shape as [number, number];
    const rows: number[][] = [];
    const data = value.data as ArrayLike<number>;
    for (let i = 0; i < n; i++) rows.push(Array.from({ length: cols }, (_, j) => Number(data[i * cols + j])));
    return { rows, cols };
  }
  if (!Array.isArray(value)) return fail(`received ${describeValue(value)}`);
  if (value.length === 0) return { rows: [], cols: 4 };
  const cols = Array.isArray(value[0]) ? (value[0] as unknown[]).length : -1;
  value.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== cols || cols < 4 || row.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      fail(`received row ${i}: ${describeValue(row)}`);
    }
  });
  return { rows: (value as number[][]).map((r) => [...r]), cols };
}

/**
 * Moves boxes by a point map (edge coordinates in, edge coordinates out): each box's four corners are mapped and the
 * box becomes the rectangle enclosing them, clipped to the output's `width`×`height`; a box left with no area (moved
 * wholly outside) is dropped, as albumentations does. Out: NDArray float32 [M, cols], M ≤ N.
 *
 * @example
 * moveBoxes(boxes, (x, y) => [w - x, y], h, w, 'coco'); // a horizontal flip
 */
export function moveBoxes(
  boxes: Boxes,
  map: (x: number, y: number) => [number, number],
  height: number,
  width: number,
  format: BoxFormat,
): NDArray {
  const out: number[] = [];
  let kept = 0;
  for (const row of boxes.rows) {
    const [a, b, c, d] = row as [number, number, number, number];
    const [x1, y1, x2, y2] = format === 'coco' ? [a, b, a + c, b + d] : [a, b, c, d];
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (const [px, py] of [
      [x1, y1],
      [x2, y1],
      [x1, y2],
      [x2, y2],
    ] as const) {
      const [qx, qy] = map(px, py);
      minX = Math.min(minX, qx);
      maxX = Math.max(maxX, qx);
      minY = Math.min(minY, qy);
      maxY = Math.max(maxY, qy);
    }
    minX = Math.max(0, minX);
    minY = Math.max(0, minY);
    maxX = Math.min(width, maxX);
    maxY = Math.min(height, maxY);
    if (!(maxX > minX && maxY > minY)) continue;
    out.push(...(format === 'coco' ? [minX, minY, maxX - minX, maxY - minY] : [minX, minY, maxX, maxY]), ...row.slice(4));
    kept++;
  }
  return new NDArray(Float32Array.from(out), [kept, boxes.cols], 'float32');
}
