/**
 * Value markers let the cdk8s constructs render a Helm chart without knowing about Helm: every
 * leaf of PlatformValues is replaced by an opaque token (`HELMV0007`), the constructs place it
 * like any value, and the renderer turns each token into a `.Values` expression.
 */

const TOKEN = /HELM([VS])(\d{4})/g;
/** Marker paths under this root name Helm's built-in objects (`.Release.Namespace`), not `.Values`. */
const BUILTIN = '$builtin';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class ValueMarkers {
  private readonly ids = new Map<string, number>();
  private readonly paths: (readonly string[])[] = [];
  /** Markers standing for numbers or booleans: placed in a string-typed field, they need `toString`. */
  private readonly nonText = new Set<number>();

  /** Markers standing for a whole object or list (`nodeSelector`, `tolerations`...), rendered only when non-empty. */
  private readonly whole = new Set<number>();

  /**
   * A copy of `values` whose scalar leaves are markers, except where `keep(path)` holds; where
   * `whole(path)` holds, the object or list is one marker (the template passes it through as JSON).
   */
  markerize<T>(values: T, keep: (path: readonly string[]) => boolean, whole: (path: readonly string[]) => boolean = () => false): T {
    const walk = (value: unknown, path: string[]): unknown => {
      if (keep(path)) return value;
      if (whole(path)) {
        const marker = this.marker(path);
        this.whole.add(Number(marker.slice(5)));
        return marker;
      }
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
      }
      if (Array.isArray(value)) throw new Error(`values.${path.join('.')}: arrays cannot be templated`);
      const marker = this.marker(path);
      if (typeof value !== 'string') this.nonText.add(Number(marker.slice(5)));
      return marker;
    };
    return walk(values, []) as T;
  }

  /** A marker for `.Release.Namespace`: the constructs place it like any namespace string. */
  releaseNamespace(): string {
    return this.marker([BUILTIN, 'Release', 'Namespace']);
  }

  /**
   * `text` for a field Kubernetes types as a string (KEDA trigger metadata, env values): a lone marker
   * of a number becomes its string-typed twin, so the template renders `"500"`, not `500`.
   */
  asText(value: string | number | boolean): string {
    const text = String(value);
    const lone = /^HELMV(\d{4})$/.exec(text);
    return lone && this.nonText.has(Number(lone[1])) ? `HELMS${lone[1]}` : text;
  }

  /** The `.Values` expression when `text` is a lone whole-value marker. */
  wholeExpression(text: string): string | undefined {
    const lone = /^HELMV(\d{4})$/.exec(text);
    return lone && this.whole.has(Number(lone[1])) ? this.expression(this.pathOf(Number(lone[1]))) : undefined;
  }

  /** True when `text` holds at least one marker. */
  static has(text: string): boolean {
    return new RegExp(TOKEN.source).test(text);
  }

  /**
   * The Go-template action that renders `text` as a YAML scalar: a lone marker renders the value
   * itself (`toJson` keeps numbers numbers and quotes strings); text around markers is concatenated.
   */
  template(text: string): string {
    const parts: { readonly literal?: string; readonly path?: readonly string[]; readonly asString?: boolean }[] = [];
    let last = 0;
    for (const m of text.matchAll(TOKEN)) {
      const index = m.index ?? 0;
      if (index > last) parts.push({ literal: text.slice(last, index) });
      parts.push({ path: this.pathOf(Number(m[2])), asString: m[1] === 'S' });
      last = index + m[0].length;
    }
    if (last < text.length) parts.push({ literal: text.slice(last) });
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only?.path) {
      const expr = this.expression(only.path);
      return `{{ toJson ${only.asString ? `(toString ${expr})` : expr} }}`;
    }
    const operands = parts.map((p) => (p.path ? `(toString ${this.expression(p.path)})` : JSON.stringify(p.literal)));
    return `{{ toJson (print ${operands.join(' ')}) }}`;
  }

  /** `.Values.a.b` or `(index .Values "a" "b-c")` for the marker's path. */
  expression(path: readonly string[]): string {
    if (path[0] === BUILTIN) return `.${path.slice(1).join('.')}`;
    return path.every((p) => IDENTIFIER.test(p))
      ? `.Values.${path.join('.')}`
      : `(index .Values ${path.map((p) => JSON.stringify(p)).join(' ')})`;
  }

  private pathOf(id: number): readonly string[] {
    const path = this.paths[id];
    if (!path) throw new Error(`unknown value marker ${id}`);
    return path;
  }

  private marker(path: readonly string[]): string {
    const key = JSON.stringify(path);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.paths.length;
      if (id > 9999) throw new Error('too many value markers');
      this.ids.set(key, id);
      this.paths.push(path);
    }
    return `HELMV${String(id).padStart(4, '0')}`;
  }
}
