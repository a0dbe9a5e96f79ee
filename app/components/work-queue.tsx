import { Link } from '@remix-run/react';
import type { ReactNode } from 'react';
import { formatMoney } from '#app/utils/format';
import { overdueLabel, WORK_KIND_LABELS, type WorkItem } from '#app/work/work-rules';

type Item = WorkItem & { snoozed?: { until: string; reason: string } };

/** The items of a work queue: what, account, ARR, how overdue, and the one thing to do. */
export function WorkItemList({ items, renderExtra }: { items: Item[]; renderExtra?: (item: Item) => ReactNode }) {
  return (
    <div className="table-wrap">
      <table data-testid="work-items">
        <thead>
          <tr>
            <th>What waits</th>
            <th>Account</th>
            <th className="num">ARR</th>
            <th>Overdue</th>
            <th>Next step</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={`${item.kind}:${item.itemId}`} data-kind={item.kind}>
              <td>
                <div className="muted">{WORK_KIND_LABELS[item.kind]}</div>
                {item.what}
              </td>
              <td>{item.accountId ? <Link to={`/accounts/${item.accountId}`}>{item.accountName}</Link> : item.accountName}</td>
              <td className="num">{formatMoney(item.arr, item.currency)}</td>
              <td>
                <span className={`badge ${item.daysOverdue >= 1 ? 'bad' : 'warn'}`}>{overdueLabel(item.daysOverdue)}</span>
              </td>
              <td>
                <Link className="button small" to={item.action.href}>
                  {item.action.label}
                </Link>
                {renderExtra ? renderExtra(item) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
