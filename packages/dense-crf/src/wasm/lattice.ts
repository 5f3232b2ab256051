import type { PermutohedralLattice } from '../permutohedral-lattice';
import { latticeModuleBytes, type LatticeExports } from './lattice-kernels';

const PAGE = 65536;
const compiled = new Map<number, WebAssembly.Module>();

function latticeModule(d: number): WebAssembly.Module {
  let module = compiled.get(d);
  if (!module) {
    module = new WebAssembly.Module(latticeModuleBytes(d) as Uint8Array<ArrayBuffer>);
    compiled.set(d, module);
  }
  return module;
}

/** A growable memory with a bump allocator, for one lattice construction. */
class Scratch {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  private top = 16;
  alloc(bytes: number): number {
    const at = this.top;
    this.top = at + Math.ceil(bytes / 16) * 16;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE));
    return at;
  }
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
}

/**
 * {@link buildLattice} in WebAssembly: the same algorithm, float32 arithmetic and insertion
 * order as the JavaScript version, so the lattices are identical (a test checks it).
 */
export function buildLatticeWasm(
  features: Float32Array,
  d: number,
  n: number,
  scaleFactors: Float64Array,
  canonical: Int32Array,
  alpha: number,
): PermutohedralLattice {
  const d1 = d + 1;
  const mem = new Scratch();
  const feat = mem.alloc(d * n * 4);
  const offs = mem.alloc(n * d1 * 4);
  const wts = mem.alloc(n * d1 * 4);
  const scale = mem.alloc(d * 4);
  const state = mem.alloc(8);
  const prev = mem.alloc(d1 * d * 4);
  const prevIds = mem.alloc(d1 * 4);
  const canon = mem.alloc(d1 * d1 * 4);
  const bary = mem.alloc((d + 2) * 4);
  mem.f32(feat, d * n).set(features);
  mem.f32(scale, d).set(scaleFactors);
  mem.i32(canon, d1 * d1).set(canonical);

  // Lattices have fewer vertices than points (a quarter to a half for images): start at n/2
  // vertices' room, which rarely needs to grow and stays cache-sized.
  let capacity = 4096;
  while (capacity < n / 2) capacity *= 2;
  let slots = mem.alloc(capacity * 8);
  let keys = mem.alloc((capacity / 2) * d * 4);
  mem.i32(slots, 2 * capacity).fill(-1);
  const exports = new WebAssembly.Instance(latticeModule(d), { env: { memory: mem.memory } }).exports as unknown as LatticeExports;

  let p = 0;
  for (;;) {
    const st = mem.i32(state, 2);
    st[1] = capacity / 2;
    p = exports.build(feat, n, p, n, offs, wts, scale, slots, capacity - 1, keys, state, prev, prevIds, canon, bary);
    if (p >= n) break;
    // Half full: double the table and rehash (hashes are stored, keys stay by id).
    const size = mem.i32(state, 1)[0]!;
    const newCapacity = capacity * 2;
    const newSlots = mem.alloc(newCapacity * 8);
    const newKeys = mem.alloc((newCapacity / 2) * d * 4);
    mem.i32(newKeys, size * d).set(mem.i32(keys, size * d));
    const from = mem.i32(slots, 2 * capacity);
    const to = mem.i32(newSlots, 2 * newCapacity).fill(-1);
    const mask = newCapacity - 1;
    for (let s = 0; s < 2 * capacity; s += 2) {
      if (from[s + 1]! < 0) continue;
      let slot = from[s]! & mask;
      while (to[2 * slot + 1]! >= 0) slot = (slot + 1) & mask;
      to[2 * slot] = from[s]!;
      to[2 * slot + 1] = from[s + 1]!;
    }
    capacity = newCapacity;
    slots = newSlots;
    keys = newKeys;
  }
  const m = mem.i32(state, 1)[0]!;
  const nb = mem.alloc(d1 * m * 8);
  mem.i32(nb, d1 * m * 2).fill(0);
  exports.neighbors(keys, m, slots, capacity - 1, nb);
  // Views on this construction's memory (it no longer grows, so they stay valid; the memory
  // lives as long as the lattice).
  return { d, n, m, offsets: mem.i32(offs, n * d1), weights: mem.f32(wts, n * d1), neighbors: mem.i32(nb, d1 * m * 2), alpha };
}
