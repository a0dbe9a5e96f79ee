// Promise: a batch of database round trips overlaps at most `size` at a time. Why it exists:
// FerretDB 1.24 reads an `_id` equality from its index but scans the collection for an `$in`, so
// a batch read is many `_id` reads, a few at once; the same pool keeps MongoDB's connection pool
// from being flooded (docs/decisions/0006-ferretdb-with-four-patches.md, docs/mongodb.md).

/** Runs `run` over `items` with at most `size` at once (overlaps database round trips without flooding the database). */
export async function inPool<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

/**
 * Reads each distinct id with `read` (a lookup by `_id`), `size` at once, and returns what was
 * found in the order of `ids`: the batch read FerretDB serves from its index, where one `$in`
 * query would scan the collection. `seen` keeps what a run already read (each id is read once).
 */
export async function readEachById<T>(ids: unknown[], read: (id: string) => Promise<T | null>, { size, seen = new Map() }: { size: number; seen?: Map<string, T | null> }) {
  const distinct = [...new Set(ids.map(String))];
  await inPool(
    distinct.filter((id) => !seen.has(id)),
    size,
    async (id) => void seen.set(id, await read(id)),
  );
  return distinct.flatMap((id) => (seen.get(id) ? [seen.get(id)!] : []));
}
