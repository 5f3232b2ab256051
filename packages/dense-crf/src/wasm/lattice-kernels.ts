import { F32, FunctionBody, I32, assembleModule } from './emitter';

/*
 * Lattice construction as WebAssembly, generated for one feature count d (all per-point loops
 * unrolled into locals). It is the JavaScript `buildLattice` step for step, in native float32
 * (the JS version emulates float32 with Math.fround), so both produce identical lattices.
 *
 * Hash table: `slots[2s] = hash, slots[2s+1] = id` (−1 = empty), linear probing; keys by id.
 * `state` holds [size, limit]; `build` stops before a point that could push size past limit,
 * so that the caller can grow the table and call again.
 */

const FNV = 0x811c9dc5 | 0;
const GOLDEN = 0x9e3779b1 | 0;

/** Emits `h = hash(key locals)` — the same mixing as LatticeHashTable. */
function emitHash(f: FunctionBody, key: number[], h: number): void {
  f.i32Const(FNV).set(h);
  for (const k of key) {
    f.get(h).get(k).i32Xor().i32Const(GOLDEN).i32Mul().set(h);
    f.get(h).get(h).i32Const(15).i32ShrU().i32Xor().set(h);
  }
}

interface ProbeLocals {
  h: number;
  slot: number;
  addr: number;
  sid: number;
  id: number;
  match: number;
}

/**
 * Emits a lookup of the key in `key` locals; `id` gets the vertex id, or on a miss either a new
 * id (`insert`: size, keys and slot updated) or −1.
 */
function emitProbe(f: FunctionBody, p: { slots: number; mask: number; keys: number; size?: number }, key: number[], l: ProbeLocals): void {
  const d = key.length;
  emitHash(f, key, l.h);
  f.get(l.h).get(p.mask).i32And().set(l.slot);
  f.block(() => {
    f.loop(() => {
      f.get(p.slots).get(l.slot).i32Const(8).i32Mul().i32Add().set(l.addr);
      f.get(l.addr).i32Load(4).set(l.sid);
      f.get(l.sid).i32Const(0).i32LtS();
      f.ifElse(() => {
        if (p.size === undefined) {
          f.i32Const(-1).set(l.id);
        } else {
          f.get(p.size).set(l.id);
          f.bump(p.size, 1);
          f.get(l.addr).get(l.h).i32Store(0);
          f.get(l.addr).get(l.id).i32Store(4);
          for (let i = 0; i < d; i++)
            f.get(p.keys)
              .get(l.id)
              .i32Const(4 * d)
              .i32Mul()
              .i32Add()
              .get(key[i]!)
              .i32Store(4 * i);
        }
        f.br(2); // out of the block
      });
      f.get(l.addr).i32Load(0).get(l.h).i32Eq().set(l.match);
      f.get(l.match);
      f.ifElse(() => {
        for (let i = 0; i < d; i++) {
          f.get(l.match)
            .get(p.keys)
            .get(l.sid)
            .i32Const(4 * d)
            .i32Mul()
            .i32Add()
            .i32Load(4 * i)
            .get(key[i]!)
            .i32Eq()
            .i32And()
            .set(l.match);
        }
        f.get(l.match);
        f.ifElse(() => {
          f.get(l.sid).set(l.id);
          f.br(3); // if, if, loop → block end
        });
      });
      f.get(l.slot).i32Const(1).i32Add().get(p.mask).i32And().set(l.slot);
      f.br(0);
    });
  });
}

function probeLocals(f: FunctionBody): ProbeLocals {
  return { h: f.local(I32), slot: f.local(I32), addr: f.local(I32), sid: f.local(I32), id: f.local(I32), match: f.local(I32) };
}

/**
 * build(feat, n, from, to, offs, wts, scale, slots, mask, keys, state, prev, prevIds, canonical, bary) → next point.
 * Offsets are written as vertex id + 1; `prev`/`prevIds` carry the previous point's corners
 * (prevIds 0 = none) across calls.
 */
