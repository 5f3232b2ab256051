/**
 * An open-addressing hash table from integer lattice keys (`keySize` int32 coordinates) to
 * dense vertex ids 0, 1, 2, … in order of insertion. Linear probing, power-of-two capacity,
 * doubled when half full. A slot holds the key's 32-bit hash and its id (8 bytes, so the table
 * stays small and cache-resident); keys are stored by id, and since ids follow the scan order,
 * the key a lookup finally compares against was usually created a moment ago. No per-vertex
 * objects.
 */
const RECENT = 4096;

export class LatticeHashTable {
  /** Coordinates of vertex `v` are `keys[v*keySize .. v*keySize+keySize)`. */
  keys: Int32Array;
  /** Number of vertices inserted so far. */
  size = 0;
  /** Slot s: `slots[2s]` = hash, `slots[2s+1]` = id (−1 = empty). */
  private slots: Int32Array;
  /**
   * A small direct-mapped cache in front of the table: recently used ids by hash. Points near
   * each other in the scan (the previous row) mostly reuse recent vertices; this finds them
   * without touching the large table.
   */
  private readonly recent = new Int32Array(RECENT).fill(-1);
  private mask: number;

  constructor(
    readonly keySize: number,
    expectedSize: number,
  ) {
    let capacity = 16;
    while (capacity < 2 * expectedSize) capacity *= 2;
    this.slots = LatticeHashTable.emptySlots(capacity);
    this.mask = capacity - 1;
    this.keys = new Int32Array(Math.max(1, (capacity >> 1) * keySize));
  }

  private static emptySlots(capacity: number): Int32Array {
    const slots = new Int32Array(2 * capacity);
    for (let s = 0; s < capacity; s++) slots[2 * s + 1] = -1;
    return slots;
  }

  private hash(key: Int32Array, start: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.keySize; i++) {
      h = Math.imul(h ^ key[start + i]!, 0x9e3779b1);
      h ^= h >>> 15;
    }
    return h;
  }

  /** The slot holding `key` (hash `h`), or the empty slot where it would go. */
  private probe(key: Int32Array, start: number, h: number): number {
    const slots = this.slots;
    const keys = this.keys;
    const k = this.keySize;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = slots[2 * slot + 1]!;
      if (id < 0) return slot;
      if (slots[2 * slot] === h) {
        const base = id * k;
        let i = 0;
        while (i < k && keys[base + i] === key[start + i]) i++;
        if (i === k) return slot;
      }
    }
  }

  /** The vertex id of `key[start..start+keySize)`, or -1 if it is not in the table. */
  find(key: Int32Array, start = 0): number {
    return this.slots[2 * this.probe(key, start, this.hash(key, start)) + 1]!;
  }

  /** The vertex id of the key, inserting it (with the next id) if it is new. */
  findOrInsert(key: Int32Array, start = 0): number {
    const h = this.hash(key, start);
    const k = this.keySize;
    const r = h & (RECENT - 1);
    const cached = this.recent[r]!;
    if (cached >= 0) {
      let i = 0;
      while (i < k && this.keys[cached * k + i] === key[start + i]) i++;
      if (i === k) return cached;
    }
    if (2 * (this.size + 1) > this.mask + 1) this.grow();
    const slot = this.probe(key, start, h);
    const found = this.slots[2 * slot + 1]!;
    if (found >= 0) {
      this.recent[r] = found;
      return found;
    }
    const id = this.size++;
    this.recent[r] = id;
    this.slots[2 * slot] = h;
    this.slots[2 * slot + 1] = id;
    for (let i = 0; i < k; i++) this.keys[id * k + i] = key[start + i]!;
    return id;
  }

  private grow(): void {
    const k = this.keySize;
    const capacity = (this.mask + 1) * 2;
    const keys = new Int32Array((capacity >> 1) * k);
    keys.set(this.keys.subarray(0, this.size * k));
    this.keys = keys;
    const old = this.slots;
    this.slots = LatticeHashTable.emptySlots(capacity);
    this.mask = capacity - 1;
    for (let s = 0; s < old.length; s += 2) {
      const id = old[s + 1]!;
      if (id < 0) continue;
      const h = old[s]!;
      let slot = h & this.mask;
      while (this.slots[2 * slot + 1]! >= 0) slot = (slot + 1) & this.mask;
      this.slots[2 * slot] = h;
      this.slots[2 * slot + 1] = id;
    }
  }
}
