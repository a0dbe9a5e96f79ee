// The route modules of app/routes as Remix's flat-routes convention sees them, and their URLs: the
// enumeration the access, injection and fuzzing specs (e2e) and the in-process schema fuzz (unit) share,
// so a new route module is covered by all of them. No vitest `inject` here: usable from both projects.
import fs from 'node:fs';
import path from 'node:path';

export const ROUTES_DIR = path.resolve(import.meta.dirname, '../app/routes');

/** Route modules as Remix's flat-routes convention sees them (the same walk as access.test.ts). */
export function routeModules() {
  const modules: { id: string; file: string; source: string }[] = [];
  for (const entry of fs.readdirSync(ROUTES_DIR, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    let file: string | undefined;
    if (entry.isDirectory()) {
      const inner = ['route.tsx', 'route.ts'].find((f) => fs.existsSync(path.join(ROUTES_DIR, entry.name, f)));
      if (inner) file = path.join(ROUTES_DIR, entry.name, inner);
    } else if (/\.(tsx?|jsx?)$/.test(entry.name) && !/\.test\.(tsx?|jsx?)$/.test(entry.name)) {
      file = path.join(ROUTES_DIR, entry.name);
    }
    if (file) modules.push({ id: entry.isDirectory() ? `${entry.name}/` : entry.name, file, source: fs.readFileSync(file, 'utf8') });
  }
  return modules.sort((a, b) => a.id.localeCompare(b.id));
}

export const exportsAction = (source: string) => /export\s+(async\s+)?function\s+action\b|export\s+const\s+action\b/.test(source);
export const exportsLoader = (source: string) => /export\s+(async\s+)?function\s+loader\b|export\s+const\s+loader\b/.test(source);

/** Splits a flat-routes file name on its dots, keeping `[...]`-escaped text (`issues[.]csv`) literal. */
function routeSegments(name: string) {
  const segments: string[] = [''];
  let escaped = false;
  for (const char of name) {
    if (char === '[' && !escaped) escaped = true;
    else if (char === ']' && escaped) escaped = false;
    else if (char === '.' && !escaped) segments.push('');
    else segments[segments.length - 1] += char;
  }
  return segments;
}

/** The URL of a route module: pathless segments dropped, `$param` filled from `params`. */
export function urlFor(id: string, params: Record<string, string>) {
  const segments = routeSegments(id.replace(/\/$/, '').replace(/\.(tsx?|jsx?)$/, ''))
    .filter((s) => !s.startsWith('_'))
    // A trailing underscore opts a segment out of nesting (`account_.tokens`); the URL has no underscore.
    .map((s) => s.replace(/_$/, ''))
    .map((s) => {
      if (s === '$') return 'no-such-page/anywhere';
      if (s.startsWith('$')) {
        const value = params[s.slice(1)];
        if (!value) throw new Error(`No value for the route parameter ${s} of ${id}.`);
        return value;
      }
      return s;
    });
  return `/${segments.join('/')}`;
}
