// The analytics dashboard (browser side), bundled with Chart.js by esbuild at build time: no CDN.
import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);

const KEY = 'medlives.key';
const REFRESH_MS = 2_000;
const STATUS_COLORS: Record<string, string> = { pending: '#9aa5b1', credit: '#f0b429', paid: '#3ebd93', processing: '#2186eb', shipped: '#7b61ff', delivered: '#0e7c86', cancelled: '#e12d39' };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The key arrives once (`#key=…`, never sent to the server) and stays in this tab's sessionStorage. */
function takeKey(): string | null {
  const m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, decodeURIComponent(m[1]!));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

const money = (n: number) => n.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

let charts: { revenue?: Chart; status?: Chart; meds?: Chart } = {};
let timer: number | undefined;
let lastBody = '';

function chart(existing: Chart | undefined, canvas: string, config: ConstructorParameters<typeof Chart>[1]): Chart {
  if (existing) {
    existing.data = config.data;
    existing.update('none');
    return existing;
  }
  return new Chart($<HTMLCanvasElement>(canvas), config);
}

function render(s: any): void {
  $('kpi-orders').textContent = String(s.totals.orders);
  $('kpi-gross').textContent = money(s.totals.grossRevenue);
  $('kpi-paid').textContent = money(s.totals.paidRevenue);
  $('kpi-aov').textContent = money(s.totals.averageOrderValue);
  $('kpi-cancel').textContent = `${(s.totals.cancellationRate * 100).toFixed(1)} %`;
  const days = s.days.map((d: any) => d.day);
  // A fresh options object per chart: Chart.js fills resolved defaults (scales) into the one it is given.
  const common = () => ({ responsive: true, maintainAspectRatio: false, animation: false as const });
  charts.revenue = chart(charts.revenue, 'chart-revenue', {
    type: 'bar',
    data: { labels: days, datasets: [{ label: 'gross', data: s.days.map((d: any) => d.grossRevenue), backgroundColor: '#9fb3c8' }, { label: 'paid', data: s.days.map((d: any) => d.paidRevenue), backgroundColor: '#3ebd93' }] },
    options: common(),
  });
  const statuses = Object.keys(s.totals.byStatus);
  charts.status = chart(charts.status, 'chart-status', {
    type: 'doughnut',
    data: { labels: statuses, datasets: [{ data: statuses.map((k) => s.totals.byStatus[k]), backgroundColor: statuses.map((k) => STATUS_COLORS[k] ?? '#ccc') }] },
    options: { ...common(), plugins: { legend: { position: 'right' } } },
  });
  const meds = s.topMedications.byRevenue;
  charts.meds = chart(charts.meds, 'chart-meds', {
    type: 'bar',
    data: { labels: meds.map((m: any) => m.medication), datasets: [{ label: 'revenue', data: meds.map((m: any) => m.revenue), backgroundColor: '#2186eb' }] },
    options: { ...common(), indexAxis: 'y' },
  });
  $('status-table').innerHTML = statuses.map((k) => `<tr><td>${k}</td><td data-status="${k}">${s.totals.byStatus[k]}</td></tr>`).join('');
  heatStrip(s);
}

/** One row of 24 hour cells for the whole range, then one per day; darker = more orders. */
function heatStrip(s: any): void {
  const rows = [{ label: 'all', hours: s.totals.hours as number[] }, ...s.days.map((d: any) => ({ label: d.day.slice(5), hours: d.hours as number[] }))];
  const max = Math.max(1, ...rows.flatMap((r) => r.hours));
  const head = `<div class="hl"></div>${Array.from({ length: 24 }, (_, h) => `<div class="hh">${h % 3 === 0 ? h : ''}</div>`).join('')}`;
  $('heat').innerHTML =
    head +
    rows
      .map((r) => `<div class="hl">${r.label}</div>${r.hours.map((n, h) => `<div class="hc" title="${r.label} ${h}:00 — ${n} orders" style="background:rgba(33,134,235,${(0.08 + 0.92 * (n / max)).toFixed(3)})"></div>`).join('')}`)
      .join('');
  const peak = s.totals.hours.indexOf(Math.max(...s.totals.hours));
  $('peak').textContent = s.totals.orders ? `peak hour ${peak}:00–${peak + 1}:00` : '';
}

async function refresh(): Promise<void> {
  const key = sessionStorage.getItem(KEY);
  if (!key) return;
  const params = new URLSearchParams({ from: $<HTMLInputElement>('from').value, to: $<HTMLInputElement>('to').value, zone: $<HTMLSelectElement>('zone').value });
  const tenant = $<HTMLInputElement>('tenant').value.trim();
  if (tenant) params.set('tenant', tenant);
  try {
    const res = await fetch(`/api/v1/analytics/summary?${params}`, { headers: { authorization: `Bearer ${key}` } });
    const text = await res.text();
    if (!res.ok) {
      $('state').textContent = `error ${res.status}: ${JSON.parse(text)?.error?.message ?? text}`;
      if (res.status === 401) sessionStorage.removeItem(KEY), showLogin();
      return;
    }
    $('state').textContent = `updated ${new Date().toLocaleTimeString()}`;
    if (text !== lastBody) {
      lastBody = text;
      render(JSON.parse(text));
    }
  } catch (error) {
    $('state').textContent = `offline: ${(error as Error).message}`;
  }
}

function showLogin(): void {
  $('login').hidden = false;
  $('board').hidden = true;
}

function start(): void {
  $('login').hidden = true;
  $('board').hidden = false;
  const to = new Date();
  $<HTMLInputElement>('to').value ||= isoDay(to);
  $<HTMLInputElement>('from').value ||= isoDay(new Date(to.getTime() - 6 * 86_400_000));
  const params = new URLSearchParams(location.search);
  for (const f of ['from', 'to', 'tenant', 'zone']) if (params.get(f)) ($(f) as HTMLInputElement).value = params.get(f)!;
  for (const f of ['from', 'to', 'tenant', 'zone']) $(f).addEventListener('change', () => ((lastBody = ''), void refresh()));
  void refresh();
  window.clearInterval(timer);
  timer = window.setInterval(() => void refresh(), REFRESH_MS);
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $<HTMLInputElement>('key').value.trim());
  start();
});
if (takeKey()) start();
else showLogin();
