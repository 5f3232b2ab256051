/**
 * A binary min-heap of node indices 0..capacity-1 keyed by `key[node]` (a caller's array, e.g.
 * Dijkstra's tentative distances), with decrease-key through each node's heap position. Ties pop
 * in no particular order. Typed arrays only, no allocation after creation.
 */
export interface IndexedHeap {
  readonly size: number;
  /** Inserts `node` or, if present, moves it up after its key decreased; a node already popped is ignored. */
  push(node: number): void;
  /** Removes and returns the node of smallest key (-1 when empty). */
  pop(): number;
}

const POPPED = -2;

/** An empty heap over nodes 0..capacity-1 ordered by `key`. */
export function createIndexedHeap(capacity: number, key: Float64Array): IndexedHeap {
  const heap = new Int32Array(capacity);
  const position = new Int32Array(capacity).fill(-1);
  let size = 0;
  const up = (start: number): void => {
    let k = start;
    const node = heap[k]!;
    const nodeKey = key[node]!;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const pn = heap[parent]!;
      if (key[pn]! <= nodeKey) break;
      heap[k] = pn;
      position[pn] = k;
      k = parent;
    }
    heap[k] = node;
    position[node] = k;
  };
  const down = (start: number): void => {
    let k = start;
    const node = heap[k]!;
    const nodeKey = key[node]!;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && key[heap[right]!]! < key[heap[child]!]!) child = right;
      const cn = heap[child]!;
      if (key[cn]! >= nodeKey) break;
      heap[k] = cn;
      position[cn] = k;
      k = child;
    }
    heap[k] = node;
    position[node] = k;
  };
  return {
    get size() {
      return size;
    },
    push(node) {
      const at = position[node]!;
      if (at >= 0) {
        up(at);
        return;
      }
      if (at === POPPED) return;
      heap[size] = node;
      position[node] = size;
      size++;
      up(size - 1);
    },
    pop() {
      if (size === 0) return -1;
      const top = heap[0]!;
      position[top] = POPPED;
      size--;
      if (size > 0) {
        heap[0] = heap[size]!;
        position[heap[0]!] = 0;
        down(0);
      }
      return top;
    },
  };
}
