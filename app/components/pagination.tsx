import { Link, useSearchParams } from '@remix-run/react';
import { plural } from '#app/utils/format';

/** Previous / next links that keep every other query parameter (filters, sort). */
/** `noun` is singular ('journey'); `nouns` only where adding an s is wrong. */
export function Pagination({ page, pages, total, noun = 'result', nouns }: { page: number; pages: number; total: number; noun?: string; nouns?: string }) {
  const [params] = useSearchParams();
  const hrefFor = (p: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(p));
    return `?${next}`;
  };
  return (
    <nav className="pagination" aria-label="Pagination">
      <span className="muted">
        {plural(total, noun, nouns)} · page {page} of {pages}
      </span>
      {page > 1 ? (
        <Link to={hrefFor(page - 1)} rel="prev">
          Previous
        </Link>
      ) : null}
      {page < pages ? (
        <Link to={hrefFor(page + 1)} rel="next">
          Next
        </Link>
      ) : null}
    </nav>
  );
}
