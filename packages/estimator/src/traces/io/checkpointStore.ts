import fsp from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FetsError } from '@fets/pipeline';
import { atomicWriteFile, atomicWriteFolder, type FileData } from '@fets/network';
import type { Summary } from '../../summary/summary.js';

/** A checkpoint could not be read. */
export class CheckpointError extends FetsError {}

/** What a checkpoint folder's `manifest.json` records. */
export interface CheckpointManifest {
  version: 1;
  epoch: number;
  globalStep: number;
  randomState: number | undefined;
  models: { name: string; weights: string; optimizers: { file: string; order: string[] }[]; randomState?: unknown }[];
  traces: Record<string, unknown>;
  summary: ReturnType<Summary['toJSON']>;
  /** Batches of epoch `epoch + 1` already trained (a checkpoint written on an interrupt, mid-epoch). */
  skipBatches?: number;
  /**
   * SHA-256 (hex) of each file of the checkpoint but `manifest.json`, checked before a resume. Absent in checkpoints
   * written before fets recorded them (those are not checked).
   */
  files?: Record<string, string>;
  /** Data-parallel: the ranks that trained it (absent: one); `skipBatches` counts batches per rank. */
  worldSize?: number;
}

/** SHA-256 of bytes, hex. */
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The first file of a checkpoint folder that is missing or whose SHA-256 differs from the one its manifest records, as
 * `name: reason`; undefined when every file is as written (or the manifest records no checksums).
 *
 * @example
 * checkpointDamage('runs/ner/checkpoints/epoch-0005', manifest); // 'bert.safetensors: SHA-256 differs from manifest.json'
 */
export function checkpointDamage(dir: string, manifest: CheckpointManifest): string | undefined {
  for (const [file, expected] of Object.entries(manifest.files ?? {})) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path.join(dir, file));
    } catch {
      return `${file}: missing`;
    }
    if (sha256(bytes) !== expected) return `${file}: SHA-256 differs from the one manifest.json records`;
  }
  return undefined;
}

/** A checkpoint found on disk: its folder and manifest. */
export interface StoredCheckpoint {
  dir: string;
  manifest: CheckpointManifest;
}

/** Checkpoint folders: `epoch-0003`, or `epoch-0002-step-00000023` for one written mid-epoch on an interrupt. */
const CHECKPOINT_DIR = /^epoch-\d+(?:-step-\d+)?$/;
/** Temporary names of unfinished saves: `.epoch-0003.tmp-<pid>`, `.latest.<pid>.<hex>.tmp`. */
const TEMP_ENTRY = /^\.(?:epoch-\d+(?:-step-\d+)?\.tmp-(\d+)|latest\.(\d+)\.[0-9a-f]+\.tmp)$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A folder of checkpoints: one sub-folder per checkpoint (`epoch-0003/`, holding `manifest.json` and the files it
 * names) and a `latest` file naming the newest. Each checkpoint is written as a whole folder atomically, then `latest`
 * is switched atomically, so a kill at any moment leaves the previous checkpoint whole; temporaries of a killed
 * process are removed by {@link CheckpointStore.removeStale}. The trace that fills it is {@link RestoreWizard}.
 *
 * @example
 * const store = new CheckpointStore('runs/ner/checkpoints');
 * const found = await store.latest();   // { dir, manifest } | undefined
 */
export class CheckpointStore {
  constructor(
    /** The folder holding the checkpoints. */
    readonly directory: string,
    /** Named in messages and errors. */
    readonly owner = 'RestoreWizard',
  ) {}

  /** The path of the `latest` file. */
  get latestFile(): string {
    return path.join(this.directory, 'latest');
  }

  /** Whether a checkpoint was ever completed here. */
  hasLatest(): boolean {
    return existsSync(this.latestFile);
  }

  /** Removes temporary entries left by a save that a killed process never finished; returns their paths. */
  async removeStale(): Promise<string[]> {
    if (!existsSync(this.directory)) return [];
    const removed: string[] = [];
    for (const name of await fsp.readdir(this.directory)) {
      const hit = TEMP_ENTRY.exec(name);
      if (!hit) continue;
      const pid = Number(hit[1] ?? hit[2]);
      if (pid !== process.pid && pidAlive(pid)) continue;
      await fsp.rm(path.join(this.directory, name), { recursive: true, force: true });
      removed.push(path.join(this.directory, name));
    }
    return removed;
  }

