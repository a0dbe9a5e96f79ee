import { Link, useSearchParams } from '@remix-run/react';

/** Previous / next links that keep every other query parameter (filters, sort). */
export function Pagination({ page, pages, total, label = 'results' }: { page: number; pages: number; total: number; label?: string }) {
  const [params] = useSearchParams();
  const hrefFor = (p: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(p));
    return `?${next}`;
  };
  return (
    <nav className="pagination" aria-label="Pagination">
      <span className="muted">
        {total.toLocaleString('en-US')} {label} · page {page} of {pages}
      </span>
      {page > 1 ? <Link to={hrefFor(page - 1)} rel="prev">Previous</Link> : null}
      {page < pages ? <Link to={hrefFor(page + 1)} rel="next">Next</Link> : null}
    </nav>
  );
}
