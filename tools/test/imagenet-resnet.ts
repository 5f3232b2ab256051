// An ImageNet ResNet prototxt as Kaiming He's deep-residual-networks release lays it out
// (ResNet-101-deploy.prototxt): conv1 7x7/2 + bn_conv1/scale_conv1 + pool1 3x3/2, units
// res2a..res5c (res3b1.., res4b1..b22 numbered when deep) with branch1 projections, stride 2 in
// the first 1x1 of res3a/res4a/res5a, then pool5 (global average), fc1000 and prob. Convolutions
// have no bias, BatchNorm uses global stats. `width` scales every channel count (tests use 1/16:
// the full-size layer names with few parameters); `truncate` stops after res5c_relu.

/** Options of {@link imagenetResnetPrototxt}. */
export interface ImagenetResnetOptions {
  /** Units per stage (default ResNet-101's [3, 4, 23, 3]). */
  blocks?: number[];
  /** Channel scale (default 1). */
  width?: number;
  /** Input height and width (default 224). */
  inputSize?: number;
  /** Stop after res5c_relu: no pool5, fc1000 or prob. */
  truncate?: boolean;
}

function unitNames(stage: number, count: number, numbered: boolean): string[] {
  return Array.from({ length: count }, (_, i) => `res${stage}${i === 0 ? 'a' : numbered ? `b${i}` : String.fromCharCode(97 + i)}`);
}

/** The prototxt text. */
export function imagenetResnetPrototxt(options: ImagenetResnetOptions = {}): string {
  const blocks = options.blocks ?? [3, 4, 23, 3];
  const w = options.width ?? 1;
  const ch = (c: number) => Math.max(1, Math.round(c * w));
  const size = options.inputSize ?? 224;
  const out: string[] = ['name: "ResNet-101"', 'input: "data"', 'input_dim: 1', 'input_dim: 3', `input_dim: ${size}`, `input_dim: ${size}`];
  const conv = (name: string, bottom: string, n: number, k: number, s: number, pad: number) =>
    out.push(
      `layer {\n\tbottom: "${bottom}"\n\ttop: "${name}"\n\tname: "${name}"\n\ttype: "Convolution"\n\tconvolution_param {\n\t\tnum_output: ${n}\n\t\tkernel_size: ${k}\n\t\tpad: ${pad}\n\t\tstride: ${s}\n\t\tbias_term: false\n\t}\n}`,
    );
  const bnScale = (conv: string, relu: boolean) => {
    const bn = conv === 'conv1' ? 'bn_conv1' : conv.replace(/^res/, 'bn');
    const scale = conv === 'conv1' ? 'scale_conv1' : conv.replace(/^res/, 'scale');
    out.push(
      `layer {\n\tbottom: "${conv}"\n\ttop: "${conv}"\n\tname: "${bn}"\n\ttype: "BatchNorm"\n\tbatch_norm_param {\n\t\tuse_global_stats: true\n\t}\n}`,
      `layer {\n\tbottom: "${conv}"\n\ttop: "${conv}"\n\tname: "${scale}"\n\ttype: "Scale"\n\tscale_param {\n\t\tbias_term: true\n\t}\n}`,
    );
    if (relu) out.push(`layer {\n\tbottom: "${conv}"\n\ttop: "${conv}"\n\tname: "${conv}_relu"\n\ttype: "ReLU"\n}`);
  };
  conv('conv1', 'data', ch(64), 7, 2, 3);
  bnScale('conv1', true);
  out.push(
    'layer {\n\tbottom: "conv1"\n\ttop: "pool1"\n\tname: "pool1"\n\ttype: "Pooling"\n\tpooling_param {\n\t\tkernel_size: 3\n\t\tstride: 2\n\t\tpool: MAX\n\t}\n}',
  );
  let bottom = 'pool1';
  const total = blocks.reduce((a, b) => a + b, 0);
  [64, 128, 256, 512].forEach((mid, s) => {
    const stage = s + 2;
    const numbered = (stage === 3 || stage === 4) && total > 16;
    unitNames(stage, blocks[s]!, numbered).forEach((unit, i) => {
      const stride = i === 0 && stage > 2 ? 2 : 1;
      let shortcut = bottom;
      if (i === 0) {
        conv(`${unit}_branch1`, bottom, ch(mid * 4), 1, stride, 0);
        bnScale(`${unit}_branch1`, false);
        shortcut = `${unit}_branch1`;
      }
      conv(`${unit}_branch2a`, bottom, ch(mid), 1, stride, 0);
      bnScale(`${unit}_branch2a`, true);
      conv(`${unit}_branch2b`, `${unit}_branch2a`, ch(mid), 3, 1, 1);
      bnScale(`${unit}_branch2b`, true);
      conv(`${unit}_branch2c`, `${unit}_branch2b`, ch(mid * 4), 1, 1, 0);
      bnScale(`${unit}_branch2c`, false);
      out.push(
        `layer {\n\tbottom: "${shortcut}"\n\tbottom: "${unit}_branch2c"\n\ttop: "${unit}"\n\tname: "${unit}"\n\ttype: "Eltwise"\n}`,
        `layer {\n\tbottom: "${unit}"\n\ttop: "${unit}"\n\tname: "${unit}_relu"\n\ttype: "ReLU"\n}`,
      );
      bottom = unit;
    });
  });
  if (!options.truncate) {
    out.push(
      `layer {\n\tbottom: "${bottom}"\n\ttop: "pool5"\n\tname: "pool5"\n\ttype: "Pooling"\n\tpooling_param {\n\t\tkernel_size: ${Math.ceil(size / 32)}\n\t\tstride: 1\n\t\tpool: AVE\n\t}\n}`,
      'layer {\n\tbottom: "pool5"\n\ttop: "fc1000"\n\tname: "fc1000"\n\ttype: "InnerProduct"\n\tinner_product_param {\n\t\tnum_output: 1000\n\t}\n}',
      'layer {\n\tbottom: "fc1000"\n\ttop: "prob"\n\tname: "prob"\n\ttype: "Softmax"\n}',
    );
  }
  return `${out.join('\n')}\n`;
}
