/**
 * Boykov–Kolmogorov max-flow specialised to pixel grids: the same algorithm as {@link maxflow}
 * (`./maxflow.ts`), but the graph has no adjacency arrays at all. Nodes live on a grid padded
 * with a one-pixel frame of dead nodes, arc d of node p is `p * stride + d` and points to
 * `p + offset[d]`, and its sister is `(p + offset[d]) * stride + (d ^ 1)`; border arcs point into
 * the frame with zero capacity, so no neighbour test needs a bounds check. Search-tree parents
 * are stored as directions. Everything is one function with local state (no closures over
 * mutable counters), which is what lets V8 keep the loop variables in registers.
 */

/** A grid s-t graph in the padded layout of {@link gridMaxflow}. */
export interface PaddedGridGraph {
  /** The image size (the padded grid is (width + 2) x (height + 2)). */
  readonly width: number;
  readonly height: number;
  /** Arcs per node: 4 (left, right, up, down) or 8 (plus up-left, down-right, up-right, down-left). */
  readonly stride: 4 | 8;
  /** Residual capacity of arc d of padded node p at `p * stride + d`; zero towards the frame. */
  readonly capacity: Float64Array;
  /** Per padded node, source minus sink capacity (±Infinity for hard constraints); 0 on the frame. */
  readonly terminal: Float64Array;
  /** Flow already pushed through both terminal arcs of the nodes (sum of min(source, sink)). */
  readonly constantFlow: number;
}

/** Padded index of pixel (x, y). */
export function paddedIndex(width: number, x: number, y: number): number {
  return (y + 1) * (width + 2) + x + 1;
}

/** Allocates an all-zero padded grid graph (capacities and terminals to be filled by the caller). */
export function allocatePaddedGrid(width: number, height: number, stride: 4 | 8): { capacity: Float64Array; terminal: Float64Array } {
  const nodes = (width + 2) * (height + 2);
  return { capacity: new Float64Array(nodes * stride), terminal: new Float64Array(nodes) };
}

const NONE = -1; // free node (in neither search tree)
const TERMINAL = -2; // parent is the terminal itself
const ORPHAN = -3; // lost its parent during augmentation
const INFINITE_DISTANCE = 1_000_000_000;

/** The solver's per-node state, kept between calls of the same size (no allocation, no GC). */
interface Workspace {
  nodes: number;
  parent: Int32Array;
  stamp: Int32Array;
  dist: Int32Array;
  sink: Uint8Array;
  queue: Int32Array;
  inQueue: Uint8Array;
  orphans: Int32Array;
}
let workspace: Workspace | null = null;

/** Per-node state for `np` nodes, reset: all free, no stamps, nothing queued. */
function takeWorkspace(np: number): Workspace {
  if (workspace === null || workspace.nodes !== np) {
    workspace = {
      nodes: np,
      parent: new Int32Array(np),
      stamp: new Int32Array(np),
      dist: new Int32Array(np),
      sink: new Uint8Array(np),
      queue: new Int32Array(np),
      inQueue: new Uint8Array(np),
      orphans: new Int32Array(np),
    };
  } else {
    workspace.stamp.fill(0);
    workspace.inQueue.fill(0);
  }
  workspace.parent.fill(NONE);
  return workspace;
}

/**
 * Maximum flow and a minimum cut of a padded grid graph (modifies its capacities and terminals
 * into residuals). Returns the flow (including `constantFlow`) and, per pixel of the unpadded
 * image, 1 on the source side of the cut (reachable from the source in the residual graph).
 */