function buildKernel(d: number): FunctionBody {
  const d1 = d + 1;
  const f = new FunctionBody('build', Array<number>(15).fill(I32), [I32]);
  const [feat, n, from, to, offs, wts, scale, slots, mask, keys, state, prev, prevIds, canonical, bary] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  ] as const;
  const p = f.local(I32);
  const fp = f.local(I32);
  const op = f.local(I32);
  const wp = f.local(I32);
  const stride = f.local(I32);
  const size = f.local(I32);
  const limit = f.local(I32);
  const sum = f.local(I32);
  const same = f.local(I32);
  const at = f.local(I32);
  const c = f.local(I32);
  const lt = f.local(I32);
  const sm = f.local(F32);
  const cf = f.local(F32);
  const v = f.local(F32);
  const el = Array.from({ length: d1 }, () => f.local(F32));
  const rem = Array.from({ length: d1 }, () => f.local(F32));
  const rank = Array.from({ length: d1 }, () => f.local(I32));
  const key = Array.from({ length: d }, () => f.local(I32));
  const probe = probeLocals(f);
  const down = Math.fround(1 / d1);

  f.get(state).i32Load(0).set(size);
  f.get(state).i32Load(4).set(limit);
  f.get(n).i32Const(4).i32Mul().set(stride);
  f.get(from).set(p);
  f.block(() => {
    f.loop(() => {
      f.get(p).get(to).i32GeS().brIf(1);
      f.get(size).i32Const(d1).i32Add().get(limit).i32GtS().brIf(1);
      f.get(feat).get(p).i32Const(4).i32Mul().i32Add().set(fp);
      // Elevate.
      f.f32Const(0).set(sm);
      for (let j = d; j > 0; j--) {
        f.get(fp)
          .get(stride)
          .i32Const(j - 1)
          .i32Mul()
          .i32Add()
          .f32Load()
          .get(scale)
          .f32Load(4 * (j - 1))
          .f32Mul()
          .set(cf);
        f.get(sm).f32Const(j).get(cf).f32Mul().f32Sub().set(el[j]!);
        f.get(sm).get(cf).f32Add().set(sm);
      }
      f.get(sm).set(el[0]!);
      // Closest remainder-0 point.
      f.i32Const(0).set(sum);
      for (let i = 0; i <= d; i++) {
        f.f32Const(down).get(el[i]!).f32Mul().f32Nearest().set(v);
        f.get(v).f32Const(d1).f32Mul().set(rem[i]!);
        f.get(sum).get(v).i32TruncF32S().i32Add().set(sum);
      }
      // Ranks of the differences.
      for (let i = 0; i <= d; i++) f.i32Const(0).set(rank[i]!);
      for (let i = 0; i < d; i++)
        for (let j = i + 1; j <= d; j++) {
          f.get(el[i]!).get(rem[i]!).f32Sub().get(el[j]!).get(rem[j]!).f32Sub().f32Lt().set(c);
          f.get(rank[i]!).get(c).i32Add().set(rank[i]!);
          f.get(rank[j]!).i32Const(1).i32Add().get(c).i32Sub().set(rank[j]!);
        }
      // Back onto the plane.
      for (let i = 0; i <= d; i++) {
        f.get(rank[i]!).get(sum).i32Add().set(rank[i]!);
        // lt − gt ∈ {−1, 0, 1}
        f.get(rank[i]!).i32Const(0).i32LtS().get(rank[i]!).i32Const(d).i32GtS().i32Sub().set(lt);
        f.get(rank[i]!).get(lt).i32Const(d1).i32Mul().i32Add().set(rank[i]!);
        f.get(rem[i]!).get(lt).f32ConvertI32S().f32Const(d1).f32Mul().f32Add().set(rem[i]!);
      }
      // Barycentric coordinates (scratch `bary`, indexed by rank).
      for (let k = 0; k <= d + 1; k++)
        f.get(bary)
          .f32Const(0)
          .f32Store(4 * k);
      for (let i = 0; i <= d; i++) {
        f.get(el[i]!).get(rem[i]!).f32Sub().f32Const(down).f32Mul().set(v);
        f.get(bary).i32Const(d).get(rank[i]!).i32Sub().i32Const(4).i32Mul().i32Add().set(at);
        f.get(at).get(at).f32Load(0).get(v).f32Add().f32Store(0);
        f.get(at).get(at).f32Load(4).get(v).f32Sub().f32Store(4);
      }
      f.get(bary)
        .get(bary)
        .f32Load(0)
        .f32Const(1)
        .get(bary)
        .f32Load(4 * (d + 1))
        .f32Add()
        .f32Add()
        .f32Store(0);
      // Corners.
      f.get(offs)
        .get(p)
        .i32Const(4 * d1)
        .i32Mul()
        .i32Add()
        .set(op);
      f.get(wts)
        .get(p)
        .i32Const(4 * d1)
        .i32Mul()
        .i32Add()
        .set(wp);
      for (let r = 0; r <= d; r++) {
        f.get(prevIds)
          .i32Load(4 * r)
          .i32Const(0)
          .i32Ne()
          .set(same);
        for (let i = 0; i < d; i++) {
          f.get(rem[i]!)
            .i32TruncF32S()
            .get(canonical)
            .get(rank[i]!)
            .i32Const(4)
            .i32Mul()
            .i32Add()
            .i32Load(4 * r * d1)
            .i32Add()
            .set(key[i]!);
          f.get(same)
            .get(key[i]!)
            .get(prev)
            .i32Load(4 * (r * d + i))
            .i32Eq()
            .i32And()
            .set(same);
          f.get(prev)
            .get(key[i]!)
            .i32Store(4 * (r * d + i));
        }
        f.get(same).i32Eqz();
        f.ifElse(() => {
          emitProbe(f, { slots, mask, keys, size }, key, probe);
          f.get(prevIds)
            .get(probe.id)
            .i32Const(1)
            .i32Add()
            .i32Store(4 * r);
        });
        f.get(op)
          .get(prevIds)
          .i32Load(4 * r)
          .i32Store(4 * r);
        f.get(wp)
          .get(bary)
          .f32Load(4 * r)
          .f32Store(4 * r);
      }
      f.bump(p, 1);
      f.br(0);
    });
  });
  f.get(state).get(size).i32Store(0);
  f.get(p);
  return f;
}