  /** Reads the manifest of checkpoint folder `name`, or undefined when it is missing or unreadable. */
  private async read(name: string): Promise<StoredCheckpoint | undefined> {
    const dir = path.join(this.directory, name);
    try {
      return { dir, manifest: JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8')) as CheckpointManifest };
    } catch {
      return undefined;
    }
  }

  /**
   * The checkpoint `latest` names, or undefined when none was written. Every file of it is checked against the
   * SHA-256 its manifest records. When `latest` names a folder that is gone, unreadable or damaged, the newest
   * complete, undamaged checkpoint is used and `onFallback` is told why; none at all is a CheckpointError.
   */
  async latest(onFallback?: (named: string, used: string, why: string) => void): Promise<StoredCheckpoint | undefined> {
    if (!this.hasLatest()) return undefined;
    const name = (await fsp.readFile(this.latestFile, 'utf8')).trim();
    const found = await this.read(name);
    const why = found ? checkpointDamage(found.dir, found.manifest) : undefined;
    if (found && why === undefined) return found;
    const reason = why === undefined ? 'unreadable' : `damaged (${why})`;
    const others: string[] = [];
    for (const d of (await this.names()).reverse()) {
      if (d === name) continue;
      const other = await this.read(d);
      const damage = other ? checkpointDamage(other.dir, other.manifest) : 'manifest.json: unreadable';
      if (other && damage === undefined) {
        onFallback?.(name, other.dir, reason);
        return other;
      }
      others.push(`${d}: ${damage}`);
    }
    throw new CheckpointError(
      `${this.owner}: ${this.latestFile} names checkpoint "${name}", which is ${reason}, and no other checkpoint in ${this.directory} is complete` +
        `${others.length ? ` (${others.join('; ')})` : ''}`,
    );
  }

  /** Names of the checkpoint folders, oldest first. */
  async names(): Promise<string[]> {
    if (!existsSync(this.directory)) return [];
    return (await fsp.readdir(this.directory)).filter((f) => CHECKPOINT_DIR.test(f)).sort();
  }

  /**
   * Writes checkpoint `name`: `fill(put)` writes its files and returns the manifest; the store records the SHA-256
   * of every file in it and writes `manifest.json` last. The folder moves into place, `latest` switches to it and all
   * but the newest `keep` checkpoints are removed. A failure is a SaveError; `latest` then still names the previous
   * checkpoint. Returns the folder.
   */
  async save(
    name: string,
    fill: (put: (file: string, data: FileData) => Promise<void>) => Promise<Omit<CheckpointManifest, 'files'>>,
    keep: number,
  ): Promise<string> {
    const previous = this.hasLatest() ? (await fsp.readFile(this.latestFile, 'utf8')).trim() : undefined;
    const kept = `${previous ? `the previous checkpoint (${previous}) stays latest` : 'no checkpoint existed before'} and no temporary file is left`;
    const final = path.join(this.directory, name);
    await atomicWriteFolder(
      final,
      async (put) => {
        const files: Record<string, string> = {};
        const manifest = await fill(async (file, data) => {
          files[file] = sha256(toBytes(data));
          await put(file, data);
        });
        await put('manifest.json', `${JSON.stringify({ ...manifest, files })}\n`);
      },
      { owner: this.owner, kept, temp: path.join(this.directory, `.${name}.tmp-${process.pid}`) },
    );
    await atomicWriteFile(this.latestFile, `${name}\n`, { owner: this.owner });
    const all = await this.names();
    for (const old of all.slice(0, Math.max(0, all.length - keep))) {
      if (old !== name) await fsp.rm(path.join(this.directory, old), { recursive: true, force: true });
    }
    return final;
  }
}

/** The bytes of what a checkpoint file is written from. */
function toBytes(data: FileData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return Buffer.concat(data.map((d) => (d instanceof Uint8Array ? d : new Uint8Array(d))));
}
