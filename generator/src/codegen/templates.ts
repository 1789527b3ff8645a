import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

/**
 * The Handlebars templates of `templates/` (file skeletons and repeated item shapes, named in their
 * target language: `ts/module.ts.hbs`). Templates only lay out text the emitters computed from the
 * IR: every value arrives already named and escaped for its language, and they are compiled with
 * `noEscape` because the output is code, not HTML.
 */
export class Templates {
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly hb = Handlebars.create();

  constructor(readonly dir: string) {}

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
