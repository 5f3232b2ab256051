#!/usr/bin/env node
// Enforces the package boundaries of ARCHITECTURE.md: which @objsel packages each package may
// import, and that leaf packages never touch TensorFlow.js. A package's subpath module (e.g.
// deeplab-resnet's src/interactive/, exported as @objsel/deeplab-resnet/interactive) may import
// more packages; the rest of the package may neither import those nor reach into the subpath's
// folder. Checks source imports, package.json dependencies and (with --nx) the edges of nx's
// project graph. Exits 1 on any violation.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
// import x from 'a'; import 'a'; export * from 'a'; import('a'); require('a')
const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : walk(p);
    return SOURCE_EXT.test(e.name) ? [p] : [];
  });
}

/** The import specifiers of a source file, with 1-based line numbers. */
export function importsOf(text) {
  const found = [];
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const m of stripped.matchAll(IMPORT_RE)) {
    const line = stripped.slice(0, m.index).split('\n').length;
    found.push({ specifier: m[1], line });
  }
  return found;
}

function objselName(specifier) {
  const m = /^@objsel\/([^/]+)/.exec(specifier);
  return m ? m[1] : undefined;
}

const isTensorflow = (spec) => spec.startsWith('@tensorflow/');

/** True when `specifier` is the package root or a subpath its package.json `exports` declares. */
function isPublicEntry(pkgDir, target, specifier) {
  const sub = specifier.slice(`@objsel/${target}`.length);
  if (sub === '') return true;
  const manifestPath = path.join(pkgDir, target, 'package.json');
  if (!fs.existsSync(manifestPath)) return false;
  const exportsMap = JSON.parse(fs.readFileSync(manifestPath, 'utf8')).exports ?? {};
  return typeof exportsMap === 'object' && `.${sub}` in exportsMap;
}

/** The subpath modules of package `name` in `rules`: `[{ name, dir (absolute), allowed }]`. */
function subpathsOf(rules, pkgDir, name) {
  const declared = rules.subpaths?.[name] ?? {};
  return Object.entries(declared).map(([sub, { dir, allowed }]) => ({ name: sub, dir: path.join(pkgDir, name, dir), allowed }));
}

const isInside = (file, dir) => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** What a relative specifier of `file` points at (extension-less paths and folder indexes included). */
const resolveRelative = (file, specifier) => path.resolve(path.dirname(file), specifier);

/**
 * Checks every package under `root/packages` against `rules` ({leaf, allowed, subpaths?});
 * returns a list of violations as `{ file, line?, message }`, empty when the boundaries hold.
 */
export function checkBoundaries(root, rules) {
  const violations = [];
  const leaf = new Set(rules.leaf);
  const pkgDir = path.join(root, 'packages');
  for (const name of fs.readdirSync(pkgDir).sort()) {
    const manifestPath = path.join(pkgDir, name, 'package.json');
    if (!fs.existsSync(manifestPath)) continue;
    const allowed = rules.allowed[name];
    if (!allowed) {
      violations.push({ file: manifestPath, message: `package '${name}' is not in the architecture table (tools/boundaries.json)` });
      continue;
    }
    const subpaths = subpathsOf(rules, pkgDir, name);
    const allowedAnywhere = [...allowed, ...subpaths.flatMap((s) => s.allowed)];
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    const declared = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
    for (const dep of Object.keys(declared)) {
      const target = objselName(dep);
      if (target && !allowedAnywhere.includes(target))
        violations.push({ file: manifestPath, message: `@objsel/${name} may not depend on ${dep}` });
      if (leaf.has(name) && isTensorflow(dep))
        violations.push({ file: manifestPath, message: `leaf package @objsel/${name} may not depend on ${dep}` });
    }
    for (const file of walk(path.join(pkgDir, name, 'src'))) {
      const home = subpaths.find((s) => isInside(file, s.dir));
      const allowedHere = home ? [...allowed, ...home.allowed] : allowed;
      const where = home ? ` in src/${path.relative(path.join(pkgDir, name, 'src'), home.dir)}/` : '';
      for (const { specifier, line } of importsOf(fs.readFileSync(file, 'utf8'))) {
        const target = objselName(specifier);
        const rel = path.relative(root, file);
        if (!home && specifier.startsWith('.')) {
          const into = subpaths.find((s) => {
            const resolved = resolveRelative(file, specifier);
            return resolved === s.dir || isInside(resolved, s.dir);
          });
          if (into)
            violations.push({
              file: rel,
              line,
              message: `${specifier} is inside the subpath module @objsel/${name}/${into.name}: only its own files may import it`,
            });
        }
        if (!home && target === name && specifier !== `@objsel/${name}`) {
          const sub = subpaths.find((s) => specifier === `@objsel/${name}/${s.name}`);
          if (sub)
            violations.push({
              file: rel,
              line,
              message: `${specifier}: the rest of @objsel/${name} may not import its subpath module`,
            });
        }
        if (target && target !== name && !allowedHere.includes(target)) {
          const extra = subpaths
            .filter((s) => s.allowed.includes(target))
            .map((s) => `src/${path.relative(path.join(pkgDir, name, 'src'), s.dir)}/`);
          violations.push({
            file: rel,
            line,
            message: `@objsel/${name}${where} may not import ${specifier} (allowed: ${allowedHere.join(', ') || 'none'}${extra.length ? `; only files under ${extra.join(', ')} may import it` : ''})`,
          });
        } else if (target && target !== name && !isPublicEntry(pkgDir, target, specifier)) {
          violations.push({
            file: rel,
            line,
            message: `deep import ${specifier}: import @objsel/${target} or one of its exported subpaths`,
          });
        }
        if (leaf.has(name) && isTensorflow(specifier)) {
          violations.push({ file: rel, line, message: `leaf package @objsel/${name} may not import TensorFlow.js (${specifier})` });
        }
      }
    }
  }
  return violations;
}

/** Edges of nx's project graph that the rules forbid. */
export function checkNxGraph(root, rules) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-graph-')), 'graph.json');
  execFileSync(process.execPath, [path.join(root, 'node_modules/nx/bin/nx.js'), 'graph', `--file=${out}`], {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  const { graph } = JSON.parse(fs.readFileSync(out, 'utf8'));
  const violations = [];
  const short = (project) => project.replace(/^@objsel\//, '');
  for (const [source, deps] of Object.entries(graph.dependencies)) {
    const subpathAllowed = Object.values(rules.subpaths?.[short(source)] ?? {}).flatMap((s) => s.allowed);
    const allowed = [...(rules.allowed[short(source)] ?? []), ...subpathAllowed];
    for (const dep of deps) {
      if (!dep.target.startsWith('@objsel/')) continue;
      if (!allowed.includes(short(dep.target))) {
        violations.push({ file: 'nx graph', message: `forbidden edge ${source} -> ${dep.target}` });
      }
    }
  }
  return violations;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const rules = JSON.parse(fs.readFileSync(path.join(root, 'tools/boundaries.json'), 'utf8'));
  const violations = checkBoundaries(root, rules);
  if (process.argv.includes('--nx')) violations.push(...checkNxGraph(root, rules));
  for (const v of violations) console.error(`${v.file}${v.line ? `:${v.line}` : ''}: ${v.message}`);
  if (violations.length) {
    console.error(`boundary check failed: ${violations.length} violation(s)`);
    process.exit(1);
  }
  console.log('boundaries hold: every import and nx graph edge is allowed by ARCHITECTURE.md');
}
