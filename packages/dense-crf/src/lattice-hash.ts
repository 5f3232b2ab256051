/**
 * An open-addressing hash table from integer lattice keys (`keySize` int32 coordinates) to
 * dense vertex ids 0, 1, 2, … in order of insertion. Linear probing, power-of-two capacity,
 * doubled when half full. Each slot stores its id and its key side by side, so a probe touches
 * one place in memory; the keys are also kept by id for callers. No per-vertex objects.
 */
export class LatticeHashTable {
  /** Coordinates of vertex `v` are `keys[v*keySize .. v*keySize+keySize)`. */
  keys: Int32Array;
  /** Number of vertices inserted so far. */
  size = 0;
  /** Slot s: `slots[s*(keySize+1)]` = id (−1 = empty), then the key. */
  private slots: Int32Array;
  private mask: number;

  constructor(
    readonly keySize: number,
    expectedSize: number,
  ) {
    let capacity = 16;
    while (capacity < 2 * expectedSize) capacity *= 2;
    this.slots = LatticeHashTable.emptySlots(capacity, keySize);
    this.mask = capacity - 1;
    this.keys = new Int32Array(Math.max(1, (capacity >> 1) * keySize));
  }

  private static emptySlots(capacity: number, keySize: number): Int32Array {
    const slots = new Int32Array(capacity * (keySize + 1));
    for (let s = 0; s < capacity; s++) slots[s * (keySize + 1)] = -1;
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

  /** The slot index holding `key`, or the empty slot where it would go. */
  private probe(key: Int32Array, start: number): number {
    const slots = this.slots;
    const k = this.keySize;
    const width = k + 1;
    const mask = this.mask;
    for (let slot = this.hash(key, start) & mask; ; slot = (slot + 1) & mask) {
      const base = slot * width;
      if (slots[base]! < 0) return slot;
      let i = 0;
      while (i < k && slots[base + 1 + i] === key[start + i]) i++;
      if (i === k) return slot;
    }
  }

  /** The vertex id of `key[start..start+keySize)`, or -1 if it is not in the table. */
  find(key: Int32Array, start = 0): number {
    return this.slots[this.probe(key, start) * (this.keySize + 1)]!;
  }

  /** The vertex id of the key, inserting it (with the next id) if it is new. */
  findOrInsert(key: Int32Array, start = 0): number {
    if (2 * (this.size + 1) > this.mask + 1) this.grow();
    const k = this.keySize;
    const base = this.probe(key, start) * (k + 1);
    const found = this.slots[base]!;
    if (found >= 0) return found;
    const id = this.size++;
    this.slots[base] = id;
    for (let i = 0; i < k; i++) {
      this.slots[base + 1 + i] = key[start + i]!;
      this.keys[id * k + i] = key[start + i]!;
    }
    return id;
  }

  private grow(): void {
    const k = this.keySize;
    const capacity = (this.mask + 1) * 2;
    const keys = new Int32Array((capacity >> 1) * k);
    keys.set(this.keys.subarray(0, this.size * k));
    this.keys = keys;
    this.slots = LatticeHashTable.emptySlots(capacity, k);
    this.mask = capacity - 1;
    for (let v = 0; v < this.size; v++) {
      const base = this.probe(keys, v * k) * (k + 1);
      this.slots[base] = v;
      for (let i = 0; i < k; i++) this.slots[base + 1 + i] = keys[v * k + i]!;
    }
  }
}
