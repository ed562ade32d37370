import fsp from 'node:fs/promises';
import { existsSync } from 'node:fs';
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
  /** Data-parallel: the ranks that trained it (absent: one); `skipBatches` counts batches per rank. */
  worldSize?: number;
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
   * The checkpoint `latest` names, or undefined when none was written. When `latest` names a folder that is gone or
   * unreadable, the newest complete checkpoint is used and `onFallback` is told; none at all is a CheckpointError.
   */
  async latest(onFallback?: (named: string, used: string) => void): Promise<StoredCheckpoint | undefined> {
    if (!this.hasLatest()) return undefined;
    const name = (await fsp.readFile(this.latestFile, 'utf8')).trim();
    const found = await this.read(name);
    if (found) return found;
    for (const d of (await this.names()).reverse()) {
      const other = await this.read(d);
      if (other) {
        onFallback?.(name, other.dir);
        return other;
      }
    }
    throw new CheckpointError(
      `${this.owner}: ${this.latestFile} names checkpoint "${name}", but ${path.join(this.directory, name, 'manifest.json')} ` +
        `cannot be read and no other complete checkpoint is in ${this.directory}`,
    );
  }

  /** Names of the checkpoint folders, oldest first. */
  async names(): Promise<string[]> {
    if (!existsSync(this.directory)) return [];
    return (await fsp.readdir(this.directory)).filter((f) => CHECKPOINT_DIR.test(f)).sort();
  }

  /**
   * Writes checkpoint `name`: `fill(put)` writes its files (`manifest.json` last, by convention), the folder moves into
   * place, `latest` switches to it and all but the newest `keep` checkpoints are removed. A failure is a SaveError;
   * `latest` then still names the previous checkpoint. Returns the folder.
   */
  async save(name: string, fill: (put: (file: string, data: FileData) => Promise<void>) => Promise<void>, keep: number): Promise<string> {
    const previous = this.hasLatest() ? (await fsp.readFile(this.latestFile, 'utf8')).trim() : undefined;
    const kept = `${previous ? `the previous checkpoint (${previous}) stays latest` : 'no checkpoint existed before'} and no temporary file is left`;
    const final = path.join(this.directory, name);
    await atomicWriteFolder(final, fill, { owner: this.owner, kept, temp: path.join(this.directory, `.${name}.tmp-${process.pid}`) });
    await atomicWriteFile(this.latestFile, `${name}\n`, { owner: this.owner });
    const all = await this.names();
    for (const old of all.slice(0, Math.max(0, all.length - keep))) {
      if (old !== name) await fsp.rm(path.join(this.directory, old), { recursive: true, force: true });
    }
    return final;
  }
}
