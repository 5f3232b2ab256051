/** FNV-1a (32 bit) of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A per-image seed from a run's seed and the image id (`seed XOR FNV-1a(id)`, unsigned), so
 * that clicks sampled for any subset of a list are the ones the whole list would get.
 */
export function imageSeed(seed: number, id: string): number {
  return (seed ^ fnv1a(id)) >>> 0;
}
