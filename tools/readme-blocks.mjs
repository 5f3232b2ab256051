// The fenced code blocks of a README, with the HTML comments just before each one (the markers
// tools/readme-examples.mjs and tools/readme-commands.mjs read).

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
