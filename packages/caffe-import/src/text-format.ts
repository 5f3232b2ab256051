/**
 * Protobuf text format (what `.prototxt` files are written in), parsed without a schema into a
 * tree of fields: `#` comments, nested messages with or without `:` (`{}` or `<>`), repeated keys,
 * `[a, b]` lists, enum identifiers, single- or double-quoted strings with C escapes (adjacent
 * strings concatenate), integers, floats (`1e-5`, `.5`, `1.0f`, `inf`, `nan`) and hex.
 */
import { CaffeImportError } from './errors';

/** A scalar value as written. */
export type TextScalar =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'identifier'; value: string };

/** One `key: value` or `key { ... }` entry, with where it starts (1-based). */
export interface TextField {
  /** Field name. */
  name: string;
  /** Scalar or nested message. */
  value: TextScalar | TextMessage;
  /** 1-based line of the key. */
  line: number;
  /** 1-based column of the key. */
  column: number;
}

/** A message: its fields in file order (repeated keys appear several times). */
export interface TextMessage {
  /** Discriminates messages from scalars. */
  kind: 'message';
  /** Fields in order. */
  fields: TextField[];
}

/** Options of {@link parseTextFormat}. */
export interface ParseTextOptions {
  /** File name for error messages. */
  file?: string;
}

/** Messages deeper than this are rejected (protobuf's own limit is 100). */
const MAX_DEPTH = 100;

type Token =
  | { t: 'ident'; v: string; line: number; col: number }
  | { t: 'string'; v: string; line: number; col: number }
  | { t: 'number'; v: number; text: string; line: number; col: number }
  | { t: 'punct'; v: string; line: number; col: number }
  | { t: 'eof'; line: number; col: number };

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57) || c === 46;
const NUMBER_RE = /-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fF]?/y;

