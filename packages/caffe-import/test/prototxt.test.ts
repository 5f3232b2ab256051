import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildLayerGraph,
  CaffeImportError,
  convOutputSize,
  parsePrototxt,
  parseTextFormat,
  poolOutputSize,
  type TextMessage,
  type TextScalar,
} from '@objsel/caffe-import';
import { deployText } from './helpers';

function thrown(f: () => unknown): CaffeImportError {
  try {
    f();
  } catch (error) {
    if (!(error instanceof CaffeImportError)) throw error;
    return error;
  }
  throw new Error('did not throw');
}

/** Fields as plain [name, value] pairs for comparison. */
type Plain = Array<[string, Plain | string | number | { id: string }]>;
function plain(m: TextMessage): Plain {
  return m.fields.map((f) => [
    f.name,
    f.value.kind === 'message'
      ? plain(f.value)
      : f.value.kind === 'identifier'
        ? { id: f.value.value }
        : (f.value as TextScalar & { value: string | number }).value,
  ]);
}

describe('parseTextFormat', () => {
  it('reads comments, nesting with and without colons, <> braces, lists, separators and repeated keys', () => {
    const m = parseTextFormat(`# header comment
name: "net" # trailing comment
layer { a: 1 }
layer: < b: 2; c: 3, >
dims: [1, 2, 3]
empty: []
nested { deeper { deepest: true } }
`);
    expect(plain(m)).toEqual([
      ['name', 'net'],
      ['layer', [['a', 1]]],
      [
        'layer',
        [
          ['b', 2],
          ['c', 3],
        ],
      ],
      ['dims', 1],
      ['dims', 2],
      ['dims', 3],
      ['nested', [['deeper', [['deepest', { id: 'true' }]]]]],
    ]);
  });

  it('reads numbers in every protobuf text spelling', () => {
    const m = parseTextFormat('a: 1e-5 a: .5 a: 5. a: 1.0f a: -3 a: 0x1F a: inf a: -inf a: 2E3 a: -0.25e+2 a: nan');
    const values = m.fields.map((f) => (f.value as { value: number }).value);
    expect(values.slice(0, 10)).toEqual([1e-5, 0.5, 5, 1, -3, 31, Infinity, -Infinity, 2000, -25]);
    expect(values[10]).toBeNaN();
  });

  it('reads strings with C escapes, both quote kinds and adjacent literals', () => {
    const m = parseTextFormat(String.raw`s: "a\"b\\c\n\t" s: 'it\'s' s: "\101\x42\u00e9" s: "con" 'cat' s: "\303\251"`);
    expect(m.fields.map((f) => (f.value as { value: string }).value)).toEqual(['a"b\\c\n\t', "it's", 'ABé', 'concat', 'é']);
  });

  it('names line and column for syntax errors', () => {
    expect(thrown(() => parseTextFormat('a {\n  b: 1\n', { file: 'n.prototxt' })).message).toBe(
      'n.prototxt: line 3:1: message opened at line 1:3 is not closed before the end of the file',
    );
    expect(thrown(() => parseTextFormat('a: 1\nb 2')).message).toBe("line 2:3: expected ':' or '{' after 'b', found '2'");
    expect(thrown(() => parseTextFormat('a: "open\n"')).message).toBe('line 1:4: string is not closed before the end of the line');
    expect(thrown(() => parseTextFormat('a: 1 }')).message).toBe("line 1:6: expected a field name, found '}'");
    expect(thrown(() => parseTextFormat('a: @')).message).toBe('line 1:4: unexpected character "@"');
    expect(thrown(() => parseTextFormat('a:')).message).toBe(
      'line 1:3: expected a value (string, number or identifier), found end of file',
    );
    expect(thrown(() => parseTextFormat('s: "\\q"')).code).toBe('bad-text');
    expect(thrown(() => parseTextFormat('a {'.repeat(200))).message).toMatch(/at most 100 nested messages/);
  });

  it('round-trips random messages written by an independent printer', () => {
    const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    const scalar = fc.oneof(
      fc.string().map((s) => ({ kind: 'string' as const, value: s })),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ kind: 'number' as const, value: v })),
      ident.filter((s) => !/^(inf|infinity|nan)$/i.test(s)).map((s) => ({ kind: 'identifier' as const, value: s })),
    );
    type Msg = Array<[string, Msg | { kind: string; value: string | number }]>;
    const { msg } = fc.letrec<{ msg: Msg }>((tie) => ({
      msg: fc.array(fc.tuple(ident, fc.oneof({ depthSize: 'small' }, scalar, tie('msg'))), { maxLength: 5 }) as fc.Arbitrary<Msg>,
    }));
    const cEscape = (s: string) =>
      Array.from(new TextEncoder().encode(s), (b) =>
        b === 0x22 || b === 0x5c
          ? `\\${String.fromCharCode(b)}`
          : b >= 0x20 && b < 0x7f
            ? String.fromCharCode(b)
            : `\\${b.toString(8).padStart(3, '0')}`,
      ).join('');
    const print = (m: Msg, indent: string): string =>
      m
        .map(([k, v]) =>
          Array.isArray(v)
            ? `${indent}${k} {\n${print(v, `${indent}  `)}${indent}}\n`
            : `${indent}${k}: ${v.kind === 'string' ? `"${cEscape(v.value as string)}"` : v.kind === 'number' ? String(v.value) : v.value}  # c\n`,
        )
        .join('');
    const back = (m: TextMessage): Msg =>
      m.fields.map((f) => [
        f.name,
        f.value.kind === 'message' ? back(f.value) : { kind: f.value.kind, value: f.value.value as string | number },
      ]);
    fc.assert(
      fc.property(msg, (m) => {
        const parsed = back(parseTextFormat(print(m, '')));
        expect(parsed).toEqual(
          m.map(function norm([k, v]): [string, Msg | { kind: string; value: string | number }] {
            return [k, Array.isArray(v) ? v.map(norm) : v.kind === 'number' && Object.is(v.value, -0) ? { kind: 'number', value: 0 } : v];
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('fuzz: random text and mutated prototxts give a tree or CaffeImportError, never hang', () => {
    const sample = deployText().slice(0, 3000);
    const check = (text: string) => {
      try {
        parseTextFormat(text);
        parsePrototxt(text);
      } catch (error) {
        if (!(error instanceof CaffeImportError)) throw error;
      }
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'{}<>[]:;,#"\'\\-.0123456789eEfx abc_\n\t'.split('')), maxLength: 200 }), check),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.nat(sample.length), fc.nat(sample.length), fc.string({ maxLength: 5 }), (at, cut, insert) =>
        check(sample.slice(0, at) + insert + sample.slice(at, Math.max(at, cut))),
      ),
      { numRuns: 300 },
    );
  });
});

