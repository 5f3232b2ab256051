// An independent max-flow (Dinic: BFS levels + blocking flows by DFS) on an explicit residual
// graph with source and sink as ordinary nodes, for checking the Boykov–Kolmogorov solver.

export interface PlainGraph {
  nodeCount: number;
  edges: Array<{ from: number; to: number; cap: number; rev: number }>;
  source: number[];
  sink: number[];
}

export function dinicMaxflow(g: PlainGraph): number {
  const n = g.nodeCount + 2;
  const s = g.nodeCount;
  const t = g.nodeCount + 1;
  const to: number[] = [];
  const cap: number[] = [];
  const adj: number[][] = Array.from({ length: n }, () => []);
  const add = (u: number, v: number, c: number, r: number): void => {
    adj[u]!.push(to.length);
    to.push(v);
    cap.push(c);
    adj[v]!.push(to.length);
    to.push(u);
    cap.push(r);
  };
  for (const e of g.edges) add(e.from, e.to, e.cap, e.rev);
  for (let i = 0; i < g.nodeCount; i++) {
    if (g.source[i]! > 0) add(s, i, g.source[i]!, 0);
    if (g.sink[i]! > 0) add(i, t, g.sink[i]!, 0);
  }
  let flow = 0;
  for (;;) {
    const level = new Array<number>(n).fill(-1);
    level[s] = 0;
    const queue = [s];
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q]!;
      for (const e of adj[u]!) if (cap[e]! > 1e-12 && level[to[e]!] === -1) (level[to[e]!] = level[u]! + 1), queue.push(to[e]!);
    }
    if (level[t] === -1) return flow;
    const it = new Array<number>(n).fill(0);
    const dfs = (u: number, f: number): number => {
      if (u === t) return f;
      for (; it[u]! < adj[u]!.length; it[u]!++) {
        const e = adj[u]![it[u]!]!;
        const v = to[e]!;
        if (cap[e]! > 1e-12 && level[v] === level[u]! + 1) {
          const pushed = dfs(v, Math.min(f, cap[e]!));
          if (pushed > 0) {
            cap[e]! -= pushed;
            cap[e ^ 1]! += pushed;
            return pushed;
          }
        }
      }
      return 0;
    };
    for (let f = dfs(s, Infinity); f > 0; f = dfs(s, Infinity)) flow += f;
  }
}
