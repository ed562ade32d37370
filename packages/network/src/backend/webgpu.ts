import { readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from './errors.js';

/** The WebGPU adapter fets runs on, as Dawn (Node) or the browser reports it. */
export interface WebGpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (llvmpipe/lavapipe, SwiftShader, WARP): the adapter says so, or its names do. */
  software: boolean;
}

/** What {@link loadWebGpuBackend} reports once the backend runs. */
export interface WebGpuStatus {
  adapter: WebGpuAdapter;
  /** Where `navigator.gpu` came from: the npm package `webgpu` (Dawn) under Node, or the browser. */
  provider: 'webgpu (Dawn)' | 'browser';
}

/** Minimal shapes of the WebGPU objects read here (the DOM types are not in fets' lib). */
interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: Record<string, unknown>;
  requestAdapterInfo?: () => Promise<Record<string, unknown>>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|\bwarp\b/i;

/**
 * Classifies an adapter from its info: software when `isFallbackAdapter` is set (on the adapter or, in newer
 * implementations, its info) or when vendor/architecture/device/description name a software rasteriser.
 *
 * @example
 * describeAdapterInfo({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe …' }, false).software; // true
 */
export function describeAdapterInfo(info: Record<string, unknown>, fallback: boolean | undefined): WebGpuAdapter {
  const s = (k: string) => (typeof info[k] === 'string' ? (info[k] as string) : '');
  const a = { vendor: s('vendor'), architecture: s('architecture'), device: s('device'), description: s('description') };
  const software = fallback === true || info.isFallbackAdapter === true || SOFTWARE_NAMES.test(Object.values(a).join(' '));
  return { ...a, software };
}

/** `vendor architecture (description)`, empty fields left out: `mesa software (llvmpipe: Mesa 25.0.7 …)`. */
export function adapterLabel(a: WebGpuAdapter): string {
  const head = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const tail = a.description || a.device;
  return tail ? `${head} (${tail})` : head;
}

function navigatorGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/**
 * Makes `navigator.gpu` exist: the browser's, or under Node one created by the optional npm package `webgpu` (Dawn),
 * with its WebGPU classes (GPUBufferUsage, …) set on globalThis as tfjs-backend-webgpu expects. Throws when neither.
 */
async function ensureNavigatorGpu(): Promise<{ gpu: GpuLike; provider: WebGpuStatus['provider'] }> {
  const present = navigatorGpu();
  if (present) return { gpu: present, provider: (globalThis as { window?: unknown }).window ? 'browser' : 'webgpu (Dawn)' };
  // A variable specifier: the package is optional, so TypeScript must not resolve it.
  const specifier: string = 'webgpu';
  let mod: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (e) {
    throw new BackendError(`the npm package "webgpu" did not load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  const g = globalThis as { navigator?: Record<string, unknown> };
  // Node 20 has no navigator; Node ≥ 21 has one whose gpu property is absent.
  if (!g.navigator) g.navigator = {};
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, enumerable: true });
  return { gpu, provider: 'webgpu (Dawn)' };
}

/**
 * The adapter `navigator.gpu` offers (high-performance preference), classified; throws when there is none.
 *
 * @example
 * const a = await probeWebGpuAdapter(); // { vendor: 'mesa', architecture: 'software', software: true, … }
 */
export async function probeWebGpuAdapter(): Promise<WebGpuAdapter & { provider: WebGpuStatus['provider'] }> {
  const { gpu, provider } = await ensureNavigatorGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new BackendError(
      'no WebGPU adapter: navigator.gpu.requestAdapter() returned null (no Vulkan/Metal/D3D12 driver Dawn accepts; on Debian 12 install mesa-vulkan-drivers from bookworm-backports for a software one)',
    );
  }
  const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  return { ...describeAdapterInfo(info, adapter.isFallbackAdapter), provider };
}

/**
 * Linux only: whether a GPU device node exists (`/dev/dri/renderD*` for Mesa/AMD/Intel/virtio, `/dev/nvidia*`,
 * WSL's `/dev/dxg`). Without one Dawn can only find a software adapter, so the automatic choice skips loading it
 * (about a second per process). Elsewhere: true (the adapter request decides).
 *
 * @example
 * gpuDeviceNodes(); // ['/dev/dri/renderD128'] on a machine with a GPU, [] in a container without one
 */
export function gpuDeviceNodes(): string[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const list = (dir: string, re: RegExp) => {
    try {
      return readdirSync(dir)
        .filter((n) => re.test(n))
        .map((n) => `${dir}/${n}`);
    } catch {
      return [];
    }
  };
  return [...list('/dev/dri', /^renderD\d+$/), ...list('/dev', /^(nvidia\d+|dxg)$/)];
}

let loaded: WebGpuStatus | undefined;

/**
 * Starts tfjs' WebGPU backend and makes it current. Under Node `navigator.gpu` comes from the npm package `webgpu`
 * (created before `@tensorflow/tfjs-backend-webgpu` loads, which registers itself only when navigator.gpu exists).
 * A software adapter (llvmpipe/lavapipe, SwiftShader) is refused unless `allowSoftware` (FETS_BACKEND=webgpu): the
 * CPU paths beat it. `onReady` runs once the backend is current (fets registers its WGSL kernels there).
 *
 * @example
 * const { adapter } = await loadWebGpuBackend({ allowSoftware: true }); // adapter.description: 'llvmpipe: Mesa 25…'
 */
export async function loadWebGpuBackend(options: { allowSoftware: boolean; onReady?: () => void }): Promise<WebGpuStatus> {
  if (loaded) {
    if (!(await tf.setBackend('webgpu'))) throw new BackendError('the webgpu backend failed to switch back on');
    return loaded;
  }
  const nodes = options.allowSoftware || navigatorGpu() ? undefined : gpuDeviceNodes();
  if (nodes && nodes.length === 0) {
    throw new BackendError('no GPU device (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg); a software adapter only with FETS_BACKEND=webgpu');
  }
  const adapter = await probeWebGpuAdapter();
  const { provider, ...a } = adapter;
  if (a.software && !options.allowSoftware) {
    throw new BackendError(`software adapter ${adapterLabel(a)} is used only when asked for (FETS_BACKEND=webgpu)`);
  }
  const specifier: string = '@tensorflow/tfjs-backend-webgpu';
  try {
    await import(specifier);
  } catch (e) {
    throw new BackendError(`${specifier} did not load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  if (!tf.findBackendFactory('webgpu')) throw new BackendError(`${specifier} loaded but registered no webgpu backend`);
  if (!(await tf.setBackend('webgpu'))) throw new BackendError(`${specifier} loaded but its backend did not start`);
  options.onReady?.();
  loaded = { adapter: a, provider };
  return loaded;
}

/**
 * The status of the WebGPU backend if {@link loadWebGpuBackend} started it in this process.
 *
 * @example
 * webGpuStatus()?.adapter.software; // true on lavapipe
 */
export function webGpuStatus(): WebGpuStatus | undefined {
  return loaded;
}
