import { kernelModuleBytes, type KernelExports } from './kernels';

const PAGE = 65536;
const compiled = new Map<string, WebAssembly.Module>();
let simdSupport: boolean | undefined;

/** Whether this runtime runs WebAssembly with 128-bit SIMD (Node ≥ 16, current browsers). */
export function wasmSimdSupported(): boolean {
  if (simdSupport === undefined) {
    try {
      simdSupport =
        typeof WebAssembly === 'object' && WebAssembly.validate(kernelModuleBytes(2, { initialPages: 1 }) as Uint8Array<ArrayBuffer>);
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport;
}

/**
 * The compiled kernel module for feature count d, for a plain or a shared memory, with unrolled
 * loops for rows of `widths` vectors (compiled once per process).
 */
export function kernelModule(d: number, shared: boolean, widths: readonly number[] = []): WebAssembly.Module {
  const key = `${d}${shared ? 's' : ''}:${widths.join(',')}`;
  let module = compiled.get(key);
  if (!module) {
    const memory = shared ? { initialPages: 1, maximumPages: 65536, shared: true } : { initialPages: 1 };
    module = new WebAssembly.Module(kernelModuleBytes(d, memory, widths) as Uint8Array<ArrayBuffer>);
    compiled.set(key, module);
  }
  return module;
}

let sparePlain: WasmArena | null = null;
let spareShared: WasmArena | null = null;

/**
 * One WebAssembly memory with a bump allocator (16-byte aligned blocks, never freed: an arena
 * lives as long as the CRF engine that owns it) and kernel instances bound to it.
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  private top = 16;
  private readonly instances = new Map<number, KernelExports>();
  /** Row widths (vectors) the kernels get unrolled loops for; set by the engine before the first {@link kernels}. */
  unrolled: readonly number[] = [];
  /** Reused memory holds old data: blocks are zeroed on allocation. */
  private dirty = false;

  /** `bytes` is the total the caller will allocate; a shared memory (for threads) cannot grow beyond it. */
  private constructor(
    bytes: number,
    readonly shared: boolean,
  ) {
    const pages = Math.max(1, Math.ceil((bytes + 64) / PAGE));
    this.memory = shared
      ? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
      : new WebAssembly.Memory({ initial: pages });
  }

  /**
   * An arena for `bytes` bytes: the one last {@link release}d if it is large enough (its pages
   * are already mapped, which saves the page faults of fresh memory), else a new one.
   */
  static acquire(bytes: number, shared = false): WasmArena {
    const spare = shared ? spareShared : sparePlain;
    if (spare && spare.memory.buffer.byteLength >= bytes + 64) {
      if (shared) spareShared = null;
      else sparePlain = null;
      spare.top = 16;
      spare.dirty = true;
      spare.instances.clear(); // the next engine may unroll other widths
      spare.unrolled = [];
      return spare;
    }
    return new WasmArena(bytes, shared);
  }

  /** Hands the arena back for reuse; nothing may use its blocks afterwards. */
  release(): void {
    if (this.shared) {
      if (!spareShared || spareShared.memory.buffer.byteLength < this.memory.buffer.byteLength) spareShared = this;
    } else if (!sparePlain || sparePlain.memory.buffer.byteLength < this.memory.buffer.byteLength) sparePlain = this;
  }

  /** A new zeroed block of `bytes` bytes; returns its address. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = at + Math.ceil(bytes / 16) * 16;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE));
    if (this.dirty) new Uint8Array(this.memory.buffer, at, this.top - at).fill(0);
    return at;
  }

  /** A Float32Array view of `length` floats at `ptr` (views die when the memory grows). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /** An Int32Array view of `length` ints at `ptr`. */
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  /** All kernel instances made so far, by feature count. */
  kernelsByD(): Record<number, KernelExports> {
    return Object.fromEntries(this.instances);
  }

  /** The kernels for feature count d, bound to this memory. */
  kernels(d: number): KernelExports {
    let k = this.instances.get(d);
    if (!k) {
      k = new WebAssembly.Instance(kernelModule(d, this.shared, this.unrolled), { env: { memory: this.memory } })
        .exports as unknown as KernelExports;
      this.instances.set(d, k);
    }
    return k;
  }
}
