// Bundles each app (apps/<app>/src/main.ts) with the workspace packages into dist/<app>/main.js.
// npm dependencies stay external: the image installs them with `npm ci --omit=dev`.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const apps = readdirSync('apps').filter((app) => existsSync(join('apps', app, 'src', 'main.ts')));
const started = Date.now();
await Promise.all(
  apps.map((app) =>
    build({
      entryPoints: [join('apps', app, 'src', 'main.ts')],
      outfile: join('dist', app, 'main.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      packages: 'external',
      tsconfig: 'tsconfig.json',
      logLevel: 'warning',
    }),
  ),
);
// The dashboard's browser code with Chart.js, bundled here so the page needs no CDN at run time.
await build({
  entryPoints: [join('apps', 'producer-api', 'web', 'dashboard.ts')],
  outfile: join('dist', 'producer-api', 'web', 'dashboard.js'),
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  logLevel: 'warning',
});
console.log(`built ${apps.length} app(s) into dist/ in ${Date.now() - started} ms: ${apps.join(', ')}`);
