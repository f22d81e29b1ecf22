// build.mjs — lays out the console for the broker to serve (docs/console.md).
//
//   node console/build.mjs OUTDIR
//
// OUTDIR/index.html        the shell (console/src/index.html)
// OUTDIR/assets/NAME       every other file of console/src/, and the vendor
//                          files below, copied byte for byte
// OUTDIR/manifest.json     {"index.html": SHA256, "assets/NAME": SHA256, ...}
//
// No bundler, no transform: the output is the sources plus the vendor files,
// so it is reproducible by construction (same inputs, same bytes; no
// timestamps; keys sorted). The broker serves the manifest's files and
// nothing else (broker/http_static.c), with the hash as the ETag.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const modules = join(here, 'node_modules');

// Vendor files: what the console loads from its npm dependencies (each
// named in docs/console.md with its reason). The NavigatedViewer bundle is
// the prebuilt UMD build of bpmn-js (window.BpmnJS): no bundler needed.
const vendor = [
  ['bpmn-js/dist/bpmn-navigated-viewer.production.min.js', 'bpmn-navigated-viewer.production.min.js'],
  ['bpmn-js/dist/assets/diagram-js.css', 'diagram-js.css'],
  ['bpmn-js/dist/assets/bpmn-js.css', 'bpmn-js.css'],
];

// The names the broker accepts (broker/http_static.c checks the same).
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(html|js|mjs|css|svg|png|ico|json|map|txt)$/;

function fail(msg) {
  process.stderr.write(`console/build.mjs: ${msg}\n`);
  process.exit(1);
}

const out = process.argv[2] ? resolve(process.argv[2]) : resolve(here, '..', 'build', 'console');
if (!existsSync(modules))
  fail(`${modules} is missing: run PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix console (deploy/bootstrap does)`);

const files = new Map(); // output path -> bytes
for (const name of readdirSync(src).sort()) {
  if (name.startsWith('.')) continue;
  const p = join(src, name);
  if (!statSync(p).isFile()) fail(`${p}: only plain files in src/ (no folders)`);
  if (!NAME.test(name)) fail(`${name}: not a name the broker serves (letters, digits, . _ -; known extension)`);
  files.set(name === 'index.html' ? 'index.html' : `assets/${name}`, readFileSync(p));
}
for (const [from, name] of vendor) {
  const p = join(modules, from);
  if (!existsSync(p)) fail(`${p} is missing (bpmn-js changed its dist layout?)`);
  if (files.has(`assets/${name}`)) fail(`${name}: both in src/ and a vendor file`);
  files.set(`assets/${name}`, readFileSync(p));
}
if (!files.has('index.html')) fail('src/index.html is missing');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const manifest = {};
for (const path of [...files.keys()].sort()) {
  const bytes = files.get(path);
  writeFileSync(join(out, path), bytes);
  manifest[path] = createHash('sha256').update(bytes).digest('hex');
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
process.stdout.write(`console: ${files.size} files in ${out}\n`);
