// Each package is built to dist/ and imported from there once installed, while the checkout maps the same names to
// the sources (tsconfig.json's paths, which tsc, tsx and esbuild read). These keep the two views the same.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Manifest {
  name: string;
  private?: boolean;
  types?: string;
  files?: string[];
  exports: Record<string, { types: string; default: string }>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const buildReferences = readJson<{ references: { path: string }[] }>('tsconfig.build.json').references.map((r) => dirname(r.path.replace(/^\.\//, '')));
const sourcePaths = readJson<{ compilerOptions: { paths: Record<string, string[]> } }>('tsconfig.json').compilerOptions.paths;
const packages = buildReferences.map((dir) => ({ dir, manifest: readJson<Manifest>(join(dir, 'package.json')) }));

describe('package manifests - built output when installed, sources in the checkout', () => {
  it('every workspace is built', () => {
    const workspaces = readJson<{ workspaces: string[] }>('package.json').workspaces.flatMap((pattern) =>
      pattern.endsWith('/*') ? readdirSync(pattern.slice(0, -2)).map((name) => `${pattern.slice(0, -2)}/${name}`) : [pattern],
    );
    assert.deepEqual([...buildReferences].sort(), workspaces.sort());
  });

  for (const { dir, manifest } of packages) {
    it(`${manifest.name}: exports dist's JavaScript and .d.ts, the checkout maps each to its source`, () => {
      assert.ok(manifest.files?.includes('dist'), 'dist is packed');
      assert.equal(manifest.types, manifest.exports['.']?.types);
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        const module = target.default.match(/^\.\/dist\/(.+)\.js$/)?.[1];
        assert.ok(module, `${subpath} exports a file in dist`);
        assert.equal(target.types, `./dist/${module}.d.ts`);
        assert.deepEqual(
          sourcePaths[manifest.name + subpath.slice(1)],
          [`./${dir}/src/${module}.ts`],
          `tsconfig.json maps ${manifest.name + subpath.slice(1)}`,
        );
      }
    });
  }

  it('the checkout maps no name that no package exports', () => {
    const exported = packages.flatMap(({ manifest }) => Object.keys(manifest.exports).map((subpath) => manifest.name + subpath.slice(1)));
    assert.deepEqual(Object.keys(sourcePaths).sort(), exported.sort());
  });
});