/** Splits text into tokens; always advances, so it cannot hang. */
class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private peeked: Token | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {}

  error(message: string, line = this.line, col = this.pos - this.lineStart + 1): CaffeImportError {
    return new CaffeImportError('bad-text', message, {
      ...(this.file === undefined ? {} : { file: this.file }),
      where: `line ${line}:${col}`,
    });
  }

  peek(): Token {
    return (this.peeked ??= this.scan());
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private scan(): Token {
    const text = this.text;
    // Whitespace and comments.
    for (;;) {
      if (this.pos >= text.length) return { t: 'eof', line: this.line, col: this.pos - this.lineStart + 1 };
      const c = text.charCodeAt(this.pos);
      if (c === 10) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
        this.pos++;
      } else if (c === 35) {
        const eol = text.indexOf('\n', this.pos);
        this.pos = eol < 0 ? text.length : eol;
      } else {
        break;
      }
    }
    const line = this.line;
    const col = this.pos - this.lineStart + 1;
    const c = text[this.pos]!;
    if (isIdentStart(text.charCodeAt(this.pos))) {
      const start = this.pos++;
      while (this.pos < text.length && isIdentPart(text.charCodeAt(this.pos))) this.pos++;
      return { t: 'ident', v: text.slice(start, this.pos), line, col };
    }
    if (c === '"' || c === "'") return { t: 'string', v: this.scanString(c, line, col), line, col };
    if ((c >= '0' && c <= '9') || c === '.' || c === '-') {
      NUMBER_RE.lastIndex = this.pos;
      const m = NUMBER_RE.exec(text);
      if (m) {
        this.pos += m[0].length;
        return { t: 'number', v: parseNumber(m[0]), text: m[0], line, col };
      }
      if (c === '-') {
        this.pos++;
        return { t: 'punct', v: '-', line, col };
      }
    }
    if ('{}<>[]:,;'.includes(c)) {
      this.pos++;
      return { t: 'punct', v: c, line, col };
    }
    throw this.error(`unexpected character ${JSON.stringify(c)}`, line, col);
  }

  private scanString(quote: string, line: number, col: number): string {
    const text = this.text;
    this.pos++;
    const bytes: number[] = [];
    const pushChar = (s: string) => {
      for (const b of utf8Encoder.encode(s)) bytes.push(b);
    };
    for (;;) {
      if (this.pos >= text.length || text[this.pos] === '\n')
        throw this.error('string is not closed before the end of the line', line, col);
      const c = text[this.pos++]!;
      if (c === quote) break;
      if (c !== '\\') {
        pushChar(c);
        continue;
      }
      if (this.pos >= text.length) throw this.error('string ends in a backslash', line, col);
      const e = text[this.pos++]!;
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
      if (e in simple) {
        bytes.push(simple[e]!);
      } else if (e >= '0' && e <= '7') {
        let v = Number(e);
        for (let i = 0; i < 2 && this.pos < text.length && text[this.pos]! >= '0' && text[this.pos]! <= '7'; i++)
          v = v * 8 + Number(text[this.pos++]);
        bytes.push(v & 0xff);
      } else if (e === 'x' || e === 'X') {
        let digits = '';
        while (digits.length < 2 && this.pos < text.length && /[0-9a-fA-F]/.test(text[this.pos]!)) digits += text[this.pos++];
        if (!digits) throw this.error('\\x escape without hex digits', line, col);
        bytes.push(parseInt(digits, 16));
      } else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const digits = text.slice(this.pos, this.pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw this.error(`\\${e} escape needs ${n} hex digits`, line, col);
        this.pos += n;
        const cp = parseInt(digits, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw this.error(`\\${e}${digits} is not a Unicode scalar value`, line, col);
        pushChar(String.fromCodePoint(cp));
      } else {
        throw this.error(`unknown escape \\${e}`, line, col);
      }
    }
    return utf8Decoder.decode(new Uint8Array(bytes));
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

function parseNumber(text: string): number {
  let t = text.replace(/[fF]$/, '');
  // A trailing f belongs to floats only; hex digits may end in f.
  if (/^-?0[xX]/.test(text)) t = text;
  const negative = t.startsWith('-');
  const body = negative ? t.slice(1) : t;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : Number(body);
  return negative ? -v : v;
}

/** Parser over the token stream. */
class Parser {
  constructor(private readonly lex: Lexer) {}

  fail(token: Token, expected: string): CaffeImportError {
    const got =
      token.t === 'eof'
        ? 'end of file'
        : token.t === 'string'
          ? `string ${JSON.stringify(token.v)}`
          : `'${token.t === 'number' ? token.text : token.v}'`;
    return this.lex.error(`expected ${expected}, found ${got}`, token.line, token.col);
  }

  /** Fields until `close` (or end of file for the top level). */
  message(close: string | undefined, depth: number, open?: Token): TextMessage {
    if (depth > MAX_DEPTH) throw this.fail(this.lex.peek(), `at most ${MAX_DEPTH} nested messages`);
    const fields: TextField[] = [];
    for (;;) {
      const t = this.lex.next();
      if (t.t === 'eof') {
        if (close === undefined) return { kind: 'message', fields };
        throw this.lex.error(`message opened at line ${open!.line}:${open!.col} is not closed before the end of the file`, t.line, t.col);
      }
      if (t.t === 'punct' && t.v === close) return { kind: 'message', fields };
      if (t.t !== 'ident') throw this.fail(t, close ? `a field name or '${close}'` : 'a field name');
      this.field(t, fields, depth);
      const sep = this.lex.peek();
      if (sep.t === 'punct' && (sep.v === ',' || sep.v === ';')) this.lex.next();
    }
  }

  field(name: Token & { t: 'ident' }, into: TextField[], depth: number): void {
    const push = (value: TextScalar | TextMessage) => into.push({ name: name.v, value, line: name.line, column: name.col });
    let t = this.lex.peek();
    let colon = false;
    if (t.t === 'punct' && t.v === ':') {
      this.lex.next();
      colon = true;
      t = this.lex.peek();
    }
    if (t.t === 'punct' && (t.v === '{' || t.v === '<')) {
      this.lex.next();
      push(this.message(t.v === '{' ? '}' : '>', depth + 1, t));
      return;
    }
    if (!colon) throw this.fail(t, `':' or '{' after '${name.v}'`);
    if (t.t === 'punct' && t.v === '[') {
      this.lex.next();
      const close = this.lex.peek();
      if (close.t === 'punct' && close.v === ']') {
        this.lex.next();
        return;
      }
      for (;;) {
        const item = this.lex.peek();
        if (item.t === 'punct' && (item.v === '{' || item.v === '<')) {
          this.lex.next();
          push(this.message(item.v === '{' ? '}' : '>', depth + 1, item));
        } else {
          push(this.scalar());
        }
        const sep = this.lex.next();
        if (sep.t === 'punct' && sep.v === ']') return;
        if (!(sep.t === 'punct' && sep.v === ',')) throw this.fail(sep, "',' or ']' in a list");
      }
    }
    push(this.scalar());
  }

  scalar(): TextScalar {
    const t = this.lex.next();
    if (t.t === 'string') {
      let v = t.v;
      // Adjacent string literals concatenate.
      for (let n = this.lex.peek(); n.t === 'string'; n = this.lex.peek()) v += (this.lex.next() as { v: string }).v;
      return { kind: 'string', value: v };
    }
    if (t.t === 'number') return { kind: 'number', value: t.v, text: t.text };
    if (t.t === 'ident') {
      const lower = t.v.toLowerCase();
      if (lower === 'inf' || lower === 'infinity') return { kind: 'number', value: Infinity, text: t.v };
      if (lower === 'nan') return { kind: 'number', value: NaN, text: t.v };
      return { kind: 'identifier', value: t.v };
    }
    if (t.t === 'punct' && t.v === '-') {
      const n = this.lex.next();
      if (n.t === 'ident' && /^(inf|infinity|nan)$/i.test(n.v)) {
        return { kind: 'number', value: /nan/i.test(n.v) ? NaN : -Infinity, text: `-${n.v}` };
      }
      throw this.fail(n, "a number after '-'");
    }
    throw this.fail(t, 'a value (string, number or identifier)');
  }
}

/**
 * Parses protobuf text format into a schema-free tree.
 *
 * @throws CaffeImportError `bad-text` naming `line:column` and what was expected.
 */
export function parseTextFormat(text: string, options: ParseTextOptions = {}): TextMessage {
  return new Parser(new Lexer(text, options.file)).message(undefined, 0);
}

/** The last value of scalar field `name` (protobuf: the last occurrence wins), if any. */
export function scalarField(message: TextMessage, name: string): (TextScalar & { field: TextField }) | undefined {
  for (let i = message.fields.length - 1; i >= 0; i--) {
    const f = message.fields[i]!;
    if (f.name === name && f.value.kind !== 'message') return { ...f.value, field: f };
  }
  return undefined;
}

/** Every value of field `name`, in order. */
export function repeatedField(message: TextMessage, name: string): TextField[] {
  return message.fields.filter((f) => f.name === name);
}

/** The nested message `name` (several occurrences merge, as protobuf does), if any. */
export function messageField(message: TextMessage, name: string): TextMessage | undefined {
  const parts = message.fields.filter((f) => f.name === name && f.value.kind === 'message');
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0]!.value as TextMessage;
  return { kind: 'message', fields: parts.flatMap((p) => (p.value as TextMessage).fields) };
}
