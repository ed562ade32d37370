import { ConfigError } from '../../core/errors.js';
import { NDArray } from '../../core/ndarray.js';
import { ViewDataset } from '../view.js';

/**
 * Images held in one byte array (0–255 levels, N × H × W × C, channels last) with an int label each: what the MNIST,
 * Fashion-MNIST and CIFAR-10 loaders return. Sample i is `{ x: NDArray int32 [H, W] (grey) or [H, W, C], y: label }`,
 * made on demand, so a data set of 60,000 images costs its bytes only. Supports `split`.
 *
 * @example
 * const { train } = await mnist.loadData();
 * train.get(0); // { x: NDArray [28, 28], y: 5 }
 */
export class ImageArrayDataset<X extends string = 'x', Y extends string = 'y'> extends ViewDataset<
  { [K in X]: NDArray } & { [K in Y]: number }
> {
  constructor(
    /** Every image's bytes, N·H·W·C, channels last. */
    readonly pixels: Uint8Array,
    /** One label per image. */
    readonly labels: Int32Array,
    /** [H, W, C] of every image; a grey image (C = 1) comes out as [H, W]. */
    readonly imageShape: readonly [number, number, number],
    /** Keys of the image and the label (default `x`, `y`). */
    readonly keyNames: { image: X; label: Y } = { image: 'x' as X, label: 'y' as Y },
  ) {
    super();
    const size = imageShape[0] * imageShape[1] * imageShape[2];
    if (pixels.length !== labels.length * size) {
      throw new ConfigError(
        new.target.name,
        [],
        `${new.target.name}: ${labels.length} labels need ${labels.length * size} pixel bytes (${imageShape.join('×')} each), received ${pixels.length}`,
      );
    }
  }

  protected get storedLength(): number {
    return this.labels.length;
  }

  protected storedSample(index: number): { [K in X]: NDArray } & { [K in Y]: number } {
    const [h, w, c] = this.imageShape;
    const size = h * w * c;
    const img = Int32Array.from(this.pixels.subarray(index * size, (index + 1) * size));
    return {
      [this.keyNames.image]: new NDArray(img, c === 1 ? [h, w] : [h, w, c], 'int32'),
      [this.keyNames.label]: this.labels[index]!,
    } as {
      [K in X]: NDArray;
    } & { [K in Y]: number };
  }

  override keys(): string[] {
    return [this.keyNames.image, this.keyNames.label];
  }
}
