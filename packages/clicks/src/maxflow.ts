import { ClicksError } from './errors';

/**
 * A directed graph with terminals, flat typed arrays only (no per-node objects). Arcs come in
 * sister pairs (a, sister[a]) pointing opposite ways; the arcs leaving node i are
 * `firstArc[i] .. firstArc[i + 1] - 1`. {@link maxflow} turns `capacity` and `terminal` into
 * residuals in place.
 */
export interface FlowGraph {
  readonly nodeCount: number;
  /** `nodeCount + 1` offsets into the arc arrays. */
  readonly firstArc: Int32Array;
  /** The node each arc points to. */
  readonly head: Int32Array;
  /** The reverse arc of each arc. */
  readonly sister: Int32Array;
  /** Residual capacity of each arc. */
  readonly capacity: Float64Array;
  /**
   * Per node, source capacity minus sink capacity (positive: excess from the source, negative:
   * to the sink); Infinity / -Infinity for hard constraints.
   */
  readonly terminal: Float64Array;
  /** Flow already pushed through both terminal arcs of a node (sum of min(source, sink)). */
  constantFlow: number;
}

/** An s-t graph given as an edge list (for tests and general use; grids have a faster builder). */
export interface EdgeList {
  nodeCount: number;
  /** Edge endpoints. */
  from: ArrayLike<number>;
  to: ArrayLike<number>;
  /** Capacity from `from` to `to`, and back (finite). */
  capacity: ArrayLike<number>;
  reverseCapacity: ArrayLike<number>;
  /** Per node: capacity of source -> node and node -> sink (Infinity ties the node to that side). */
  source: ArrayLike<number>;
  sink: ArrayLike<number>;
}

function checkCapacity(value: number, where: string, infinite: boolean): void {
  if (!(value >= 0) || (!infinite && value === Infinity)) {
    throw new ClicksError('bad-parameter', `capacities must be finite and >= 0${infinite ? ' (or Infinity)' : ''}, got ${value}`, {
      where,
    });
  }
}

/** Builds a {@link FlowGraph} (CSR arcs) from an edge list. */
export function buildFlowGraph(edges: EdgeList): FlowGraph {
  const n = edges.nodeCount;
  if (!Number.isInteger(n) || n < 0)
    throw new ClicksError('bad-shape', `nodeCount must be an integer >= 0, got ${n}`, { where: 'nodeCount' });
  const m = edges.from.length;
  if (edges.to.length !== m || edges.capacity.length !== m || edges.reverseCapacity.length !== m) {
    throw new ClicksError('bad-shape', 'from, to, capacity and reverseCapacity must have one entry per edge', { where: 'edges' });
  }
  if (edges.source.length !== n || edges.sink.length !== n)
    throw new ClicksError('bad-shape', 'source and sink need one capacity per node', { where: 'terminals' });
  const firstArc = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const u = edges.from[e]!;
    const v = edges.to[e]!;
    if (!Number.isInteger(u) || !Number.isInteger(v) || u < 0 || v < 0 || u >= n || v >= n || u === v) {
      throw new ClicksError('bad-shape', `edge ${e} (${u} -> ${v}) must join two different nodes in 0..${n - 1}`, { where: `edge ${e}` });
    }
    checkCapacity(edges.capacity[e]!, `edge ${e}`, false);
    checkCapacity(edges.reverseCapacity[e]!, `edge ${e}`, false);
    firstArc[u + 1]!++;
    firstArc[v + 1]!++;
  }
  for (let i = 0; i < n; i++) firstArc[i + 1]! += firstArc[i]!;
  const fill = firstArc.slice(0, n);
  const head = new Int32Array(2 * m);
  const sister = new Int32Array(2 * m);
  const capacity = new Float64Array(2 * m);
  for (let e = 0; e < m; e++) {
    const u = edges.from[e]!;
    const v = edges.to[e]!;
    const a = fill[u]!++;
    const b = fill[v]!++;
    head[a] = v;
    head[b] = u;
    sister[a] = b;
    sister[b] = a;
    capacity[a] = edges.capacity[e]!;
    capacity[b] = edges.reverseCapacity[e]!;
  }
  const terminal = new Float64Array(n);
  let constantFlow = 0;
  for (let i = 0; i < n; i++) {
    const s = edges.source[i]!;
    const t = edges.sink[i]!;
    checkCapacity(s, `node ${i}`, true);
    checkCapacity(t, `node ${i}`, true);
    constantFlow += setTerminal(terminal, i, s, t);
  }
  return { nodeCount: n, firstArc, head, sister, capacity, terminal, constantFlow };
}