describe('parsePrototxt', () => {
  it('reads the real DeepLab-ResNet-101 deploy.prototxt: 451 layers of the expected kinds', () => {
    const net = parsePrototxt(deployText());
    expect(net.layers).toHaveLength(451);
    expect(net.format).toBe('layer');
    expect(net.inputs).toEqual([{ name: 'data', shape: [1, 3, 321, 321] }]);
    const types: Record<string, number> = {};
    for (const l of net.layers) types[l.type] = (types[l.type] ?? 0) + 1;
    expect(types).toEqual({ Convolution: 108, BatchNorm: 104, Scale: 104, ReLU: 100, Eltwise: 34, Pooling: 1 });
    const byName = new Map(net.layers.map((l) => [l.name, l]));
    expect(byName.get('conv1')!.convolution).toEqual({
      numOutput: 64,
      biasTerm: false,
      kernel: [7, 7],
      stride: [2, 2],
      pad: [3, 3],
      dilation: [1, 1],
      group: 1,
    });
    expect(byName.get('pool1')!.pooling).toEqual({
      pool: 'MAX',
      kernel: [3, 3],
      stride: [2, 2],
      pad: [1, 1],
      globalPooling: false,
      roundMode: 'CEIL',
    });
    expect(byName.get('res3a_branch2a')!.convolution!.stride).toEqual([2, 2]);
    expect(byName.get('res4b22_branch2b')!.convolution).toMatchObject({ dilation: [2, 2], pad: [2, 2], biasTerm: false });
    expect(byName.get('res5c_branch2b')!.convolution).toMatchObject({ dilation: [4, 4], pad: [4, 4] });
    expect(['c0', 'c1', 'c2', 'c3'].map((c) => byName.get(`fc1_voc12_${c}`)!.convolution!.dilation[0])).toEqual([6, 12, 18, 24]);
    expect(byName.get('fc1_voc12_c0')!.convolution).toMatchObject({ numOutput: 21, biasTerm: true });
    expect(byName.get('bn_conv1')!.batchNorm).toEqual({ eps: 1e-5, useGlobalStats: true });
    expect(byName.get('scale_conv1')!.scale).toEqual({ axis: 1, numAxes: 1, biasTerm: true });
    expect(byName.get('fc1_voc12')!.eltwise).toEqual({ operation: 'SUM' });
  });

  it('reads legacy V1 layers, input_shape, Input layers and phase rules', () => {
    const v1 = parsePrototxt(`name: "old"
input: "data"
input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
layers { name: "r" type: RELU bottom: "c" top: "c" }
layers { name: "drop" type: DROPOUT bottom: "c" top: "c" include { phase: TRAIN } }
layers { name: "ip" type: INNER_PRODUCT bottom: "c" top: "ip" inner_product_param { num_output: 10 } exclude { phase: TRAIN } }`);
    expect(v1.format).toBe('layers');
    expect(v1.inputs).toEqual([{ name: 'data', shape: [1, 3, 8, 8] }]);
    expect(v1.layers.map((l) => [l.name, l.type])).toEqual([
      ['c', 'Convolution'],
      ['r', 'ReLU'],
      ['ip', 'InnerProduct'],
    ]);
    expect(v1.excluded).toEqual(['drop']);
    expect(parsePrototxt(v1Text(), { phase: 'TRAIN' }).layers.map((l) => l.name)).toEqual(['c', 'drop']);
    const input = parsePrototxt(
      'layer { name: "in" type: "Input" top: "data" input_param { shape { dim: 2 dim: 5 dim: 9 dim: 9 } } }\nlayer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 1 kernel_h: 3 kernel_w: 1 pad_h: 1 pad_w: 0 stride: 2 } }',
    );
    const graph = buildLayerGraph(input);
    expect(graph.inputs).toEqual([{ name: 'data', layer: 'in', shape: [2, 5, 9, 9] }]);
    expect(input.layers[1]!.convolution).toMatchObject({ kernel: [3, 1], pad: [1, 0], stride: [2, 2] });
    expect(graph.nodes[1]!.outputShapes[0]).toEqual([2, 1, 5, 5]);
    function v1Text() {
      return `layers { name: "c" type: CONVOLUTION convolution_param { num_output: 4 kernel_size: 3 } }
layers { name: "drop" type: DROPOUT include { phase: TRAIN } }
layers { name: "ip" type: INNER_PRODUCT inner_product_param { num_output: 10 } exclude { phase: TRAIN } }`;
    }
  });

  it('names the layer for bad parameters', () => {
    const e = thrown(() =>
      parsePrototxt('layer {\n name: "c"\n type: "Convolution"\n convolution_param { num_output: 8 }\n}', { file: 'd.prototxt' }),
    );
    expect(e.message).toBe("d.prototxt: layer 'c' (line 1): convolution_param needs kernel_size (or kernel_h and kernel_w) > 0");
    expect(
      thrown(() => parsePrototxt('layer { name: "p" type: "Pooling" pooling_param { pool: MEDIAN kernel_size: 2 } }')).message,
    ).toMatch(/layer 'p' \(line 1\).*pool must be one of MAX, AVE, STOCHASTIC/);
    expect(thrown(() => parsePrototxt('layer { name: "a" type: "ReLU" }\nlayer { name: "a" type: "ReLU" }')).message).toBe(
      "line 2: duplicate layer name 'a'",
    );
    expect(thrown(() => parsePrototxt('input: "data"\ninput_dim: 1\ninput_dim: 3')).message).toMatch(
      /1 input\(s\) need 4 input_dim values, found 2/,
    );
    expect(
      thrown(() => parsePrototxt('layer { name: "c" type: "Convolution" convolution_param { num_output: -2 kernel_size: 1 } }')).message,
    ).toMatch(/num_output must be a non-negative integer, got -2/);
  });
});

