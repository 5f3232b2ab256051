// The README command runner's parsing: blocks and their markers, commands of a shell block,
// the outputs a command names.
import { describe, expect, it } from 'vitest';
import { extractBlocks, namedOutputs, readMarkers, splitCommands } from '../readme-blocks.mjs';

describe('extractBlocks', () => {
  it('keeps the HTML comments right above a block as its markers, and the fence line', () => {
    const md = [
      'text',
      '<!-- not-run "npm i": registry -->',
      '<!-- exit 2: "crf" -->',
      '',
      '```sh',
      'npm i x',
      'objsel crf',
      '```',
      '```ts',
      'x',
      '```',
    ].join('\n');
    const blocks = extractBlocks(md, new Set(['sh']));
    expect(blocks).toEqual([{ lang: 'sh', code: 'npm i x\nobjsel crf', line: 5, markers: ['not-run "npm i": registry', 'exit 2: "crf"'] }]);
  });
});

describe('splitCommands', () => {
  it('drops comments, joins continuations and keeps here-documents with their command', () => {
    const code = ['# a comment', 'objsel a \\', '  --b c', '', "cat > o.json <<'JSON'", '[1,', ' 2]', 'JSON', 'objsel d # trailing'].join(
      '\n',
    );
    expect(splitCommands(code)).toEqual([
      { text: 'objsel a \\\n  --b c', offset: 1 },
      { text: "cat > o.json <<'JSON'\n[1,\n 2]\nJSON", offset: 4 },
      { text: 'objsel d # trailing', offset: 8 },
    ]);
  });
});

describe('namedOutputs', () => {
  it('finds output flags and redirections, not inputs, comments or here-document bodies', () => {
    expect(namedOutputs('objsel crf --image a.png --probs p.npy --out c.png 2> log.txt # --out no.png')).toEqual(['c.png', 'log.txt']);
    expect(namedOutputs('objsel noc --json > plain.jsonl')).toEqual(['plain.jsonl']);
    expect(namedOutputs('objsel noc --save-curve ~/d.csv \\\n  --curve-svg d.svg')).toEqual(['~/d.csv', 'd.svg']);
    expect(namedOutputs("cat > objects.json <<'JSON'\n--out x\nJSON")).toEqual(['objects.json']);
    expect(namedOutputs('objsel select p.jpg --probs rw.npy --out rw.png')).toEqual(['rw.png', 'rw.npy']);
    expect(namedOutputs('objsel x --out "$DIR" 2>&1 >/dev/null')).toEqual([]);
  });
});

describe('readMarkers', () => {
  it('reads block and command skips and expected exit codes, and refuses a misspelt marker', () => {
    expect(readMarkers(['not-run: needs docker'], 'R:1')).toEqual({ skip: 'needs docker', skipCommands: [], exits: [] });
    expect(readMarkers(['not-run "npm i": registry', 'exit 2: "objsel crf"', 'no-run'], 'R:1')).toEqual({
      skip: undefined,
      skipCommands: [{ text: 'npm i', reason: 'registry' }],
      exits: [{ code: 2, text: 'objsel crf' }],
    });
    expect(() => readMarkers(['not-run needs docker'], 'R:9')).toThrow('R:9: unreadable marker <!-- not-run needs docker -->');
  });
});