/**
 * Stores source capacity `s` and sink capacity `t` of node i as their difference and returns
 * the flow that saturates the smaller one (a path s -> i -> t). Both infinite is a contradiction.
 */
export function setTerminal(terminal: Float64Array, i: number, s: number, t: number): number {
  if (s === Infinity && t === Infinity) {
    throw new ClicksError('bad-clicks', `node ${i} is tied to both the source and the sink`, { where: `node ${i}` });
  }
  terminal[i] = s === Infinity ? Infinity : t === Infinity ? -Infinity : s - t;
  return Math.min(s, t);
}

/** The result of {@link maxflow}. */
export interface MaxflowResult {
  /** Maximum flow value = minimum cut capacity (including `constantFlow`). */
  flow: number;
  /**
   * 1 for nodes on the source side of a minimum cut (those reachable from the source in the
   * residual graph), 0 for the rest.
   */
  sourceSide: Uint8Array;
}

const NONE = -1; // free node (in neither search tree)
const TERMINAL = -2; // parent is the terminal itself
const ORPHAN = -3; // lost its parent during augmentation
const INFINITE_DISTANCE = 1_000_000_000;
// Fields of a node's record in the packed state (the parent arc is field 0).
const TS = 1;
const DIST = 2;
const SINK = 3;

/**
 * Maximum flow / minimum s-t cut by Boykov and Kolmogorov's algorithm ("An Experimental
 * Comparison of Min-Cut/Max-Flow Algorithms for Energy Minimization in Vision", PAMI 2004): two
 * search trees grow from the source and the sink; when they touch, flow is pushed along the
 * path, saturated tree arcs create orphans, and orphans are re-adopted (or freed) instead of
 * rebuilding the trees. Uses the distance/timestamp heuristic of Kolmogorov's implementation.
 * Modifies `graph.capacity` and `graph.terminal` into residuals.
 */