describe('buildLayerGraph', () => {
  it('resolves in-place chains in file order and infers the DeepLab shapes (321 -> 41, output stride 8)', () => {
    const net = parsePrototxt(deployText());
    const graph = buildLayerGraph(net);
    const node = (name: string) => graph.nodes[graph.byName.get(name)!]!;
    const from = (name: string) => node(name).inputs.map((i) => (i.from === null ? null : graph.nodes[i.from]!.layer.name));
    expect(from('conv1')).toEqual([null]);
    expect(from('bn_conv1')).toEqual(['conv1']);
    expect(from('scale_conv1')).toEqual(['bn_conv1']);
    expect(from('conv1_relu')).toEqual(['scale_conv1']);
    expect(from('pool1')).toEqual(['conv1_relu']);
    expect(from('res2a')).toEqual(['scale2a_branch1', 'scale2a_branch2c']);
    expect(from('res2b_branch2a')).toEqual(['res2a_relu']);
    expect(from('fc1_voc12_c0')).toEqual(['res5c_relu']);
    expect(node('bn_conv1').inPlace).toBe(true);
    expect(node('bn_conv1').consumers.map((i) => graph.nodes[i]!.layer.name)).toEqual(['scale_conv1']);
    expect(node('conv1').outputShapes[0]).toEqual([1, 64, 161, 161]);
    expect(node('pool1').outputShapes[0]).toEqual([1, 64, 81, 81]);
    expect(node('res2c').outputShapes[0]).toEqual([1, 256, 81, 81]);
    expect(node('res3a').outputShapes[0]).toEqual([1, 512, 41, 41]);
    expect(node('res4b22').outputShapes[0]).toEqual([1, 1024, 41, 41]);
    expect(node('res5c').outputShapes[0]).toEqual([1, 2048, 41, 41]);
    expect(node('fc1_voc12').outputShapes[0]).toEqual([1, 21, 41, 41]);
    expect(node('res4b22_branch2b').inputShapes[0]).toEqual([1, 256, 41, 41]);
  });

  it('rejects a bottom that nothing produced, naming the layer', () => {
    const net = parsePrototxt(
      'input: "data"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 4\ninput_dim: 4\nlayer { name: "r" type: "ReLU" bottom: "nope" top: "r" }',
    );
    expect(thrown(() => buildLayerGraph(net, { file: 'g.prototxt' })).message).toBe(
      "g.prototxt: layer 'r' (line 6): bottom 'nope' is not produced by an earlier layer or a net input",
    );
  });

  it("Caffe's output sizes match a brute-force count of windows", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (size, k, s, p, d) => {
          // Convolution: windows whose dilated extent fits inside the padded input.
          const extent = d * (k - 1) + 1;
          let conv = 0;
          for (let start = -p; start + extent <= size + p; start += s) conv++;
          if (conv > 0) expect(convOutputSize(size, k, s, p, d)).toBe(conv);
          // Pooling (CEIL): slide until a window reaches the end of the padded input (the last may
          // hang over it); Caffe then drops a last window that starts in the right padding.
          if (size + 2 * p >= k) {
            let pool = 0;
            let last = -p;
            for (let start = -p; ; start += s) {
              pool++;
              last = start;
              if (start + k >= size + p) break;
            }
            if (p > 0 && last >= size) pool--;
            expect(poolOutputSize(size, k, s, p, 'CEIL')).toBe(pool);
            // FLOOR: only windows that fit.
            let floor = 0;
            for (let start = -p; start + k <= size + p; start += s) floor++;
            expect(poolOutputSize(size, k, s, p, 'FLOOR')).toBe(floor);
          }
        },
      ),
    );
  });
});
