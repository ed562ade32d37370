import fs from 'node:fs';
import path from 'node:path';
import { DataFileError } from '../../core/errors.js';
import { ViewDataset } from '../view.js';

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/**
 * One folder per class (`root/cat/001.png`, `root/dog/7.jpg`, … : torchvision's ImageFolder, FastEstimator's
 * `LabeledDirDataset`): sample i is `{ x: file path, y: class index }`, classes sorted by folder name. Pair it with
 * ReadImage to decode. Supports `split`.
 *
 * @example
 * const ds = new ImageFolderDataset('data/pets');
 * ds.classes; // ['cat', 'dog']
 */
export class ImageFolderDataset extends ViewDataset<{ x: string; y: number }> {
  /** Class names (the folder names, sorted); a label is an index into it. */
  readonly classes: string[];
  private readonly files: { path: string; label: number }[] = [];

  constructor(readonly root: string) {
    super();
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(root, { withFileTypes: true });
    } catch (e) {
      throw DataFileError.fromFs(new.target.name, root, e);
    }
    this.classes = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    this.classes.forEach((c, label) => {
      const files = fs
        .readdirSync(path.join(root, c))
        .filter((f) => IMAGE_FILE.test(f))
        .sort();
      for (const f of files) this.files.push({ path: path.join(root, c, f), label });
    });
    if (this.files.length === 0) throw new DataFileError(new.target.name, root, 'no class folder holds a .png or .jpg file');
  }

  protected get storedLength(): number {
    return this.files.length;
  }
  protected storedSample(index: number): { x: string; y: number } {
    const f = this.files[index]!;
    return { x: f.path, y: f.label };
  }
  override keys(): string[] {
    return ['x', 'y'];
  }
  protected override describeStored(index: number): string | undefined {
    return this.files[index]?.path;
  }
}
