import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VOC_PALETTE, encodePng, encodeSaliencyPng, readPng, writeNpy } from '@objsel/voc-data';
import { main } from '../src/index';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    streams: { stdout: { write: (s: string) => out.push(s), isTTY: false }, stderr: { write: (s: string) => err.push(s), isTTY: false } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-dcsp-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * An 8x4 image: class 3 (bird) attention peaks on the left half, class 15 (person) on the right,
 * class 7 (car, not tagged) is strong everywhere; saliency is high except in the bottom row.
 * Expected cues: 3 on the left, 15 on the right, background in the bottom row.
 */
function writeInputs(): { image: string; attention: string; saliency: string; expected: number[] } {
  const W = 8;
  const H = 4;
  const attention = new Float32Array(H * W * 20);
  const saliency = new Float32Array(H * W);
  const expected: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      attention[i * 20 + 2] = x < 4 ? 5 : 0; // class 3
      attention[i * 20 + 14] = x < 4 ? 0 : 9; // class 15
      attention[i * 20 + 6] = 50; // class 7, absent
      saliency[i] = y === H - 1 ? 0.1 : 0.9;
      expected.push(y === H - 1 ? 0 : x < 4 ? 3 : 15);
    }
  const files = { image: path.join(dir, 'i.png'), attention: path.join(dir, 'a.npy'), saliency: path.join(dir, 's.png') };
  fs.writeFileSync(files.image, encodePng({ width: W, height: H, channels: 3, data: new Uint8Array(W * H * 3).fill(120) }));
  fs.writeFileSync(files.attention, writeNpy({ shape: [H, W, 20], data: attention }));
  fs.writeFileSync(files.saliency, encodeSaliencyPng({ width: W, height: H, data: saliency }));
  return { ...files, expected };
}

describe('objsel dcsp cues', () => {
  const inputs = writeInputs();

  it('writes the fused cues as a VOC-palette index PNG', async () => {
    const out = path.join(dir, 'sub', 'cues.png');
    const io = capture();
    const code = await main(['node', 'objsel', 'dcsp', 'cues', '--image', inputs.image, '--attention', inputs.attention, '--saliency', inputs.saliency, '--tags', '3,15', '--out', out], io.streams);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const png = readPng(new Uint8Array(fs.readFileSync(out)));
    expect(png.palette).toBeDefined();
    expect([...png.samples]).toEqual(inputs.expected);
    for (const c of [0, 3, 15]) expect([...png.palette!.subarray(c * 3, c * 3 + 3)]).toEqual([...VOC_PALETTE.subarray(c * 3, c * 3 + 3)]);
    expect(io.out()).toContain('bird');
  });

  it('accepts class names, a saliency .npy, a threshold, and reports JSON', async () => {
    const sal = path.join(dir, 's.npy');
    // Saliency 0.3 everywhere: HM(1, 0.3) = 0.46 > 0.4 but < 0.5.
    fs.writeFileSync(sal, writeNpy({ shape: [4, 8], data: new Float32Array(32).fill(0.3) }));
    const out = path.join(dir, 'cues2.png');
    for (const [threshold, want] of [
      ['0.4', 15],
      ['0.5', 0],
    ] as const) {
      const io = capture();
      const code = await main(['node', 'objsel', '--json', 'dcsp', 'cues', '--image', inputs.image, '--attention', inputs.attention, '--saliency', sal, '--tags', 'bird,person', '--out', out, '--threshold', threshold], io.streams);
      expect(code).toBe(0);
      const result = JSON.parse(io.out().trim().split('\n').pop()!);
      expect(result.type).toBe('result');
      expect(result.tags).toEqual([3, 15]);
      expect(readPng(new Uint8Array(fs.readFileSync(out))).samples[7]).toBe(want);
    }
  });

  it('rejects unknown tags and mismatched sizes on one line with exit 2', async () => {
    const io = capture();
    expect(await main(['node', 'objsel', 'dcsp', 'cues', '--image', inputs.image, '--attention', inputs.attention, '--saliency', inputs.saliency, '--tags', '3,dragon', '--out', path.join(dir, 'x.png')], io.streams)).toBe(2);
    expect(io.err()).toContain("'dragon' is not a VOC object class");
    const small = path.join(dir, 'small.png');
    fs.writeFileSync(small, encodePng({ width: 4, height: 4, channels: 1, data: new Uint8Array(16) }));
    const io2 = capture();
    expect(await main(['node', 'objsel', 'dcsp', 'cues', '--image', inputs.image, '--attention', inputs.attention, '--saliency', small, '--tags', '3', '--out', path.join(dir, 'x.png')], io2.streams)).toBe(2);
    expect(io2.err()).toMatch(/saliency is 4x4; expected the image size 4x8/);
    expect(io2.err().trim().split('\n')).toHaveLength(1);
  });
});
