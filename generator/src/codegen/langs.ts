/**
 * The registry of the languages hms-gen emits, each into its own subdirectory of the output
 * directory: what each one depends on and whether `generate` emits it by default. `Lang` is derived
 * from it; codegen/backends.ts binds each language to its backend. A light module on purpose: the
 * CLI's warm-run path reads it without loading any backend.
 */

interface Language {
  readonly lang: string;
  /**
   * The languages whose output this one reads (C: the Rust agent library cbindgen reads; JavaScript:
   * the TypeScript modules tsc compiles). They run first; when not selected they run anyway, into
   * a scratch set that is never written.
   */
  readonly dependsOn: readonly string[];
  /** Emitted unless `--lang` says otherwise. */
  readonly byDefault: boolean;
}

/** Every language, in the order the backends run (a language after those it depends on). */
export const LANGUAGES = [
  { lang: 'rust', dependsOn: [], byDefault: true },
  { lang: 'ts', dependsOn: [], byDefault: true },
  { lang: 'c', dependsOn: ['rust'], byDefault: true },
  { lang: 'js', dependsOn: ['ts'], byDefault: false },
] as const satisfies readonly Language[];

/** Languages hms-gen emits. */
export type Lang = (typeof LANGUAGES)[number]['lang'];

// A dependency names a registered language.
type Dependency = (typeof LANGUAGES)[number]['dependsOn'][number];
const dependenciesAreLanguages: [Dependency] extends [Lang] ? true : never = true;
void dependenciesAreLanguages;

export const LANGS: readonly Lang[] = LANGUAGES.map((l) => l.lang);
/** What `generate` emits unless `--lang` says otherwise (`js`, compiled from `ts`, on request). */
export const DEFAULT_LANGS: readonly Lang[] = LANGUAGES.filter((l) => l.byDefault).map((l) => l.lang);

const DEPENDS_ON: ReadonlyMap<Lang, readonly Lang[]> = new Map(LANGUAGES.map((l) => [l.lang, l.dependsOn]));

/** `langs` with every language they depend on, transitively, in registry (run) order. */
export function withDependencies(langs: readonly Lang[]): Lang[] {
  const needed = new Set<Lang>();
  const add = (l: Lang): void => {
    if (needed.has(l)) return;
    needed.add(l);
    for (const d of DEPENDS_ON.get(l) ?? []) add(d);
  };
  for (const l of langs) add(l);
  return LANGS.filter((l) => needed.has(l));
}
