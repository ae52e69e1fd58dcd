import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';

type Render = (filePath: string, options: object, callback: (error: unknown, html?: string) => void) => void;

/**
 * Handlebars as the Express view engine. Templates get presenter output only (never a model, never a
 * secret); `{{…}}` escapes HTML. A page names its layout (`layout: 'connect'` by default, pages framed
 * by Jira; `'standalone'` for pages outside Jira). Templates are compiled once and kept.
 */
export function handlebarsEngine(viewsDir: string): Render {
  const handlebars = Handlebars.create();
  for (const file of readdirSync(join(viewsDir, 'partials')).filter((f) => f.endsWith('.hbs'))) {
    handlebars.registerPartial(basename(file, '.hbs'), readFileSync(join(viewsDir, 'partials', file), 'utf8'));
  }
  handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value ?? null));
  handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  const template = (file: string) => {
    let delegate = compiled.get(file);
    if (!delegate) {
      delegate = handlebars.compile(readFileSync(file, 'utf8'), { strict: false });
      compiled.set(file, delegate);
    }
    return delegate;
  };

  return (filePath, options, callback) => {
    try {
      const model = options as Record<string, unknown>;
      const body = template(filePath)(model);
      const layout = typeof model.layout === 'string' ? model.layout : 'connect';
      callback(null, template(join(viewsDir, 'layouts', `${layout}.hbs`))({ ...model, body }));
    } catch (error) {
      callback(error);
    }
  };
}
