/**
 * Merges the dev and prod renderings of one manifest into one template: identical subtrees are
 * written once, differing fields become `{{- if eq .Values.profile "prod" }}` blocks.
 */
import type { ProfileName } from '@medlives/topology';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';

type Node =
  | { readonly t: 'same'; readonly v: unknown }
  | { readonly t: 'map'; readonly entries: readonly (readonly [string, Node])[] }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'choice'; readonly dev: unknown; readonly prod: unknown }
  | { readonly t: 'only'; readonly profile: ProfileName; readonly v: unknown };

/** Renders a plain value (which may hold value markers) as YAML text. */
export type PureRenderer = (value: unknown) => string;

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Entries that start with a plain `key:` line may lead a sequence item; conditional ones may not. */
const leads = (n: Node) => n.t === 'same' || n.t === 'map' || n.t === 'seq';

export function merge(dev: unknown, prod: unknown): Node {
  if (isDeepStrictEqual(dev, prod)) return { t: 'same', v: dev };
  if (isMap(dev) && isMap(prod)) {
    const entries: [string, Node][] = [];
    for (const [k, v] of Object.entries(dev)) {
      entries.push([k, k in prod ? merge(v, prod[k]) : { t: 'only', profile: 'dev', v }]);
    }
    for (const [k, v] of Object.entries(prod)) if (!(k in dev)) entries.push([k, { t: 'only', profile: 'prod', v }]);
    // Stable partition: plain keys first, so a merged mapping inside a list opens with a key line.
    return { t: 'map', entries: [...entries.filter(([, n]) => leads(n)), ...entries.filter(([, n]) => !leads(n))] };
  }
  if (Array.isArray(dev) && Array.isArray(prod)) return { t: 'seq', items: mergeSeq(dev, prod) };
  return { t: 'choice', dev, prod };
}

function mergeSeq(dev: readonly unknown[], prod: readonly unknown[]): Node[] {
  const split = (d: unknown, p: unknown): Node[] => [
    { t: 'only', profile: 'dev', v: d },
    { t: 'only', profile: 'prod', v: p },
  ];
  if (dev.length === prod.length) {
    return dev.flatMap((d, i) => {
      const n = merge(d, prod[i]);
      return n.t === 'same' || (n.t === 'map' && n.entries.some(([, e]) => leads(e))) ? [n] : split(d, prod[i]);
    });
  }
  // Different lengths (an env var only prod has): align equal items, keep the rest per profile.
  const lcs = Array.from({ length: dev.length + 1 }, () => new Array<number>(prod.length + 1).fill(0));
  for (let i = dev.length - 1; i >= 0; i--) {
    for (let j = prod.length - 1; j >= 0; j--) {
      const row = lcs[i] ?? [];
      row[j] = isDeepStrictEqual(dev[i], prod[j]) ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: Node[] = [];
  let i = 0;
  let j = 0;
  while (i < dev.length || j < prod.length) {
    if (i < dev.length && j < prod.length && isDeepStrictEqual(dev[i], prod[j])) {
      out.push({ t: 'same', v: dev[i++] });
      j++;
    } else if (j >= prod.length || (i < dev.length && (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      out.push({ t: 'only', profile: 'dev', v: dev[i++] });
    } else {
      out.push({ t: 'only', profile: 'prod', v: prod[j++] });
    }
  }
  return out;
}

const IF_PROD = '{{- if eq .Values.profile "prod" }}';
const ifProfile = (p: ProfileName) => `{{- if eq .Values.profile ${JSON.stringify(p)} }}`;

/** Template lines for a merged node; template actions sit on their own lines and chomp the newline before them. */
export function emit(node: Node, pure: PureRenderer): string {
  const indented = (value: unknown, indent: number): string[] =>
    pure(value)
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => (l ? ' '.repeat(indent) + l : l));
  const key = (k: string) => stringify(k).trimEnd();

  /** Consecutive conditional parts become one if/else block: prod lines, then dev lines. */
  const branches = (run: { prod: string[]; dev: string[] }): string[] => {
    if (!run.prod.length && !run.dev.length) return [];
    if (!run.dev.length) return [ifProfile('prod'), ...run.prod, '{{- end }}'];
    if (!run.prod.length) return [ifProfile('dev'), ...run.dev, '{{- end }}'];
    return [IF_PROD, ...run.prod, '{{- else }}', ...run.dev, '{{- end }}'];
  };
  const map = (entries: readonly (readonly [string, Node])[], indent: number): string[] => {
    const pad = ' '.repeat(indent);
    const out: string[] = [];
    let run = { prod: [] as string[], dev: [] as string[] };
    for (const [k, n] of entries) {
      if (n.t === 'choice' || n.t === 'only') {
        if (n.t === 'choice' || n.profile === 'prod') run.prod.push(...indented({ [k]: n.t === 'choice' ? n.prod : n.v }, indent));
        if (n.t === 'choice' || n.profile === 'dev') run.dev.push(...indented({ [k]: n.t === 'choice' ? n.dev : n.v }, indent));
        continue;
      }
      out.push(...branches(run));
      run = { prod: [], dev: [] };
      if (n.t === 'same') out.push(...indented({ [k]: n.v }, indent));
      else out.push(`${pad}${key(k)}:`, ...(n.t === 'map' ? map(n.entries, indent + 2) : seq(n.items, indent + 2)));
    }
    return [...out, ...branches(run)];
  };
  const seq = (items: readonly Node[], indent: number): string[] => {
    const out: string[] = [];
    let run = { prod: [] as string[], dev: [] as string[] };
    for (const n of items) {
      if (n.t === 'only') {
        run[n.profile].push(...indented([n.v], indent));
        continue;
      }
      out.push(...branches(run));
      run = { prod: [], dev: [] };
      if (n.t === 'same') {
        out.push(...indented([n.v], indent));
      } else if (n.t === 'map') {
        const lines = map(n.entries, indent + 2);
        const first = lines[0] ?? '';
        out.push(`${' '.repeat(indent)}- ${first.slice(indent + 2)}`, ...lines.slice(1));
      } else {
        throw new Error(`cannot emit a ${n.t} as a list item`);
      }
    }
    return [...out, ...branches(run)];
  };

  if (node.t === 'same') return indented(node.v, 0).join('\n') + '\n';
  if (node.t !== 'map') throw new Error(`a manifest must be a mapping, got ${node.t}`);
  return map(node.entries, 0).join('\n') + '\n';
}
