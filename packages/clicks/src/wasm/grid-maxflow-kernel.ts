import { F64, FunctionBody, I32, type Label } from './emitter';

/*
 * The Boykov–Kolmogorov grid max-flow of ../grid-maxflow.ts as a WebAssembly function, step for
 * step (same warm start, same active-node and orphan FIFOs, same TIME/DIST heuristic), so it
 * finds the same flow and the same cut. Why: a short command cuts one image and exits, and the
 * JavaScript solver spends most of that single run in V8's interpreter and baseline tiers before
 * its loops are optimised (a cold cut costs about 8x a warm one); WebAssembly is compiled before
 * it runs. All arrays live in the imported memory; pointers are byte addresses.
 */

const NONE = -1;
const TERMINAL = -2;
const ORPHAN = -3;
const INFINITE_DISTANCE = 1_000_000_000;

/** Parameter order of the exported `maxflow` function. */
export const MAXFLOW_POINTERS = ['off', 'cap', 'tr', 'parent', 'stamp', 'dist', 'sink', 'queue', 'inQueue', 'orphans'] as const;

export function maxflowFunction(): FunctionBody {
  // maxflow(width, height, shift, ...pointers, constantFlow) -> the flow
  const f = new FunctionBody('maxflow', [I32, I32, I32, ...MAXFLOW_POINTERS.map(() => I32), F64], [F64]);
  const [W, H, SH, OFF, CAP, TR, PAR, STAMP, DIST, SINK, Q, INQ, ORPH, CONSTANT_FLOW] = f.params.map((_, i) => i) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [Wp, np, S, last, p, d, a, q, boundary, qHead, qTail, qSize, oHead, oTail, oSize, time, current, i, k, middle] = Array.from(
    { length: 20 },
    () => f.local(I32),
  ) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [tsI, distI, base, j, pj, s0, dm, t0, u, v, o, sinkTree, ob, bestDir, bestDist, len] = Array.from({ length: 16 }, () =>
    f.local(I32),
  ) as [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const [c, tp, need, push, t, bn, left, flow] = Array.from({ length: 8 }, () => f.local(F64)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];

  // Addresses: element `index()` of the array at pointer local `ptr`, elements of 2^scale bytes.
  const at = (ptr: number, index: () => void, scale: number) => {
    f.get(ptr);
    index();
    if (scale) f.i32(scale).shl();
    f.add();
  };
  const of = (local: number) => () => f.get(local);
  const i32At = (ptr: number, index: () => void) => at(ptr, index, 2);
  const f64At = (ptr: number, index: () => void) => at(ptr, index, 3);
  const u8At = (ptr: number, index: () => void) => at(ptr, index, 0);
  const loadI32 = (ptr: number, index: () => void) => (i32At(ptr, index), f.i32Load());
  const loadF64 = (ptr: number, index: () => void) => (f64At(ptr, index), f.f64Load());
  const loadU8 = (ptr: number, index: () => void) => (u8At(ptr, index), f.u8Load());
  const storeI32 = (ptr: number, index: () => void, value: () => void) => (i32At(ptr, index), value(), f.i32Store());
  const storeF64 = (ptr: number, index: () => void, value: () => void) => (f64At(ptr, index), value(), f.f64Store());
  const storeU8 = (ptr: number, index: () => void, value: () => void) => (u8At(ptr, index), value(), f.u8Store());
  const konst = (value: number) => () => f.i32(value);
  /** off[dir] (dir on the stack after `dir()`). */
  const offset = (dir: () => void) => loadI32(OFF, dir);
  /** Arc index (node << shift) + dir. */
  const arc = (node: () => void, dir: () => void) => () => {
    node();
    f.get(SH).shl();
    dir();
    f.add();
  };
  /** The direction opposite to d: d ^ 1. */
  const opposite = (dir: number) => () => f.get(dir).i32(1).xor();
  /** local += step (i32). */
  const bump = (local: number, step: number) => f.get(local).i32(step).add().set(local);
  /** Appends `node` to a FIFO ring of np entries. */
  const enqueue = (ring: number, tail: number, size: number, node: number) => {
    storeI32(ring, of(tail), of(node));
    bump(tail, 1);
    f.get(tail)
      .get(np)
      .eq()
      .if(() => f.i32(0).set(tail));
    bump(size, 1);
  };
  const activate = (node: number) => {
    storeU8(INQ, of(node), konst(1));
    enqueue(Q, qTail, qSize, node);
  };
  const orphan = (node: number) => {
    storeI32(PAR, of(node), konst(ORPHAN));
    enqueue(ORPH, oTail, oSize, node);
  };
  /** for (d = 0; d < S; d++) body(next, end): `br(next)` continues, `br(end)` breaks. */
  const forDirections = (body: (next: Label, end: Label) => void) => {
    f.i32(0).set(d);
    f.block((end) => {
      f.loop((again) => {
        f.get(d).get(S).geS().brIf(end);
        f.block((next) => body(next, end));
        bump(d, 1);
        f.br(again);
      });
    });
  };
  /** while (true) over p = Wp + 1 .. last - 1, body(next) with `br(next)` continuing. */
  const forInterior = (body: (next: Label) => void) => {
    f.get(Wp).i32(1).add().set(p);
    f.block((end) => {
      f.loop((again) => {
        f.get(p).get(last).geS().brIf(end);
        f.block((next) => body(next));
        bump(p, 1);
        f.br(again);
      });
    });
  };

  f.get(W).i32(2).add().set(Wp);
  f.get(Wp).get(H).i32(2).add().mul().set(np);
  f.i32(1).get(SH).shl().set(S);
  f.get(np).get(Wp).sub().i32(1).sub().set(last);
  f.get(CONSTANT_FLOW).set(flow);

  // Warm start: saturate the two-arc paths source -> p -> q -> sink.
  forInterior((nextP) => {
    loadF64(TR, of(p));
    f.tee(tp).f64(0).f64Gt().eqz().brIf(nextP);
    forDirections((nextD, endD) => {
      f.get(p).get(SH).shl().get(d).add().set(a);
      loadF64(CAP, of(a));
      f.tee(c).f64(0).f64Eq().brIf(nextD);
      offset(of(d));
      f.get(p).add().set(q);
      loadF64(TR, of(q));
      f.f64Neg().tee(need).f64(0).f64Gt().eqz().brIf(nextD);
      f.get(tp).get(need).f64Min().get(c).f64Min().set(push);
      storeF64(CAP, of(a), () => f.get(c).get(push).f64Sub());
      const back = arc(of(q), opposite(d));
      storeF64(CAP, back, () => {
        loadF64(CAP, back);
        f.get(push).f64Add();
      });
      f.get(tp).get(push).f64Sub().set(tp);
      storeF64(TR, of(q), () => {
        loadF64(TR, of(q));
        f.get(push).f64Add();
      });
      f.get(flow).get(push).f64Add().set(flow);
      f.get(tp).f64(0).f64Eq().brIf(endD);
    });
    storeF64(TR, of(p), of(tp));
  });

  // Every node with terminal capacity left is a child of its terminal; those at a boundary start active.
  forInterior((nextP) => {
    loadF64(TR, of(p));
    f.tee(t).f64(0).f64Eq().brIf(nextP);
    storeI32(PAR, of(p), konst(TERMINAL));
    storeU8(SINK, of(p), () => f.get(t).f64(0).f64Lt());
    storeI32(DIST, of(p), konst(1));
    f.i32(0).set(boundary);
    forDirections((_, endD) => {
      f.get(boundary).brIf(endD);
      offset(of(d));
      f.get(p).add().set(q);
      f.get(t).f64(0).f64Gt();
      f.if(
        () => {
          loadF64(TR, of(q));
          f.f64(0).f64Gt().eqz();
          loadF64(CAP, arc(of(p), of(d)));
          f.f64(0).f64Gt().and().set(boundary);
        },
        () => {
          loadF64(TR, of(q));
          f.f64(0).f64Lt().eqz();
          loadF64(CAP, arc(of(q), opposite(d)));
          f.f64(0).f64Gt().and().set(boundary);
        },
      );
    });
    f.get(boundary).if(() => activate(p));
  });

  f.i32(-1).set(current);
  f.block((done) => {
    f.loop((main) => {
      // The next active node still in a tree, unless `current` is still growing.
      f.get(current).set(i);
      f.block((haveI) => {
        f.get(i)
          .i32(0)
          .geS()
          .if(() => {
            loadI32(PAR, of(i));
            f.i32(NONE).ne().brIf(haveI);
          });
        f.i32(-1).set(i);
        f.block((found) => {
          f.loop((pop) => {
            f.get(qSize).i32(0).leS().brIf(found);
            loadI32(Q, of(qHead));
            f.set(k);
            bump(qHead, 1);
            f.get(qHead)
              .get(np)
              .eq()
              .if(() => f.i32(0).set(qHead));
            bump(qSize, -1);
            storeU8(INQ, of(k), konst(0));
            loadI32(PAR, of(k));
            f.i32(NONE)
              .ne()
              .if(() => {
                f.get(k).set(i);
                f.br(found);
              });
            f.br(pop);
          });
        });
        f.get(i).i32(0).ltS().brIf(done);
      });

      // Growth: an arc into the other tree, adopting free neighbours on the way.
      f.i32(-1).set(middle);
      loadI32(STAMP, of(i));
      f.set(tsI);
      loadI32(DIST, of(i));
      f.set(distI);
      f.get(i).get(SH).shl().set(base);
      const grow = (sinkSide: boolean) =>
        forDirections((nextD, endD) => {
          offset(of(d));
          f.get(i).add().set(j);
          if (sinkSide) f.get(j).get(SH).shl().get(d).i32(1).xor().add().set(a);
          else f.get(base).get(d).add().set(a);
          loadF64(CAP, of(a));
          f.f64(0).f64Eq().brIf(nextD);
          loadI32(PAR, of(j));
          f.tee(pj).i32(NONE).eq();
          f.if(
            () => {
              storeU8(SINK, of(j), konst(sinkSide ? 1 : 0));
              storeI32(PAR, of(j), opposite(d));
              storeI32(STAMP, of(j), of(tsI));
              storeI32(DIST, of(j), () => f.get(distI).i32(1).add());
              loadU8(INQ, of(j));
              f.eqz().if(() => activate(j));
            },
            () => {
              loadU8(SINK, of(j));
              if (sinkSide) f.eqz();
              f.if(
                () => {
                  f.get(a).set(middle);
                  f.br(endD);
                },
                () => {
                  loadI32(STAMP, of(j));
                  f.get(tsI).leS();
                  loadI32(DIST, of(j));
                  f.get(distI).gtS().and();
                  f.if(() => {
                    storeI32(PAR, of(j), opposite(d));
                    storeI32(STAMP, of(j), of(tsI));
                    storeI32(DIST, of(j), () => f.get(distI).i32(1).add());
                  });
                },
              );
            },
          );
        });
      loadU8(SINK, of(i));
      f.if(
        () => grow(true),
        () => grow(false),
      );
      bump(time, 1);
      f.get(middle)
        .i32(0)
        .ltS()
        .if(() => {
          f.i32(-1).set(current);
          f.br(main);
        });
      f.get(i).set(current);

      // Augmentation along source -> ... -> s0 -middle-> t0 -> ... -> sink.
      f.get(middle).get(SH).shrS().set(s0);
      f.get(middle).get(S).i32(1).sub().and().set(dm);
      offset(of(dm));
      f.get(s0).add().set(t0);
      loadF64(CAP, of(middle));
      f.set(bn);
      /** Walks from `start` to its tree's root, `step(end)` at each node with its parent direction in d. */
      const walk = (node: number, start: number, step: () => void) => {
        f.get(start).set(node);
        f.block((end) => {
          f.loop((again) => {
            loadI32(PAR, of(node));
            f.tee(d).i32(TERMINAL).eq().brIf(end);
            step();
            f.br(again);
          });
        });
      };
      walk(u, s0, () => {
        offset(of(d));
        f.get(u).add().set(q);
        loadF64(CAP, arc(of(q), opposite(d)));
        f.get(bn).f64Min().set(bn);
        f.get(q).set(u);
      });
      loadF64(TR, of(u));
      f.get(bn).f64Min().set(bn);
      walk(v, t0, () => {
        loadF64(CAP, arc(of(v), of(d)));
        f.get(bn).f64Min().set(bn);
        offset(of(d));
        f.get(v).add().set(v);
      });
      loadF64(TR, of(v));
      f.f64Neg().get(bn).f64Min().set(bn);

      storeF64(CAP, of(middle), () => {
        loadF64(CAP, of(middle));
        f.get(bn).f64Sub();
      });
      const middleBack = arc(of(t0), opposite(dm));
      storeF64(CAP, middleBack, () => {
        loadF64(CAP, middleBack);
        f.get(bn).f64Add();
      });
      /** cap[grow] += bn, cap[shrink] -= bn, and `node` becomes an orphan if that saturates. */
      const pushAlong = (node: number, grows: () => void, shrinks: () => void) => {
        storeF64(CAP, grows, () => {
          loadF64(CAP, grows);
          f.get(bn).f64Add();
        });
        shrinks();
        f.set(a);
        loadF64(CAP, of(a));
        f.get(bn).f64Sub().set(left);
        storeF64(CAP, of(a), of(left));
        f.get(left)
          .f64(0)
          .f64Eq()
          .if(() => orphan(node));
      };
      walk(u, s0, () => {
        offset(of(d));
        f.get(u).add().set(q);
        pushAlong(u, arc(of(u), of(d)), arc(of(q), opposite(d)));
        f.get(q).set(u);
      });
      storeF64(TR, of(u), () => {
        loadF64(TR, of(u));
        f.get(bn).f64Sub();
      });
      loadF64(TR, of(u));
      f.f64(0)
        .f64Eq()
        .if(() => orphan(u));
      walk(v, t0, () => {
        offset(of(d));
        f.get(v).add().set(q);
        pushAlong(v, arc(of(q), opposite(d)), arc(of(v), of(d)));
        f.get(q).set(v);
      });
      storeF64(TR, of(v), () => {
        loadF64(TR, of(v));
        f.get(bn).f64Add();
      });
      loadF64(TR, of(v));
      f.f64(0)
        .f64Eq()
        .if(() => orphan(v));
      f.get(flow).get(bn).f64Add().set(flow);

      // Adoption: each orphan gets the closest valid parent of its own tree, or is freed.
      /** a = the residual arc between o and j = o + off[d] in the orphan's tree direction. */
      const residualArc = () => {
        f.get(ob).get(d).add();
        f.get(j).get(SH).shl().get(d).i32(1).xor().add();
        f.get(sinkTree).select();
        f.set(a);
      };
      f.block((adopted) => {
        f.loop((adopt) => {
          f.get(oSize).i32(0).leS().brIf(adopted);
          loadI32(ORPH, of(oHead));
          f.set(o);
          bump(oHead, 1);
          f.get(oHead)
            .get(np)
            .eq()
            .if(() => f.i32(0).set(oHead));
          bump(oSize, -1);
          loadU8(SINK, of(o));
          f.set(sinkTree);
          f.get(o).get(SH).shl().set(ob);
          f.i32(-1).set(bestDir);
          f.i32(INFINITE_DISTANCE).set(bestDist);
          forDirections((nextD) => {
            offset(of(d));
            f.get(o).add().set(j);
            residualArc();
            loadF64(CAP, of(a));
            f.f64(0).f64Eq().brIf(nextD);
            loadU8(SINK, of(j));
            f.get(sinkTree).ne().brIf(nextD);
            loadI32(PAR, of(j));
            f.i32(NONE).eq().brIf(nextD);
            // Is j rooted at a terminal? Walk up, stopping at nodes already verified this round.
            f.i32(0).set(len);
            f.get(j).set(k);
            f.block((walked) => {
              f.loop((up) => {
                loadI32(STAMP, of(k));
                f.get(time)
                  .eq()
                  .if(() => {
                    loadI32(DIST, of(k));
                    f.get(len).add().set(len);
                    f.br(walked);
                  });
                loadI32(PAR, of(k));
                f.set(pj);
                bump(len, 1);
                f.get(pj)
                  .i32(TERMINAL)
                  .eq()
                  .if(() => {
                    storeI32(STAMP, of(k), of(time));
                    storeI32(DIST, of(k), konst(1));
                    f.br(walked);
                  });
                f.get(pj)
                  .i32(ORPHAN)
                  .eq()
                  .if(() => {
                    f.i32(INFINITE_DISTANCE).set(len);
                    f.br(walked);
                  });
                offset(of(pj));
                f.get(k).add().set(k);
                f.br(up);
              });
            });
            f.get(len)
              .i32(INFINITE_DISTANCE)
              .ltS()
              .if(() => {
                f.get(len)
                  .get(bestDist)
                  .ltS()
                  .if(() => {
                    f.get(d).set(bestDir);
                    f.get(len).set(bestDist);
                  });
                // Mark the verified path so later walks stop early.
                f.get(j).set(k);
                f.block((marked) => {
                  f.loop((mark) => {
                    loadI32(STAMP, of(k));
                    f.get(time).eq().brIf(marked);
                    storeI32(STAMP, of(k), of(time));
                    storeI32(DIST, of(k), of(len));
                    bump(len, -1);
                    loadI32(PAR, of(k));
                    f.set(pj);
                    offset(of(pj));
                    f.get(k).add().set(k);
                    f.br(mark);
                  });
                });
              });
          });
          f.get(bestDir)
            .i32(0)
            .geS()
            .if(() => {
              storeI32(PAR, of(o), of(bestDir));
              storeI32(STAMP, of(o), of(time));
              storeI32(DIST, of(o), () => f.get(bestDist).i32(1).add());
              f.br(adopt);
            });
          // No valid parent: o becomes free; neighbours that could regrow into it become active
          // and its children become orphans.
          forDirections((nextD) => {
            offset(of(d));
            f.get(o).add().set(j);
            loadU8(SINK, of(j));
            f.get(sinkTree).ne().brIf(nextD);
            loadI32(PAR, of(j));
            f.tee(pj).i32(NONE).eq().brIf(nextD);
            residualArc();
            loadF64(CAP, of(a));
            f.f64(0).f64Gt();
            loadU8(INQ, of(j));
            f.eqz()
              .and()
              .if(() => activate(j));
            f.get(pj)
              .i32(0)
              .geS()
              .if(() => {
                offset(of(pj));
                f.get(j)
                  .add()
                  .get(o)
                  .eq()
                  .if(() => orphan(j));
              });
          });
          storeI32(PAR, of(o), konst(NONE));
          f.br(adopt);
        });
      });
      f.br(main);
    });
  });
  f.get(flow);
  return f;
}

/** sourceSide(width, height, parent, sink, out): out[pixel] = 1 where the padded node is in the source tree. */
export function sourceSideFunction(): FunctionBody {
  const f = new FunctionBody('sourceSide', [I32, I32, I32, I32, I32]);
  const [W, H, PAR, SINK, OUT] = [0, 1, 2, 3, 4];
  const [x, y, p, i] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  f.i32(0).set(y);
  f.i32(0).set(i);
  f.block((done) => {
    f.loop((row) => {
      f.get(y).get(H).geS().brIf(done);
      // p = (y + 1) * (W + 2) + 1
      f.get(y).i32(1).add().get(W).i32(2).add().mul().i32(1).add().set(p);
      f.i32(0).set(x);
      f.block((rowDone) => {
        f.loop((pixel) => {
          f.get(x).get(W).geS().brIf(rowDone);
          f.get(OUT).get(i).add();
          f.get(PAR).get(p).i32(2).shl().add().i32Load().i32(NONE).ne();
          f.get(SINK).get(p).add().u8Load().eqz().and();
          f.u8Store();
          f.get(x).i32(1).add().set(x);
          f.get(p).i32(1).add().set(p);
          f.get(i).i32(1).add().set(i);
          f.br(pixel);
        });
      });
      f.get(y).i32(1).add().set(y);
      f.br(row);
    });
  });
  return f;
}
