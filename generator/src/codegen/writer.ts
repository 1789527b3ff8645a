import { compareNames } from './naming.js';

/**
 * A line printer for generated code, in the manner of protobuf-es' GeneratedFile: code is written
 * line by line with explicit indentation, imports are collected while printing and rendered once,
 * sorted, so no emitter concatenates import lists by hand. Output is deterministic: the same calls
 * give the same bytes.
 */
export class CodeWriter {
  private readonly lines: string[] = [];
  private depth = 0;
  /** Indentation strings by depth, built once (not one `repeat` per line). */
  private readonly pads: string[] = [''];

  constructor(private readonly indentUnit: string) {}

  /** One line at the current indentation (an empty string gives an empty line). */
  line(text = ''): this {
    if (text === '') this.lines.push('');
    else {
      let pad = this.pads[this.depth];
      if (pad === undefined) {
        pad = this.indentUnit.repeat(this.depth);
        this.pads[this.depth] = pad;
      }
      this.lines.push(pad + text);
    }
    return this;
  }

  /** Several lines, each at the current indentation. */
  all(texts: readonly string[]): this {
    for (const t of texts) this.line(t);
    return this;
  }

  /** `open`, the body one level deeper, then `close`. */
  block(open: string, body: () => void, close = '}'): this {
    this.line(open);
    this.depth++;
    body();
    this.depth--;
    return this.line(close);
  }

  indent(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** An empty line unless the last one is empty already (or nothing was written). */
  gap(): this {
    const last = this.lines[this.lines.length - 1];
    if (last !== undefined && last !== '') this.lines.push('');
    return this;
  }

  toString(): string {
    let end = this.lines.length;
    while (end > 0 && this.lines[end - 1] === '') end--;
    if (end === 0) return '';
    return `${(end === this.lines.length ? this.lines : this.lines.slice(0, end)).join('\n')}\n`;
  }
}

/** TypeScript imports collected while printing: `import { a, b } from 'm'`, `import * as x from 'm'`. */
export class TsImports {
  private readonly named = new Map<string, Set<string>>();
  private readonly typeOnly = new Map<string, Set<string>>();
  private readonly namespaces = new Map<string, string>();

  /** Returns `name`, so it can be used inline: `${imports.named('./x.js', 'Foo')}`. */
  value(from: string, name: string): string {
    let s = this.named.get(from);
    if (!s) this.named.set(from, (s = new Set()));
    s.add(name);
    return name;
  }

  type(from: string, name: string): string {
    let s = this.typeOnly.get(from);
    if (!s) this.typeOnly.set(from, (s = new Set()));
    s.add(name);
    return name;
  }

  namespace(from: string, alias: string): string {
    this.namespaces.set(from, alias);
    return alias;
  }

  render(): string[] {
    const modules = new Set([...this.named.keys(), ...this.typeOnly.keys(), ...this.namespaces.keys()]);
    const out: string[] = [];
    for (const m of [...modules].sort(compareModules)) {
      const ns = this.namespaces.get(m);
      if (ns !== undefined) out.push(`import * as ${ns} from '${m}';`);
      const values = this.named.get(m);
      const types = [...(this.typeOnly.get(m) ?? [])].filter((t) => !values?.has(t));
      if (values && values.size > 0) {
        const parts = [...[...values].sort(), ...types.sort().map((t) => `type ${t}`)];
        out.push(`import { ${parts.join(', ')} } from '${m}';`);
      } else if (types.length > 0) {
        out.push(`import type { ${types.sort().join(', ')} } from '${m}';`);
      }
    }
    return out;
  }
}

/** Packages before relative modules, each group in byte order. */
function compareModules(a: string, b: string): number {
  const ra = a.startsWith('.');
  const rb = b.startsWith('.');
  if (ra !== rb) return ra ? 1 : -1;
  return compareNames(a, b);
}
