// The fenced code blocks of a README, with the HTML comments just before each one (the markers
// tools/readme-examples.mjs and tools/readme-commands.mjs read).

/** Flags whose value is a file or directory the command writes. */
const OUTPUT_FLAGS = new Set([
  '--out',
  '--out-dir',
  '--save-dir',
  '--save-probs',
  '--save-logits',
  '--save-curve',
  '--curve-svg',
  '--csv',
  '--coco',
]);

/**
 * Every fenced block whose language is in `langs`: language, text (the fence's indent removed),
 * 1-based line of the opening fence, and the HTML comments on the lines right above it.
 */
export function extractBlocks(markdown, langs) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    const lang = open[3].toLowerCase();
    if (langs.has(lang)) {
      const markers = [];
      let before = i - 1;
      while (before >= 0 && lines[before].trim() === '') before--;
      while (before >= 0 && /^\s*<!--.*-->\s*$/.test(lines[before])) {
        markers.unshift(/<!--\s*(.*?)\s*-->/.exec(lines[before])[1]);
        before--;
      }
      const indent = open[1].length;
      const code = lines
        .slice(i + 1, end)
        .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
        .join('\n');
      blocks.push({ lang, code, line: i + 1, markers });
    }
    i = end;
  }
  return blocks;
}

/**
 * The commands of a shell block: comment lines dropped, `\` continuations and here-documents kept
 * with their command; each with its line in the block.
 */
export function splitCommands(code) {
  const lines = code.split('\n');
  const commands = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '' || lines[i].trimStart().startsWith('#')) continue;
    const start = i;
    const text = [lines[i]];
    while (/\\$/.test(lines[i]) && i + 1 < lines.length) text.push(lines[++i]);
    const heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(text.join('\n'));
    if (heredoc) while (i + 1 < lines.length && lines[i].trim() !== heredoc[1]) text.push(lines[++i]);
    commands.push({ text: text.join('\n'), offset: start });
  }
  return commands;
}

/** The outputs a command names: values of OUTPUT_FLAGS and redirections (plain words only). */
export function namedOutputs(command) {
  // A here-document's body is data, not words of the command.
  const words = (/<</.test(command) ? command.split('\n')[0] : command)
    .replace(/\s#.*$/gm, '')
    .replace(/\\\n/g, ' ')
    .split(/\s+/);
  const outs = [];
  for (let i = 0; i < words.length; i++) {
    const redirect = /^[12]?>([^>&].*)?$/.exec(words[i]);
    const value = OUTPUT_FLAGS.has(words[i]) || (redirect && !redirect[1]) ? words[i + 1] : redirect?.[1];
    if (value && /^[\w./~-]+$/.test(value) && value !== '/dev/null') outs.push(value);
  }
  // `select --probs FILE` writes the random walker's probabilities; elsewhere --probs is an input.
  if (/\bselect\b/.test(words.join(' '))) {
    const at = words.indexOf('--probs');
    if (at >= 0 && words[at + 1]) outs.push(words[at + 1]);
  }
  return outs;
}

/** The markers of a block: whole-block skip, per-command skips, expected exit codes. */
export function readMarkers(markers, where) {
  const parsed = { skip: undefined, skipCommands: [], exits: [] };
  for (const m of markers) {
    let match;
    if ((match = /^not-run:\s*(.+)$/.exec(m))) parsed.skip = match[1];
    else if ((match = /^not-run\s+"([^"]+)":\s*(.+)$/.exec(m))) parsed.skipCommands.push({ text: match[1], reason: match[2] });
    else if ((match = /^exit\s+(\d+):\s*"([^"]+)"$/.exec(m))) parsed.exits.push({ code: Number(match[1]), text: match[2] });
    else if (/^(not-run|exit)\b/.test(m)) throw new Error(`${where}: unreadable marker <!-- ${m} -->`);
  }
  return parsed;
}
