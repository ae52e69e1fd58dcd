import type { Express } from 'express';

interface Layer {
  name: string;
  regexp: RegExp & { fast_slash?: boolean };
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** A mounted router's path prefix, read back from the pattern Express 4 compiled it to (`/^\/api\/v1\/?(?=\/|$)/i`). */
function prefixOf(layer: Layer): string {
  if (layer.regexp.fast_slash) return '';
  const source = layer.regexp.source.replace(/^\^/, '').replace(/\\\/\?\(\?=\\\/\|\$\)$/, '');
  if (/[()[\]*+?]/.test(source.replace(/\\\//g, ''))) throw new Error(`a mount path with parameters is not supported here: ${layer.regexp}`);
  return source.replace(/\\\//g, '/');
}

/**
 * Every route the app registers, as `METHOD /full/path` with parameters in OpenAPI's braces, read from
 * Express's own router stack: what the app really serves, not a list someone keeps by hand.
 */
export function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of ([] as string[]).concat(layer.route.path)) {
          for (const method of Object.keys(layer.route.methods)) {
            if (method === '_all') continue;
            found.push(`${method.toUpperCase()} ${(prefix + path).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
          }
        }
      } else if (layer.name === 'router' && layer.handle.stack) {
        walk(layer.handle.stack, prefix + prefixOf(layer));
      }
    }
  };
  walk((app as unknown as { _router: { stack: Layer[] } })._router.stack, '');
  return [...new Set(found)].sort();
}
