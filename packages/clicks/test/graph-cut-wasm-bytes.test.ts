/**
 * The graph-cut WebAssembly module ships as bytes (src/wasm/graph-cut-bytes.ts) so that a
 * one-shot command does not run the assembler before its one cut; those bytes must be exactly
 * what the readable kernel source assembles to. `OBJSEL_UPDATE_WASM=1` rewrites the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRAPH_CUT_MODULE_BASE64 } from '../src/wasm/graph-cut-bytes';
import { assembleGraphCutModule } from '../src/wasm/module';

const FILE = path.resolve(__dirname, '../src/wasm/graph-cut-bytes.ts');

describe('shipped graph-cut module bytes', () => {
  it('equal what the kernel source assembles to (OBJSEL_UPDATE_WASM=1 regenerates them)', () => {
    const assembled = Buffer.from(assembleGraphCutModule()).toString('base64');
    if (process.env.OBJSEL_UPDATE_WASM === '1' && assembled !== GRAPH_CUT_MODULE_BASE64) {
      const source = readFileSync(FILE, 'utf8').replace(
        /GRAPH_CUT_MODULE_BASE64 =\n? *'[^']*'/,
        `GRAPH_CUT_MODULE_BASE64 =\n  '${assembled}'`,
      );
      writeFileSync(FILE, source);
      return;
    }
    expect(GRAPH_CUT_MODULE_BASE64).toBe(assembled);
    expect(WebAssembly.validate(Buffer.from(GRAPH_CUT_MODULE_BASE64, 'base64'))).toBe(true);
  });
});
