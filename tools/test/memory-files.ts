/**
 * An in-memory `WritableFiles` for tests: POSIX-like rules (rename of a directory over a
 * non-empty one fails, writes need the parent directory, missing paths reject with ENOENT) and a
 * log of every mutating call, so tests can check what a writer did or fail it at any call.
 */
import { normalizePath, type WritableFiles } from '@objsel/caffe-import';

function fsError(code: string, op: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${op} '${path}'`), { code, path });
}

function key(path: string): string {
  const n = normalizePath(path);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

function parentKey(k: string): string {
  if (k === '/' || k === '.') return k;
  const slash = k.lastIndexOf('/');
  if (slash < 0) return '.';
  return slash === 0 ? '/' : k.slice(0, slash);
}

/** What {@link memoryFiles} returns: the file system, its contents and the calls made. */
export interface MemoryFiles {
  files: WritableFiles;
  /** File contents by normalised path. */
  contents: Map<string, Uint8Array>;
  /** Directories by normalised path (`.` and `/` always exist). */
  dirs: Set<string>;
  /** Mutating calls, in order: `writeFile a/b`, `rename a b`, ... */
  log: string[];
  /** Throws `error` instead of the n-th mutating call (1-based) when set. */
  failAt?: { call: number; error: Error };
}

/** A fresh in-memory file system, optionally with files (path → text or bytes). */
export function memoryFiles(initial: Record<string, string | Uint8Array> = {}): MemoryFiles {
  const contents = new Map<string, Uint8Array>();
  const dirs = new Set<string>(['.', '/']);
  const log: string[] = [];
  const state: MemoryFiles = { files: undefined as unknown as WritableFiles, contents, dirs, log };
  const bytes = (data: Uint8Array | string) => (typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data));
  const mutate = (what: string) => {
    log.push(what);
    if (state.failAt && log.length === state.failAt.call) throw state.failAt.error;
  };
  const below = (k: string) => (k === '.' ? (p: string) => !p.startsWith('/') && p !== '.' : (p: string) => p.startsWith(`${k}/`));
  const needParent = (op: string, k: string) => {
    if (!dirs.has(parentKey(k))) throw fsError(contents.has(parentKey(k)) ? 'ENOTDIR' : 'ENOENT', op, k);
  };
  const files: WritableFiles = {
    async readFile(path) {
      const k = key(path);
      const data = contents.get(k);
      if (data) return Uint8Array.from(data);
      throw fsError(dirs.has(k) ? 'EISDIR' : 'ENOENT', 'open', path);
    },
    async readdir(path) {
      const k = key(path);
      if (!dirs.has(k)) throw fsError(contents.has(k) ? 'ENOTDIR' : 'ENOENT', 'scandir', path);
      const names = new Set<string>();
      for (const p of [...contents.keys(), ...dirs]) if (p !== k && parentKey(p) === k) names.add(p.slice(p.lastIndexOf('/') + 1));
      return [...names].sort();
    },
    async exists(path) {
      const k = key(path);
      return contents.has(k) || dirs.has(k);
    },
    async writeFile(path, data) {
      const k = key(path);
      mutate(`writeFile ${k}`);
      needParent('open', k);
      if (dirs.has(k)) throw fsError('EISDIR', 'open', path);
      contents.set(k, bytes(data));
    },
    async appendFile(path, data) {
      const k = key(path);
      mutate(`appendFile ${k}`);
      needParent('open', k);
      if (dirs.has(k)) throw fsError('EISDIR', 'open', path);
      const old = contents.get(k) ?? new Uint8Array(0);
      const add = bytes(data);
      const joined = new Uint8Array(old.length + add.length);
      joined.set(old);
      joined.set(add, old.length);
      contents.set(k, joined);
    },
    async mkdir(path, options) {
      const k = key(path);
      mutate(`mkdir ${k}`);
      if (contents.has(k)) throw fsError('EEXIST', 'mkdir', path);
      if (dirs.has(k)) {
        if (options?.recursive) return;
        throw fsError('EEXIST', 'mkdir', path);
      }
      if (options?.recursive) {
        const chain: string[] = [];
        for (let p = k; !dirs.has(p); p = parentKey(p)) {
          if (contents.has(p)) throw fsError('ENOTDIR', 'mkdir', path);
          chain.push(p);
        }
        for (const p of chain) dirs.add(p);
        return;
      }
      needParent('mkdir', k);
      dirs.add(k);
    },
    async rename(from, to) {
      const a = key(from);
      const b = key(to);
      mutate(`rename ${a} ${b}`);
      needParent('rename', b);
      if (contents.has(a)) {
        if (dirs.has(b)) throw fsError('EISDIR', 'rename', to);
        contents.set(b, contents.get(a)!);
        contents.delete(a);
        return;
      }
      if (!dirs.has(a)) throw fsError('ENOENT', 'rename', from);
      if (contents.has(b)) throw fsError('ENOTDIR', 'rename', to);
      if (b === a || b.startsWith(`${a}/`)) throw fsError('EINVAL', 'rename', to);
      if (dirs.has(b)) {
        const inB = below(b);
        if ([...contents.keys(), ...dirs].some(inB)) throw fsError('ENOTEMPTY', 'rename', to);
        dirs.delete(b);
      }
      const inA = below(a);
      const move = (p: string) => `${b}${p.slice(a.length)}`;
      for (const p of [...contents.keys()].filter(inA)) {
        contents.set(move(p), contents.get(p)!);
        contents.delete(p);
      }
      for (const p of [...dirs].filter(inA)) {
        dirs.delete(p);
        dirs.add(move(p));
      }
      dirs.delete(a);
      dirs.add(b);
    },
    async rm(path) {
      const k = key(path);
      mutate(`rm ${k}`);
      if (contents.delete(k)) return;
      if (!dirs.has(k) || k === '.' || k === '/') return;
      const inK = below(k);
      for (const p of [...contents.keys()].filter(inK)) contents.delete(p);
      for (const p of [...dirs].filter(inK)) dirs.delete(p);
      dirs.delete(k);
    },
  };
  state.files = files;
  for (const [path, data] of Object.entries(initial)) {
    const k = key(path);
    for (let p = parentKey(k); !dirs.has(p); p = parentKey(p)) dirs.add(p);
    contents.set(k, bytes(data));
  }
  return state;
}
