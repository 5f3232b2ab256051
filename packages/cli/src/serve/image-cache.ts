/**
 * Decoded images by the SHA-256 of their encoded bytes, least recently used first out, under a
 * memory cap: the clicks of one selection send the same image again and again, and decoding a
 * JPEG costs more than the network on a small model.
 */
import { createHash } from 'node:crypto';
import type { RgbImage } from '@objsel/voc-data';

/** An LRU of decoded images with a byte budget (RGB bytes). */
export class ImageCache {
  private readonly entries = new Map<string, RgbImage>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The content id of encoded image bytes (what `imageId` names in later requests). */
  static idOf(encoded: Uint8Array): string {
    return `sha256:${createHash('sha256').update(encoded).digest('hex')}`;
  }

  get(id: string): RgbImage | undefined {
    const image = this.entries.get(id);
    if (image) {
      this.entries.delete(id); // re-insert: Map order is the recency order
      this.entries.set(id, image);
    }
    return image;
  }

  /** Keeps `image` unless it alone is over the budget; drops the least recently used to fit. */
  set(id: string, image: RgbImage): void {
    const size = image.data.byteLength;
    if (this.entries.has(id)) this.delete(id);
    if (size > this.maxBytes) return;
    while (this.bytes + size > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.entries.set(id, image);
    this.bytes += size;
  }

  private delete(id: string): void {
    const image = this.entries.get(id);
    if (!image) return;
    this.entries.delete(id);
    this.bytes -= image.data.byteLength;
  }

  /** Images and RGB bytes held. */
  stats(): { images: number; bytes: number; maxBytes: number } {
    return { images: this.entries.size, bytes: this.bytes, maxBytes: this.maxBytes };
  }
}
