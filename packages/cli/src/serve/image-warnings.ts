/**
 * `select`'s warnings in serve's answers: an empty or tiny selection, and an image far from the
 * network's training domain (weights' `objsel.domain`). Each answer carries its warnings
 * (`warnings: [...]`); the server log gets each warning once per image, not once per click.
 */
import type { ImageDomain, RgbImage } from '@objsel/voc-data';
import { domainWarning, tinySelectionWarning } from '../selection-warnings';

/** Images whose domain verdict and logged warnings are remembered (least recently used dropped). */
const REMEMBERED_IMAGES = 1000;

export class ImageWarnings {
  /** Per image id: the domain warning ('' for none) and the kinds of warning already logged. */
  private readonly images = new Map<string, { far: string; logged: Set<string> }>();

  constructor(
    private readonly domain: ImageDomain | undefined,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /**
   * The warnings for `mask` selected on `image`; `network` false (a classic method) leaves the
   * training domain out. Logs those not logged for this image yet.
   */
  async of(image: RgbImage, imageId: string, mask: Uint8Array, network: boolean): Promise<string[]> {
    const entry = await this.entry(image, imageId);
    let area = 0;
    for (const v of mask) area += v;
    const found: Array<[string, string]> = [];
    const tiny = tinySelectionWarning(area, image.width, image.height);
    if (tiny) found.push([area === 0 ? 'empty' : 'tiny', tiny]);
    if (network && entry.far) found.push(['far', entry.far]);
    for (const [kind, message] of found) {
      if (entry.logged.has(kind)) continue;
      entry.logged.add(kind);
      this.log(message);
    }
    return found.map(([, message]) => message);
  }

  private async entry(image: RgbImage, imageId: string) {
    let entry = this.images.get(imageId);
    if (entry) this.images.delete(imageId);
    else {
      const name = `image ${imageId.slice(0, 19)}…`;
      entry = { far: (this.domain && (await domainWarning(this.domain, image, name))) ?? '', logged: new Set() };
    }
    this.images.set(imageId, entry); // most recently used last
    if (this.images.size > REMEMBERED_IMAGES) this.images.delete(this.images.keys().next().value!);
    return entry;
  }
}