export function maxflow(graph: FlowGraph): MaxflowResult {
  const n = graph.nodeCount;
  const { firstArc, head, sister, capacity: cap, terminal: tr } = graph;
  // Per-node search state packed in one record so a visit touches one cache line:
  // [4i] parent arc (or NONE / TERMINAL / ORPHAN), [4i+TS] timestamp of the last distance
  // check, [4i+DIST] distance to the terminal, [4i+SINK] 1 if in the sink tree.
  const st = new Int32Array(4 * n);
  // Active nodes: a FIFO ring; each node is queued at most once (inQueue).
  const queue = new Int32Array(Math.max(1, n));
  const inQueue = new Uint8Array(n);
  let qHead = 0;
  let qSize = 0;
  // Orphans: a FIFO ring as well (a node is an orphan at most once at a time).
  const orphans = new Int32Array(Math.max(1, n));
  let oHead = 0;
  let oSize = 0;
  let flow = graph.constantFlow;
  let time = 0;

  const activate = (i: number): void => {
    if (inQueue[i]) return;
    inQueue[i] = 1;
    let slot = qHead + qSize;
    if (slot >= n) slot -= n;
    queue[slot] = i;
    qSize++;
  };
  const addOrphan = (i: number): void => {
    st[4 * i] = ORPHAN;
    let slot = oHead + oSize;
    if (slot >= n) slot -= n;
    orphans[slot] = i;
    oSize++;
  };

  // Warm start: saturate every two-arc path source -> i -> j -> sink directly (a valid
  // augmentation each); on image grids this removes most of the flow before the trees grow.
  for (let i = 0; i < n; i++) {
    if (!(tr[i]! > 0)) continue;
    const end = firstArc[i + 1]!;
    for (let a = firstArc[i]!; a < end; a++) {
      const c = cap[a]!;
      if (c === 0) continue;
      const j = head[a]!;
      const need = -tr[j]!;
      if (!(need > 0)) continue;
      let push = Math.min(tr[i]!, need);
      if (c < push) push = c;
      cap[a] = c - push;
      cap[sister[a]!]! += push;
      tr[i]! -= push;
      tr[j]! += push;
      flow += push;
      if (tr[i] === 0) break;
    }
  }

  for (let i = 0; i < n; i++) {
    const t = tr[i]!;
    if (t > 0 || t < 0) {
      st[4 * i] = TERMINAL;
      st[4 * i + SINK] = t < 0 ? 1 : 0;
      st[4 * i + TS] = 0;
      st[4 * i + DIST] = 1;
      activate(i);
    } else {
      st[4 * i] = NONE;
    }
  }

  /** Pushes the bottleneck along source -> ... -> tail(a) -a-> head(a) -> ... -> sink. */
  const augment = (middle: number): void => {
    let bottleneck = cap[middle]!;
    let i = head[sister[middle]!]!;
    for (let a = st[4 * i]!; a !== TERMINAL; a = st[4 * i]!) {
      const c = cap[sister[a]!]!;
      if (c < bottleneck) bottleneck = c;
      i = head[a]!;
    }
    if (tr[i]! < bottleneck) bottleneck = tr[i]!;
    let j = head[middle]!;
    for (let a = st[4 * j]!; a !== TERMINAL; a = st[4 * j]!) {
      const c = cap[a]!;
      if (c < bottleneck) bottleneck = c;
      j = head[a]!;
    }
    if (-tr[j]! < bottleneck) bottleneck = -tr[j]!;

    cap[sister[middle]!]! += bottleneck;
    cap[middle]! -= bottleneck;
    i = head[sister[middle]!]!;
    for (let a = st[4 * i]!; a !== TERMINAL; a = st[4 * i]!) {
      const back = sister[a]!;
      cap[a]! += bottleneck;
      cap[back]! -= bottleneck;
      const next = head[a]!;
      if (cap[back] === 0) addOrphan(i);
      i = next;
    }
    tr[i]! -= bottleneck;
    if (tr[i] === 0) addOrphan(i);
    j = head[middle]!;
    for (let a = st[4 * j]!; a !== TERMINAL; a = st[4 * j]!) {
      cap[sister[a]!]! += bottleneck;
      cap[a]! -= bottleneck;
      const next = head[a]!;
      if (cap[a] === 0) addOrphan(j);
      j = next;
    }
    tr[j]! += bottleneck;
    if (tr[j] === 0) addOrphan(j);
    flow += bottleneck;
  };

  /** Finds the orphan a new parent in its own tree, or frees it and orphans its children. */
  const adopt = (i: number): void => {
    const sinkTree = st[4 * i + SINK]!;
    let bestArc = -1;
    let bestDist = INFINITE_DISTANCE;
    const end = firstArc[i + 1]!;
    for (let a0 = firstArc[i]!; a0 < end; a0++) {
      // Residual capacity towards i for the source tree (j -> i), away from i for the sink tree.
      if ((sinkTree ? cap[a0]! : cap[sister[a0]!]!) === 0) continue;
      const j = head[a0]!;
      if (st[4 * j + SINK] !== sinkTree || st[4 * j] === NONE) continue;
      // Is j rooted at a terminal? Walk up, stopping at nodes already verified this round.
      let d = 0;
      let k = j;
      for (;;) {
        if (st[4 * k + TS] === time) {
          d += st[4 * k + DIST]!;
          break;
        }
        const a = st[4 * k]!;
        d++;
        if (a === TERMINAL) {
          st[4 * k + TS] = time;
          st[4 * k + DIST] = 1;
          break;
        }
        if (a === ORPHAN) {
          d = INFINITE_DISTANCE;
          break;
        }
        k = head[a]!;
      }
      if (d < INFINITE_DISTANCE) {
        if (d < bestDist) {
          bestArc = a0;
          bestDist = d;
        }
        // Mark the verified path so later walks stop early.
        for (k = j; st[4 * k + TS] !== time; k = head[st[4 * k]!]!) {
          st[4 * k + TS] = time;
          st[4 * k + DIST] = d--;
        }
      }
    }
    if (bestArc >= 0) {
      st[4 * i] = bestArc;
      st[4 * i + TS] = time;
      st[4 * i + DIST] = bestDist + 1;
      return;
    }
    // No valid parent: i becomes free; neighbours that could regrow into it become active and
    // its children become orphans.
    for (let a0 = firstArc[i]!; a0 < end; a0++) {
      const j = head[a0]!;
      if (st[4 * j + SINK] !== sinkTree) continue;
      const a = st[4 * j]!;
      if (a === NONE) continue;
      if ((sinkTree ? cap[a0]! : cap[sister[a0]!]!) > 0) activate(j);
      if (a !== TERMINAL && a !== ORPHAN && head[a] === i) addOrphan(j);
    }
    st[4 * i] = NONE;
  };

  let current = -1;
  for (;;) {
    let i = current;
    if (i < 0 || st[4 * i] === NONE) {
      current = -1;
      // Next active node that is still in a tree.
      i = -1;
      while (qSize > 0) {
        const k = queue[qHead]!;
        qHead = qHead + 1 === n ? 0 : qHead + 1;
        qSize--;
        inQueue[k] = 0;
        if (st[4 * k] !== NONE) {
          i = k;
          break;
        }
      }
      if (i < 0) break;
    }
    // Growth: look for an arc into the other tree, adopting free neighbours on the way.
    let middle = -1;
    const end = firstArc[i + 1]!;
    if (!st[4 * i + SINK]) {
      for (let a = firstArc[i]!; a < end; a++) {
        if (cap[a] === 0) continue;
        const j = head[a]!;
        if (st[4 * j] === NONE) {
          st[4 * j + SINK] = 0;
          st[4 * j] = sister[a]!;
          st[4 * j + TS] = st[4 * i + TS]!;
          st[4 * j + DIST] = st[4 * i + DIST]! + 1;
          activate(j);
        } else if (st[4 * j + SINK]) {
          middle = a;
          break;
        } else if (st[4 * j + TS]! <= st[4 * i + TS]! && st[4 * j + DIST]! > st[4 * i + DIST]!) {
          st[4 * j] = sister[a]!;
          st[4 * j + TS] = st[4 * i + TS]!;
          st[4 * j + DIST] = st[4 * i + DIST]! + 1;
        }
      }
    } else {
      for (let a = firstArc[i]!; a < end; a++) {
        const back = sister[a]!;
        if (cap[back] === 0) continue;
        const j = head[a]!;
        if (st[4 * j] === NONE) {
          st[4 * j + SINK] = 1;
          st[4 * j] = back;
          st[4 * j + TS] = st[4 * i + TS]!;
          st[4 * j + DIST] = st[4 * i + DIST]! + 1;
          activate(j);
        } else if (!st[4 * j + SINK]) {
          middle = back;
          break;
        } else if (st[4 * j + TS]! <= st[4 * i + TS]! && st[4 * j + DIST]! > st[4 * i + DIST]!) {
          st[4 * j] = back;
          st[4 * j + TS] = st[4 * i + TS]!;
          st[4 * j + DIST] = st[4 * i + DIST]! + 1;
        }
      }
    }
    time++;
    if (middle < 0) {
      current = -1;
      continue;
    }
    current = i; // keep growing from i next round
    augment(middle);
    while (oSize > 0) {
      const k = orphans[oHead]!;
      oHead = oHead + 1 === n ? 0 : oHead + 1;
      oSize--;
      adopt(k);
    }
  }

  const sourceSide = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (st[4 * i] !== NONE && !st[4 * i + SINK]) sourceSide[i] = 1;
  return { flow, sourceSide };
}