/**
 * neighbors(keys, m, slots, mask, out): for each axis j and vertex v, rows (id + 1, 0 = none) of
 * its two neighbours. Only n1 is looked up: n2 is its inverse (n1(v) = u ⇔ n2(u) = v), so
 * `out` must be zeroed by the caller and each found pair is written both ways.
 */
function neighborsKernel(d: number): FunctionBody {
  const f = new FunctionBody('neighbors', [I32, I32, I32, I32, I32]);
  const [keys, m, slots, mask, out] = [0, 1, 2, 3, 4] as const;
  const v = f.local(I32);
  const kb = f.local(I32);
  const axis = f.local(I32);
  const n1 = Array.from({ length: d }, () => f.local(I32));
  const probe = probeLocals(f);
  for (let j = 0; j <= d; j++) {
    f.get(out)
      .get(m)
      .i32Const(8 * j)
      .i32Mul()
      .i32Add()
      .set(axis);
    f.forRange(v, m, () => {
      f.get(keys)
        .get(v)
        .i32Const(4 * d)
        .i32Mul()
        .i32Add()
        .set(kb);
      for (let i = 0; i < d; i++)
        f.get(kb)
          .i32Load(4 * i)
          .i32Const(i === j ? d : -1)
          .i32Add()
          .set(n1[i]!);
      emitProbe(f, { slots, mask, keys }, n1, probe);
      f.get(probe.id).i32Const(0).i32GeS();
      f.ifElse(() => {
        f.get(axis).get(v).i32Const(8).i32Mul().i32Add().get(probe.id).i32Const(1).i32Add().i32Store(0);
        f.get(axis).get(probe.id).i32Const(8).i32Mul().i32Add().get(v).i32Const(1).i32Add().i32Store(4);
      });
    });
  }
  return f;
}

/** The exports of a lattice module. */
export interface LatticeExports {
  build(
    feat: number,
    n: number,
    from: number,
    to: number,
    offs: number,
    wts: number,
    scale: number,
    slots: number,
    mask: number,
    keys: number,
    state: number,
    prev: number,
    prevIds: number,
    canonical: number,
    bary: number,
  ): number;
  neighbors(keys: number, m: number, slots: number, mask: number, out: number): void;
}

/** The bytes of the lattice module for feature count d (plain, growable memory). */
export function latticeModuleBytes(d: number): Uint8Array {
  return assembleModule([buildKernel(d), neighborsKernel(d)], { initialPages: 1 });
}
