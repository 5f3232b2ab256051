export interface ReadmeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The HTML comments right above the block, without `<!--` and `-->`. */
  markers: string[];
}
export declare function extractBlocks(markdown: string, langs: Set<string>): ReadmeBlock[];
export declare function splitCommands(code: string): Array<{ text: string; offset: number }>;
export declare function namedOutputs(command: string): string[];
export interface CommandMarkers {
  skip: string | undefined;
  skipCommands: Array<{ text: string; reason: string }>;
  exits: Array<{ code: number; text: string }>;
}
export declare function readMarkers(markers: string[], where: string): CommandMarkers;