export function gridMaxflow(graph: PaddedGridGraph): { flow: number; sourceSide: Uint8Array } {
  const { width, height, stride: S, capacity: cap, terminal: tr } = graph;
  const Wp = width + 2;
  const np = Wp * (height + 2);
  const shift = S === 4 ? 2 : 3;
  const mask = S - 1;
  const off = Int32Array.of(-1, 1, -Wp, Wp, -Wp - 1, Wp + 1, -Wp + 1, Wp - 1);
  // Per node: parent direction (the arc p*S + dir points to the parent) or NONE / TERMINAL /
  // ORPHAN; the timestamp and distance of the TIME/DIST heuristic; 1 if in the sink tree.
  const { parent, stamp, dist, sink, queue, inQueue, orphans } = takeWorkspace(np);
  // Active nodes (`queue`): FIFO ring, each node at most once. Orphans: FIFO ring as well.
  let qHead = 0;
  let qTail = 0;
  let qSize = 0;
  let oHead = 0;
  let oTail = 0;
  let oSize = 0;
  let flow = graph.constantFlow;
  let time = 0;

  // Warm start: saturate the two-arc paths source -> p -> q -> sink; on image grids most of the
  // flow goes this way, before any tree exists.
  for (let p = Wp + 1; p < np - Wp - 1; p++) {
    let tp = tr[p]!;
    if (!(tp > 0)) continue;
    for (let d = 0; d < S; d++) {
      const a = (p << shift) + d;
      const c = cap[a]!;
      if (c === 0) continue;
      const q = p + off[d]!;
      const need = -tr[q]!;
      if (!(need > 0)) continue;
      let push = Math.min(tp, need);
      if (c < push) push = c;
      cap[a] = c - push;
      cap[(q << shift) + (d ^ 1)]! += push;
      tp -= push;
      tr[q]! += push;
      flow += push;
      if (tp === 0) break;
    }
    tr[p] = tp;
  }

  // Every node with terminal capacity left starts as a child of its terminal. Only those with a
  // residual arc (in their tree's growth direction) to a free node or to the other tree start
  // active: this is the invariant BK keeps for inactive tree nodes (a node freed later activates
  // its tree neighbours), so the interior of confidently labelled regions is never scanned.
  for (let p = Wp + 1; p < np - Wp - 1; p++) {
    const t = tr[p]!;
    if (!(t > 0 || t < 0)) continue; // free (frame nodes too)
    parent[p] = TERMINAL;
    sink[p] = t < 0 ? 1 : 0;
    dist[p] = 1;
    let boundary = false;
    for (let d = 0; d < S && !boundary; d++) {
      const q = p + off[d]!;
      // The sign test first: inside a region it fails without loading the arc.
      if (t > 0) boundary = !(tr[q]! > 0) && cap[(p << shift) + d]! > 0;
      else boundary = !(tr[q]! < 0) && cap[(q << shift) + (d ^ 1)]! > 0;
    }
    if (boundary) {
      queue[qTail] = p;
      qTail = qTail + 1 === np ? 0 : qTail + 1;
      qSize++;
      inQueue[p] = 1;
    }
  }

  let current = -1;
  for (;;) {
    let i = current;
    if (i < 0 || parent[i] === NONE) {
      // Next active node that is still in a tree.
      i = -1;
      while (qSize > 0) {
        const k = queue[qHead]!;
        qHead = qHead + 1 === np ? 0 : qHead + 1;
        qSize--;
        inQueue[k] = 0;
        if (parent[k] !== NONE) {
          i = k;
          break;
        }
      }
      if (i < 0) break;
    }
    // Growth: look for an arc into the other tree, adopting free neighbours on the way.
    // `middle` is the arc from the source-tree node to the sink-tree node.
    let middle = -1;
    const tsI = stamp[i]!;
    const distI = dist[i]!;
    const base = i << shift;
    if (!sink[i]) {
      for (let d = 0; d < S; d++) {
        if (cap[base + d] === 0) continue;
        const j = i + off[d]!;
        const pj = parent[j]!;
        if (pj === NONE) {
          sink[j] = 0;
          parent[j] = d ^ 1;
          stamp[j] = tsI;
          dist[j] = distI + 1;
          if (!inQueue[j]) {
            inQueue[j] = 1;
            queue[qTail] = j;
            qTail = qTail + 1 === np ? 0 : qTail + 1;
            qSize++;
          }
        } else if (sink[j]) {
          middle = base + d;
          break;
        } else if (stamp[j]! <= tsI && dist[j]! > distI) {
          parent[j] = d ^ 1;
          stamp[j] = tsI;
          dist[j] = distI + 1;
        }
      }
    } else {
      for (let d = 0; d < S; d++) {
        const j = i + off[d]!;
        const back = (j << shift) + (d ^ 1);
        if (cap[back] === 0) continue;
        const pj = parent[j]!;
        if (pj === NONE) {
          sink[j] = 1;
          parent[j] = d ^ 1;
          stamp[j] = tsI;
          dist[j] = distI + 1;
          if (!inQueue[j]) {
            inQueue[j] = 1;
            queue[qTail] = j;
            qTail = qTail + 1 === np ? 0 : qTail + 1;
            qSize++;
          }
        } else if (!sink[j]) {
          middle = back;
          break;
        } else if (stamp[j]! <= tsI && dist[j]! > distI) {
          parent[j] = d ^ 1;
          stamp[j] = tsI;
          dist[j] = distI + 1;
        }
      }
    }
    time++;
    if (middle < 0) {
      current = -1;
      continue;
    }
    current = i; // keep growing from i next round

    // Augmentation along source -> ... -> s -middle-> t -> ... -> sink.
    const s0 = middle >> shift;
    const dm = middle & mask;
    const t0 = s0 + off[dm]!;
    let bottleneck = cap[middle]!;
    let u = s0;
    for (let d = parent[u]!; d !== TERMINAL; d = parent[u]!) {
      const q = u + off[d]!;
      const c = cap[(q << shift) + (d ^ 1)]!; // parent -> u
      if (c < bottleneck) bottleneck = c;
      u = q;
    }
    if (tr[u]! < bottleneck) bottleneck = tr[u]!;
    let v = t0;
    for (let d = parent[v]!; d !== TERMINAL; d = parent[v]!) {
      const c = cap[(v << shift) + d]!; // v -> parent
      if (c < bottleneck) bottleneck = c;
      v += off[d]!;
    }
    if (-tr[v]! < bottleneck) bottleneck = -tr[v]!;

    cap[middle]! -= bottleneck;
    cap[(t0 << shift) + (dm ^ 1)]! += bottleneck;
    u = s0;
    for (let d = parent[u]!; d !== TERMINAL; d = parent[u]!) {
      const q = u + off[d]!;
      const down = (q << shift) + (d ^ 1);
      cap[(u << shift) + d]! += bottleneck;
      const left = cap[down]! - bottleneck;
      cap[down] = left;
      if (left === 0) {
        parent[u] = ORPHAN;
        orphans[oTail] = u;
        oTail = oTail + 1 === np ? 0 : oTail + 1;
        oSize++;
      }
      u = q;
    }
    tr[u]! -= bottleneck;
    if (tr[u] === 0) {
      parent[u] = ORPHAN;
      orphans[oTail] = u;
      oTail = oTail + 1 === np ? 0 : oTail + 1;
      oSize++;
    }
    v = t0;
    for (let d = parent[v]!; d !== TERMINAL; d = parent[v]!) {
      const q = v + off[d]!;
      const up = (v << shift) + d;
      cap[(q << shift) + (d ^ 1)]! += bottleneck;
      const left = cap[up]! - bottleneck;
      cap[up] = left;
      if (left === 0) {
        parent[v] = ORPHAN;
        orphans[oTail] = v;
        oTail = oTail + 1 === np ? 0 : oTail + 1;
        oSize++;
      }
      v = q;
    }
    tr[v]! += bottleneck;
    if (tr[v] === 0) {
      parent[v] = ORPHAN;
      orphans[oTail] = v;
      oTail = oTail + 1 === np ? 0 : oTail + 1;
      oSize++;
    }
    flow += bottleneck;

    // Adoption: each orphan gets the closest valid parent of its own tree, or is freed.
    while (oSize > 0) {
      const o = orphans[oHead]!;
      oHead = oHead + 1 === np ? 0 : oHead + 1;
      oSize--;
      const sinkTree = sink[o]!;
      const ob = o << shift;
      let bestDir = -1;
      let bestDist = INFINITE_DISTANCE;
      for (let d = 0; d < S; d++) {
        const j = o + off[d]!;
        // Residual capacity j -> o for the source tree, o -> j for the sink tree.
        if ((sinkTree ? cap[ob + d]! : cap[(j << shift) + (d ^ 1)]!) === 0) continue;
        if (sink[j] !== sinkTree || parent[j] === NONE) continue;
        // Is j rooted at a terminal? Walk up, stopping at nodes already verified this round.
        let len = 0;
        let k = j;
        for (;;) {
          if (stamp[k] === time) {
            len += dist[k]!;
            break;
          }
          const pk = parent[k]!;
          len++;
          if (pk === TERMINAL) {
            stamp[k] = time;
            dist[k] = 1;
            break;
          }
          if (pk === ORPHAN) {
            len = INFINITE_DISTANCE;
            break;
          }
          k += off[pk]!;
        }
        if (len < INFINITE_DISTANCE) {
          if (len < bestDist) {
            bestDir = d;
            bestDist = len;
          }
          // Mark the verified path so later walks stop early.
          for (k = j; stamp[k] !== time; k += off[parent[k]!]!) {
            stamp[k] = time;
            dist[k] = len--;
          }
        }
      }
      if (bestDir >= 0) {
        parent[o] = bestDir;
        stamp[o] = time;
        dist[o] = bestDist + 1;
        continue;
      }
      // No valid parent: o becomes free; neighbours that could regrow into it become active
      // and its children become orphans.
      for (let d = 0; d < S; d++) {
        const j = o + off[d]!;
        if (sink[j] !== sinkTree) continue;
        const pj = parent[j]!;
        if (pj === NONE) continue;
        if ((sinkTree ? cap[ob + d]! : cap[(j << shift) + (d ^ 1)]!) > 0 && !inQueue[j]) {
          inQueue[j] = 1;
          queue[qTail] = j;
          qTail = qTail + 1 === np ? 0 : qTail + 1;
          qSize++;
        }
        if (pj >= 0 && j + off[pj]! === o) {
          parent[j] = ORPHAN;
          orphans[oTail] = j;
          oTail = oTail + 1 === np ? 0 : oTail + 1;
          oSize++;
        }
      }
      parent[o] = NONE;
    }
  }

  const sourceSide = new Uint8Array(width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0, p = (y + 1) * Wp + 1; x < width; x++, p++, i++) {
      if (parent[p] !== NONE && !sink[p]) sourceSide[i] = 1;
    }
  }
  return { flow, sourceSide };
}
