/*
 * A minimal WebAssembly binary writer: just enough to express the lattice kernels (i32/f32
 * scalar ops, 128-bit SIMD, structured loops) as readable TypeScript instead of shipping an
 * opaque binary. Opcodes follow the WebAssembly core spec 2.0 (SIMD included).
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** The code of one function: parameters are locals 0..params-1, more come from {@link local}. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly extraLocals: number[] = [];

  constructor(
    readonly name: string,
    readonly params: number[],
    readonly results: number[] = [],
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: number): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  /** The function's bytes: local declarations, code, `end`. */
  encode(): number[] {
    const out: number[] = [];
    uleb(this.extraLocals.length, out);
    for (const t of this.extraLocals) out.push(1, t);
    out.push(...this.code, 0x0b);
    return out;
  }

  private simd(op: number): this {
    this.code.push(0xfd);
    uleb(op, this.code);
    return this;
  }

  get(i: number): this {
    this.code.push(0x20);
    uleb(i, this.code);
    return this;
  }
  set(i: number): this {
    this.code.push(0x21);
    uleb(i, this.code);
    return this;
  }
  tee(i: number): this {
    this.code.push(0x22);
    uleb(i, this.code);
    return this;
  }
  i32Const(v: number): this {
    this.code.push(0x41);
    sleb(v, this.code);
    return this;
  }
  f32Const(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.code.push(0x43, b[0]!, b[1]!, b[2]!, b[3]!);
    return this;
  }
  i32Load(offset = 0): this {
    this.code.push(0x28, 2);
    uleb(offset, this.code);
    return this;
  }
  f32Load(offset = 0): this {
    this.code.push(0x2a, 2);
    uleb(offset, this.code);
    return this;
  }
  f32Store(offset = 0): this {
    this.code.push(0x38, 2);
    uleb(offset, this.code);
    return this;
  }
  v128Load(offset = 0): this {
    this.simd(0x00);
    this.code.push(4);
    uleb(offset, this.code);
    return this;
  }
  v128Store(offset = 0): this {
    this.simd(0x0b);
    this.code.push(4);
    uleb(offset, this.code);
    return this;
  }
  i32Add(): this {
    this.code.push(0x6a);
    return this;
  }
  i32Mul(): this {
    this.code.push(0x6c);
    return this;
  }
  i32LtS(): this {
    this.code.push(0x48);
    return this;
  }
  i32GeS(): this {
    this.code.push(0x4e);
    return this;
  }
  i32Eqz(): this {
    this.code.push(0x45);
    return this;
  }
  f32Add(): this {
    this.code.push(0x92);
    return this;
  }
  f32Mul(): this {
    this.code.push(0x94);
    return this;
  }
  f32Div(): this {
    this.code.push(0x95);
    return this;
  }
  f32Max(): this {
    this.code.push(0x97);
    return this;
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4ExtractLane(lane: number): this {
    this.simd(0x1f);
    this.code.push(lane);
    return this;
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  f32x4Nearest(): this {
    return this.simd(0x6a);
  }
  i32x4TruncSatF32x4S(): this {
    return this.simd(0xf8);
  }
  i32x4Splat(): this {
    return this.simd(0x11);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  i32x4Shl(): this {
    return this.simd(0xab);
  }

  i32Store(offset = 0): this {
    this.code.push(0x36, 2);
    uleb(offset, this.code);
    return this;
  }
  i32Sub(): this {
    this.code.push(0x6b);
    return this;
  }
  i32And(): this {
    this.code.push(0x71);
    return this;
  }
  i32Xor(): this {
    this.code.push(0x73);
    return this;
  }
  i32ShrU(): this {
    this.code.push(0x76);
    return this;
  }
  i32Eq(): this {
    this.code.push(0x46);
    return this;
  }
  i32Ne(): this {
    this.code.push(0x47);
    return this;
  }
  i32GtS(): this {
    this.code.push(0x4a);
    return this;
  }
  f32Sub(): this {
    this.code.push(0x93);
    return this;
  }
  f32Lt(): this {
    this.code.push(0x5d);
    return this;
  }
  f32Nearest(): this {
    this.code.push(0x90);
    return this;
  }
  i32TruncF32S(): this {
    this.code.push(0xa8);
    return this;
  }
  f32ConvertI32S(): this {
    this.code.push(0xb2);
    return this;
  }
  /** `select`: a if cond else b, with [a, b, cond] on the stack. */
  select(): this {
    this.code.push(0x1b);
    return this;
  }
  /** A block without result; `br(depth)` inside jumps to its end. */
  block(body: () => void): this {
    this.code.push(0x02, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }
  /** A loop without result; `br(depth)` inside jumps back to its start. */
  loop(body: () => void): this {
    this.code.push(0x03, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }
  br(depth: number): this {
    this.code.push(0x0c);
    uleb(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(depth, this.code);
    return this;
  }
  return(): this {
    this.code.push(0x0f);
    return this;
  }

  /** `local[i] += step` (i32). */
  bump(i: number, step: number): this {
    return this.get(i).i32Const(step).i32Add().set(i);
  }
  /** `local[i] += local[by]` (i32). */
  bumpBy(i: number, by: number): this {
    return this.get(i).get(by).i32Add().set(i);
  }

  /** `if (cond on stack) { then } else { otherwise }` without a result. */
  ifElse(then: () => void, otherwise?: () => void): this {
    this.code.push(0x04, 0x40);
    then();
    if (otherwise) {
      this.code.push(0x05);
      otherwise();
    }
    this.code.push(0x0b);
    return this;
  }

  /**
   * `for (counter = 0; counter < limit; counter++) body()` with i32 locals; the body must not
   * branch out of the loop itself.
   */
  forRange(counter: number, limit: number, body: () => void): this {
    this.i32Const(0).set(counter);
    this.code.push(0x02, 0x40); // block
    this.get(counter).get(limit).i32GeS();
    this.code.push(0x0d, 0); // br_if 0: nothing to do
    this.code.push(0x03, 0x40); // loop
    body();
    this.get(counter).i32Const(1).i32Add().tee(counter).get(limit).i32LtS();
    this.code.push(0x0d, 0, 0x0b, 0x0b); // br_if 0 (loop); end loop; end block
    return this;
  }
}

function section(id: number, payload: number[], out: number[]): void {
  out.push(id);
  uleb(payload.length, out);
  out.push(...payload);
}

function name(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** Memory import: `env.memory`, `shared` needs a maximum (pages of 64 KiB). */
export interface MemoryImport {
  initialPages: number;
  maximumPages?: number;
  shared?: boolean;
}

/** Assembles a module that imports `env.memory` and exports `functions` by name. */
export function assembleModule(functions: FunctionBody[], memory: MemoryImport): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

  const types: number[] = [];
  uleb(functions.length, types);
  for (const f of functions) {
    types.push(0x60);
    uleb(f.params.length, types);
    types.push(...f.params);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);

  const imports: number[] = [1];
  name('env', imports);
  name('memory', imports);
  imports.push(0x02);
  const flags = (memory.maximumPages === undefined ? 0 : 1) | (memory.shared ? 2 : 0);
  imports.push(flags);
  uleb(memory.initialPages, imports);
  if (memory.maximumPages !== undefined) uleb(memory.maximumPages, imports);
  section(2, imports, out);

  const funcs: number[] = [];
  uleb(functions.length, funcs);
  functions.forEach((_, i) => {
    uleb(i, funcs);
  });
  section(3, funcs, out);

  const exports: number[] = [];
  uleb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports, out);

  const code: number[] = [];
  uleb(functions.length, code);
  for (const f of functions) {
    const body = f.encode();
    uleb(body.length, code);
    code.push(...body);
  }
  section(10, code, out);
  return Uint8Array.from(out);
}
