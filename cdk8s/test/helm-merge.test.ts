import { parse } from 'yaml';
import { ValueMarkers } from '../src/helm/markers';
import { emit, merge } from '../src/helm/merge';
import { renderDoc } from '../src/helm/templates';

/** Evaluates the few template forms the generator emits, for one profile and a values object. */
function evaluate(template: string, profile: 'dev' | 'prod'): unknown {
  const lines: string[] = [];
  const stack: boolean[] = [];
  for (const line of template.split('\n')) {
    const m = /^\{\{- (if eq \.Values\.profile "(\w+)"|else|end) \}\}$/.exec(line);
    if (m?.[2]) stack.push(m[2] === profile);
    else if (m?.[1] === 'else') stack.push(!stack.pop());
    else if (m?.[1] === 'end') stack.pop();
    else if (stack.every(Boolean)) lines.push(line);
  }
  return parse(lines.join('\n'));
}

describe('Helm template generation', () => {
  it('when a value is a marker, then it renders as a .Values expression of the right type', () => {
    const markers = new ValueMarkers();
    const v = markers.markerize({ image: { repository: 'r', tag: 't' }, workers: { 'a-b': { max: 3 } }, on: true }, (p) => p[0] === 'on');
    expect(v.on).toBe(true);
    const yaml = renderDoc({ image: `${v.image.repository}:${v.image.tag}`, max: v.workers['a-b'].max, text: markers.asText(v.workers['a-b'].max) }, markers);
    expect(yaml).toContain('image: {{ toJson (print (toString .Values.image.repository) ":" (toString .Values.image.tag)) }}');
    expect(yaml).toContain('max: {{ toJson (index .Values "workers" "a-b" "max") }}');
    expect(yaml).toContain('text: {{ toJson (toString (index .Values "workers" "a-b" "max")) }}');
  });

  it('when literal braces appear, then they are escaped for Helm', () => {
    expect(renderDoc({ summary: 'lag on {{ $labels.topic }}' }, new ValueMarkers())).toBe('summary: lag on {{ "{{" }} $labels.topic {{ "}}" }}\n');
  });

  it('when dev and prod differ in scalars, keys and list items, then each profile evaluates back to its own object', () => {
    const dev = { kind: 'X', spec: { replicas: 1, env: [{ name: 'A' }, { name: 'C' }], rules: [{ ports: [1], to: ['m'] }] } };
    const prod = { kind: 'X', spec: { replicas: 3, env: [{ name: 'A' }, { name: 'B' }, { name: 'C' }], rules: [{ ports: [1] }], spread: { k: 'z' } } };
    const template = emit(merge(dev, prod), (v) => renderDoc(v, new ValueMarkers()));
    expect(evaluate(template, 'dev')).toEqual(dev);
    expect(evaluate(template, 'prod')).toEqual(prod);
    expect(template.match(/kind: X/g)).toHaveLength(1);
  });
});
