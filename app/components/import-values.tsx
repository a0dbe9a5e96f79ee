import { CODED_COLUMNS } from '#app/deals/import-rules';

/** The coded columns of an import, the values each accepts (code or label, any case) and what an empty cell means. */
export function AllowedValues() {
  return (
    <div className="table-wrap">
      <table className="compact">
        <caption className="sr-only">Allowed values of the coded columns</caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Allowed values (code, or its label in any case)</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {CODED_COLUMNS.map((c) => (
            <tr key={c.column}>
              <th scope="row">
                <code>{c.column}</code>
              </th>
              <td>
                {c.values.map((v, i) => (
                  <span key={v.code}>
                    {i ? ', ' : ''}
                    <code>{v.code}</code> <span className="muted">({v.label})</span>
                  </span>
                ))}
              </td>
              <td className="muted">{c.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
