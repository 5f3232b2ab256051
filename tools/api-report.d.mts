export declare const SOURCE_CONDITION: '@objsel/source';
export declare const REPORT_HEADER: string;

export interface PackageEntry {
  /** Folder name under packages/. */
  pkg: string;
  /** The package's name (`@objsel/<pkg>`). */
  packageName: string;
  /** Report file stem: `index` for `.`, else the subpath with `/` as `-`. */
  name: string;
  /** The `exports` key (`.`, `./train`, ...). */
  key: string;
  /** Absolute path of the entry's TypeScript source. */
  file: string;
}

export interface UnexportedType {
  /** The entry specifier, e.g. `@objsel/clicks/reference`. */
  entry: string;
  /** The exported name whose signature names the type. */
  name: string;
  /** The type's name. */
  type: string;
  /** Where the type is declared, relative to the root. */
  declaredIn: string;
}

export declare function packageEntries(root: string): PackageEntry[];
export declare function buildApiReports(root: string): { reports: Map<string, string>; unexported: UnexportedType[] };
export declare function existingReports(root: string): string[];
export declare function lineDiff(before: string, after: string, label: string): string;
export declare function checkApiReports(root: string): string[];
export declare function updateApiReports(root: string): { changed: string[]; unexported: UnexportedType[] };
