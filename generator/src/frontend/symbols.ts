/**
 * flatc's symbol tables: keyed by (partly) qualified name, with the lookup rule of
 * `LookupTableByName` (current namespace, then each enclosing one, then global).
 */

export class IndexedTable<V> {
  /**
   * Keys split at their last dot: namespace part → last name → value. Lookups of a plain name in
   * a known namespace then need no string building (names from the source are hashed once).
   */
  private readonly byNs = new Map<string, Map<string, V>>();
  /** Keys by their last name component: one key (the usual case) or several. */
  private readonly byLast = new Map<string, string | string[]>();

  /** The value under `ns.name` (`name` alone when `ns` is ''); `name` may itself be dotted. */
  getIn(ns: string, name: string): V | undefined {
    const dot = name.lastIndexOf('.');
    if (dot < 0) return this.byNs.get(ns)?.get(name);
    const head = name.slice(0, dot);
    return this.byNs.get(ns === '' ? head : `${ns}.${head}`)?.get(name.slice(dot + 1));
  }
  get(key: string): V | undefined {
    return this.getIn('', key);
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  set(key: string, v: V): void {
    const dot = key.lastIndexOf('.');
    const ns = dot < 0 ? '' : key.slice(0, dot);
    const last = dot < 0 ? key : key.slice(dot + 1);
    let names = this.byNs.get(ns);
    if (names === undefined) {
      names = new Map();
      this.byNs.set(ns, names);
    }
    if (!names.has(last)) {
      const keys = this.byLast.get(last);
      if (keys === undefined) this.byLast.set(last, key);
      else if (typeof keys === 'string') this.byLast.set(last, [keys, key]);
      else keys.push(key);
    }
    names.set(last, v);
  }
  delete(key: string): void {
    const dot = key.lastIndexOf('.');
    const ns = dot < 0 ? '' : key.slice(0, dot);
    const last = dot < 0 ? key : key.slice(dot + 1);
    if (this.byNs.get(ns)?.delete(last)) {
      const keys = this.byLast.get(last);
      if (keys === key) this.byLast.delete(last);
      else if (Array.isArray(keys)) {
        const rest = keys.filter((k) => k !== key);
        this.byLast.set(last, rest.length === 1 ? (rest[0] as string) : rest);
      }
    }
  }
  /** A key ends in `.name` or is `name` (`name` without dots). */
  hasLastPart(name: string): boolean {
    return this.byLast.has(name);
  }
  mayHave(name: string): boolean {
    return this.byLast.has(lastPart(name));
  }
  /**
   * flatc's LookupTableByName: `ns.name` for the current namespace `ns` and then each enclosing
   * one, then `name` globally. With `enclosing` (the namespace and its ancestors, innermost first,
   * for namespaces of usual depth) each candidate is probed directly; otherwise the keys ending in
   * `name` are matched, so the cost does not grow with the depth.
   */
  lookupFrom(ns: string, name: string, enclosing: readonly string[] | undefined): V | undefined {
    const keys = this.byLast.get(lastPart(name));
    if (keys === undefined) return undefined;
    if (enclosing !== undefined) {
      for (let k = 0; k < enclosing.length; k++) {
        const v = this.getIn(enclosing[k] as string, name);
        if (v !== undefined) return v;
      }
      return this.getIn('', name);
    }
    let best: string | undefined;
    let bestLen = -1;
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      if (key === name) {
        if (bestLen < 0) {
          best = key;
          bestLen = 0;
        }
        continue;
      }
      if (key.length <= name.length + 1 || !key.endsWith(name) || key.charCodeAt(key.length - name.length - 1) !== 46)
        continue;
      const prefixLen = key.length - name.length - 1;
      const encloses =
        (ns.length === prefixLen || (ns.length > prefixLen && ns.charCodeAt(prefixLen) === 46)) &&
        samePrefix(ns, key, prefixLen);
      if (encloses && prefixLen + 1 > bestLen) {
        best = key;
        bestLen = prefixLen + 1;
      }
    }
    return best === undefined ? undefined : this.get(best);
  }
}
function samePrefix(a: string, b: string, n: number): boolean {
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}
export function lastPart(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}
