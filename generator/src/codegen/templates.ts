import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

/**
 * The templates of `templates/`: Handlebars templates (file skeletons and repeated item shapes,
 * named in their target language: `ts/module.ts.hbs`), and static files copied verbatim after
 * their stamp (`ts/runtime.ts`, type-checked as it is). Templates only lay out text the emitters computed from the
 * IR: every value arrives already named and escaped for its language, and they are compiled with
 * `noEscape` because the output is code, not HTML.
 */
export class Templates {
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly hb = Handlebars.create();

  private readonly files = new Map<string, string>();

  constructor(readonly dir: string) {}

  /**
   * A static file of `templates/` (a real, type-checked source file such as `ts/runtime.ts`),
   * emitted verbatim after its stamp comment: `${comment} ${stamp}`, an empty line, the file.
   */
  copy(name: string, comment: string, stamp: string): string {
    let text = this.files.get(name);
    if (text === undefined) {
      text = readFileSync(join(this.dir, name), 'utf8');
      this.files.set(name, text);
    }
    return `${comment} ${stamp}\n\n${text}`;
  }

  render(name: string, context: object): string {
    let t = this.cache.get(name);
    if (!t) {
      const source = readFileSync(join(this.dir, name), 'utf8');
      t = this.hb.compile(source, { noEscape: true, strict: true });
      this.cache.set(name, t);
    }
    return t(context);
  }
}

/** Where the templates of this checkout are (kept here for callers of the Templates API). */
export { defaultTemplatesDir } from './locations.js';
