/*
 * A minimal WebAssembly binary writer for the grid max-flow kernel: i32/f64 scalar ops and
 * structured control flow with named labels (a branch names the block it leaves or the loop it
 * repeats; the relative depth is computed here, the usual source of hand-assembly mistakes).
 * Opcodes follow the WebAssembly core spec 1.0. The kernel is written as readable TypeScript
 * instead of being shipped as an opaque binary, and needs no toolchain to build.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;

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

/** A branch target: the end of a block or the start of a loop. */
export type Label = { readonly kind: 'label' };

/** The code of one function: parameters are locals 0..params-1, more come from {@link local}. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly extraLocals: number[] = [];
  private readonly labels: Array<Label | null> = [];

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
    if (this.labels.length !== 0) throw new Error(`${this.name}: unclosed block`);
    const out: number[] = [];
    uleb(this.extraLocals.length, out);
    for (const t of this.extraLocals) out.push(1, t);
    out.push(...this.code, 0x0b);
    return out;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  private memory(opcode: number, align: number): this {
    return this.op(opcode, align, 0);
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
  i32(v: number): this {
    this.code.push(0x41);
    sleb(v, this.code);
    return this;
  }
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.op(0x44, ...b);
  }

  i32Load(): this {
    return this.memory(0x28, 2);
  }
  i32Store(): this {
    return this.memory(0x36, 2);
  }
  f64Load(): this {
    return this.memory(0x2b, 3);
  }
  f32Load(): this {
    return this.memory(0x2a, 2);
  }
  /** f64.promote_f32: the f32 on the stack as an f64 (exact). */
  f64PromoteF32(): this {
    return this.op(0xbb);
  }
  f64Store(): this {
    return this.memory(0x39, 3);
  }
  u8Load(): this {
    return this.memory(0x2d, 0);
  }
  u8Store(): this {
    return this.memory(0x3a, 0);
  }

  eqz(): this {
    return this.op(0x45);
  }
  eq(): this {
    return this.op(0x46);
  }
  ne(): this {
    return this.op(0x47);
  }
  ltS(): this {
    return this.op(0x48);
  }
  gtS(): this {
    return this.op(0x4a);
  }
  leS(): this {
    return this.op(0x4c);
  }
  geS(): this {
    return this.op(0x4e);
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  and(): this {
    return this.op(0x71);
  }
  xor(): this {
    return this.op(0x73);
  }
  shl(): this {
    return this.op(0x74);
  }
  shrS(): this {
    return this.op(0x75);
  }

  f64Eq(): this {
    return this.op(0x61);
  }
  f64Lt(): this {
    return this.op(0x63);
  }
  f64Gt(): this {
    return this.op(0x64);
  }
  f64Neg(): this {
    return this.op(0x9a);
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Sub(): this {
    return this.op(0xa1);
  }
  f64Min(): this {
    return this.op(0xa4);
  }
  f64Max(): this {
    return this.op(0xa5);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  f64Div(): this {
    return this.op(0xa3);
  }
  f64Ne(): this {
    return this.op(0x62);
  }
  f64ConvertI32S(): this {
    return this.op(0xb7);
  }

  /** `select`: a if condition else b, with [a, b, condition] on the stack. */
  select(): this {
    return this.op(0x1b);
  }

  /** A block without result; `br(end)` inside jumps past it. */
  block(body: (end: Label) => void): this {
    return this.structured(0x02, body);
  }
  /** A loop without result; `br(start)` inside jumps back to its start. */
  loop(body: (start: Label) => void): this {
    return this.structured(0x03, body);
  }
  /** `if (condition on the stack) then() else otherwise()`, without result. */
  if(then: () => void, otherwise?: () => void): this {
    this.code.push(0x04, 0x40);
    this.labels.push(null); // an `if` is a branch target too; it is never named here
    then();
    if (otherwise) {
      this.code.push(0x05);
      otherwise();
    }
    this.labels.pop();
    this.code.push(0x0b);
    return this;
  }
  br(label: Label): this {
    this.code.push(0x0c);
    uleb(this.depth(label), this.code);
    return this;
  }
  brIf(label: Label): this {
    this.code.push(0x0d);
    uleb(this.depth(label), this.code);
    return this;
  }
  return(): this {
    return this.op(0x0f);
  }
  /** Calls function `index` (imported functions first, then the module's own). */
  call(index: number): this {
    this.code.push(0x10);
    uleb(index, this.code);
    return this;
  }

  private structured(opcode: number, body: (label: Label) => void): this {
    const label: Label = { kind: 'label' };
    this.code.push(opcode, 0x40);
    this.labels.push(label);
    body(label);
    this.labels.pop();
    this.code.push(0x0b);
    return this;
  }
  private depth(label: Label): number {
    const at = this.labels.lastIndexOf(label);
    if (at < 0) throw new Error(`${this.name}: branch to a label outside its block`);
    return this.labels.length - 1 - at;
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

/** A function the module imports from `env` (called by its index: imports come first). */
export interface ImportedFunction {
  name: string;
  params: number[];
  results: number[];
}

function signature(params: number[], results: number[], out: number[]): void {
  out.push(0x60);
  uleb(params.length, out);
  out.push(...params);
  uleb(results.length, out);
  out.push(...results);
}

/**
 * Assembles a module that imports `env.memory` (growable) and `imported` functions from `env`,
 * and exports `functions` by name.
 */
export function assembleModule(functions: FunctionBody[], imported: ImportedFunction[] = []): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(imported.length + functions.length, types);
  for (const f of imported) signature(f.params, f.results, types);
  for (const f of functions) signature(f.params, f.results, types);
  section(1, types, out);
  const imports: number[] = [];
  uleb(1 + imported.length, imports);
  imported.forEach((f, i) => {
    name('env', imports);
    name(f.name, imports);
    imports.push(0x00);
    uleb(i, imports);
  });
  name('env', imports);
  name('memory', imports);
  imports.push(0x02, 0x00, 1); // memory, no maximum, at least 1 page
  section(2, imports, out);
  const funcs: number[] = [];
  uleb(functions.length, funcs);
  for (let i = 0; i < functions.length; i++) uleb(imported.length + i, funcs);
  section(3, funcs, out);
  const exports: number[] = [];
  uleb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0x00);
    uleb(imported.length + i, exports);
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
