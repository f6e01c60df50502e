import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express, { Router } from 'express';

const nodeRequire = createRequire(__filename);

/**
 * The dashboard's script: Chart.js and the page code bundled by esbuild at build time
 * (`npm run build` writes dist/producer-api/web/dashboard.js next to main.js). Run from sources
 * (tsx, jest) there is no build output, so esbuild — a dev dependency — bundles it once here.
 */
async function dashboardBundle(): Promise<string> {
  const built = join(__dirname, 'web', 'dashboard.js');
  if (existsSync(built)) return readFileSync(built, 'utf8');
  const { build } = nodeRequire('esbuild') as typeof import('esbuild');
  const out = await build({ entryPoints: [join(__dirname, '..', '..', 'web', 'dashboard.ts')], bundle: true, write: false, format: 'iife', target: 'es2020', minify: true, logLevel: 'warning' });
  return out.outputFiles[0]!.text;
}

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>MedLives analytics</title><link rel="stylesheet" href="/dashboard/dashboard.css"></head><body>
<header><h1>MedLives analytics</h1><span id="state" aria-live="polite"></span></header>
<form id="login" hidden><label>API key <input id="key" type="password" autocomplete="off" required></label><button>Open</button>
<p>The key stays in this browser tab (sessionStorage). Or open <code>/dashboard#key=&lt;key&gt;</code> once.</p></form>
<main id="board" hidden>
<section class="filters"><label>tenant <input id="tenant" placeholder="own (admin: * or a code)" size="16"></label>
<label>from <input id="from" type="date"></label><label>to <input id="to" type="date"></label>
<label>calendar <select id="zone"><option value="utc">UTC</option><option value="local">tenant time zone</option></select></label></section>
<section class="kpis"><div><b id="kpi-orders">–</b><span>orders</span></div><div><b id="kpi-gross">–</b><span>gross revenue</span></div>
<div><b id="kpi-paid">–</b><span>paid revenue</span></div><div><b id="kpi-aov">–</b><span>avg order value</span></div><div><b id="kpi-cancel">–</b><span>cancelled</span></div></section>
<section class="grid"><figure><figcaption>Revenue over days</figcaption><div class="c"><canvas id="chart-revenue"></canvas></div></figure>
<figure><figcaption>Orders by status</figcaption><div class="c"><canvas id="chart-status"></canvas></div><table id="status-table" class="sr"></table></figure>
<figure><figcaption>Top medications by revenue</figcaption><div class="c"><canvas id="chart-meds"></canvas></div></figure>
<figure><figcaption>Orders per hour (UTC or tenant time) <span id="peak"></span></figcaption><div id="heat" class="heat"></div></figure></section>
</main><script src="/dashboard/app.js"></script></body></html>`;

const CSS = `*{box-sizing:border-box}body{font:14px system-ui,sans-serif;margin:0;background:#f5f7fa;color:#1f2933}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;padding:12px 16px;background:#102a43;color:#fff}h1{font-size:18px;margin:0}#state{font-size:12px;opacity:.8}
form#login,main{padding:12px 16px}.filters{display:flex;flex-wrap:wrap;gap:8px 16px;margin-bottom:12px}.filters input,.filters select{font:inherit}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:8px;margin-bottom:12px}.kpis div{background:#fff;border-radius:6px;padding:10px}.kpis b{display:block;font-size:20px}.kpis span{font-size:12px;color:#52606d}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:12px}figure{margin:0;background:#fff;border-radius:6px;padding:10px;min-width:0}figcaption{font-weight:600;margin-bottom:6px}
.c{position:relative;height:240px}.heat{display:grid;grid-template-columns:44px repeat(24,1fr);gap:2px;font-size:10px}.hc{height:16px;border-radius:2px}.hl{white-space:nowrap;overflow:hidden}.hh{text-align:center;color:#52606d}
.sr{position:absolute;left:-9999px}`;

/** Swagger UI (swagger-ui-dist, served from node_modules) on the generated document; same origin, Bearer key. */
const DOCS = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>MedLives API</title><link rel="stylesheet" href="/api/v1/docs/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script><script src="/api/v1/docs/init.js"></script></body></html>`;

// The dashboard's key (sessionStorage) authorizes "Try it out" too; otherwise use Authorize.
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false, tryItOutEnabled: false,
  onComplete: function () { var k = sessionStorage.getItem('medlives.key'); if (k) window.ui.preauthorizeApiKey('bearer', k); } });`;

/** `/dashboard` (+ its script and styles); mounted before authentication — the page asks for the key. */
export function dashboardRoutes(): Router {
  const router = Router();
  let bundle: Promise<string> | undefined;
  router.get('/dashboard', (_req, res) => void res.type('html').send(PAGE));
  router.get('/dashboard/dashboard.css', (_req, res) => void res.type('css').send(CSS));
  router.get('/dashboard/app.js', async (_req, res) => {
    bundle ??= dashboardBundle();
    res.type('js').set('Cache-Control', 'no-cache').send(await bundle);
  });
  return router;
}

/** `/api/v1/docs`: the interactive OpenAPI UI and its static assets. */
export function docsRoutes(): Router {
  const router = Router();
  const assets = (nodeRequire('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
  router.get('/docs', (_req, res) => void res.type('html').send(DOCS));
  router.get('/docs/init.js', (_req, res) => void res.type('js').send(DOCS_INIT));
  router.use('/docs', express.static(assets, { index: false, maxAge: '1h' }));
  return router;
}
