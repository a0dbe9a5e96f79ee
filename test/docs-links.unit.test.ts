// Every relative link in README.md and docs/**/*.md points at a file of this repository, and a
// link to a heading (`page.md#heading`) names a heading that page has. Moving a section between
// pages breaks links silently; this names each broken one.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return markdownFiles(file);
    return name.endsWith('.md') ? [file] : [];
  });
}

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string) {
  return markdown
    .split(/^```.*$/m)
    .filter((_, i) => i % 2 === 0)
    .join('\n')
    .replace(/`[^`\n]*`/g, '``');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string) {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** The anchors of a page's headings (outside code blocks); a repeated heading gets `-1`, `-2`, ... */
function headingAnchors(file: string) {
  const outsideFences = readFileSync(file, 'utf8')
    .split(/^```.*$/m)
    .filter((_, i) => i % 2 === 0)
    .join('\n');
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of outsideFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

function brokenLinks(file: string) {
  const broken: string[] = [];
  const where = path.relative(ROOT, file);
  for (const match of prose(readFileSync(file, 'utf8')).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [pathPart, anchor] = target.split('#') as [string, string | undefined];
    const resolved = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
    if (!resolved.startsWith(ROOT + path.sep)) {
      broken.push(`${where}: ${target} leaves the repository`);
    } else if (!existsSync(resolved)) {
      broken.push(`${where}: ${target} (no such file)`);
    } else if (anchor !== undefined && resolved.endsWith('.md') && !headingAnchors(resolved).has(anchor)) {
      broken.push(`${where}: ${target} (no such heading)`);
    }
  }
  return broken;
}

const files = [path.join(ROOT, 'README.md'), ...markdownFiles(path.join(ROOT, 'docs'))];

describe('documentation links', () => {
  test('every relative link in README.md and docs/ points at an existing file and heading', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  test('every page under docs/ is linked from the README or another page', () => {
    const linked = new Set<string>();
    for (const file of files) {
      for (const match of prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)#\s]+)/g)) {
        linked.add(path.resolve(path.dirname(file), decodeURIComponent(match[1]!)));
      }
    }
    const orphans = files.filter((f) => f.includes(`${path.sep}docs${path.sep}`) && !linked.has(f)).map((f) => path.relative(ROOT, f));
    expect(orphans).toEqual([]);
  });
});
