import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { Fragment } from 'react';

import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { LocalTime } from '#app/components/local-time';
import { getOutboxMessage, isDemoMode, listOutbox, OutboxQuerySchema } from '#app/email/email.server';
import { plural } from '#app/utils/format';
import { notFound } from '#app/utils/forms.server';

const PER_PAGE = 25;
// Kept in sync with EMAIL_STATES in models/email-message.ts (not imported: models stay server-only).
const STATES = ['queued', 'sending', 'sent', 'failed', 'captured'] as const;
const BADGE: Record<string, string> = { sent: 'ok', sending: 'warn', queued: 'muted', captured: 'muted', failed: 'bad' };

export const meta: MetaFunction = () => [{ title: 'Email outbox · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'outbox.view' });
  const url = new URL(request.url);
  const query = OutboxQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) throw new Response('That outbox filter is not valid.', { status: 400 });
  const { page, state, message, to } = query.data;
  const [list, selected] = await Promise.all([listOutbox({ page, perPage: PER_PAGE, state, to }), message ? getOutboxMessage({ id: message }) : null]);
  if (message && !selected) notFound('That email');
  return { ...list, state: state ?? null, to: to ?? null, selected, demo: isDemoMode() };
}

// http(s) addresses in the text version; trailing punctuation stays text ("see https://x.example.").
const URL_IN_TEXT = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/g;

/** The text version with its links clickable (opened in a new tab, no referrer). */
function LinkedText({ text }: { text: string }) {
  const parts = text.split(URL_IN_TEXT);
  return (
    <pre className="email-text">
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} target="_blank" rel="noopener noreferrer">
            {part}
          </a>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </pre>
  );
}

export default function Outbox() {
  const { messages, total, page, pageCount, state, to, selected, demo } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const href = (changes: Record<string, string | number | null>) => {
    const params = new URLSearchParams();
    const merged = { state, to, page: page > 1 ? page : null, ...changes };
    for (const [key, value] of Object.entries(merged)) if (value !== null) params.set(key, String(value));
    const search = params.toString();
    return search ? `/admin/outbox?${search}` : '/admin/outbox';
  };

  return (
    <>
      <div className="page-header">
        <h1>Email outbox</h1>
        {demo ? (
          <span className="badge warn" title="RESEND_API_KEY is not set">
            Demo mode: emails are captured here, not sent
          </span>
        ) : null}
      </div>
      <p className="muted" id="outbox-links-note">
        Links that open a buyer’s survey, plan or unsubscribe page are kept only until the email is sent: once it is sent (or has failed for good), they are masked, e.g.{' '}
        <code>/s/…Ab3d</code>.{demo ? ' In demo mode captured emails keep working links, so you can follow them from here.' : ''}
      </p>

      <Form method="get" className="toolbar">
        <div className="field">
          <label htmlFor="state">State</label>
          <select id="state" name="state" defaultValue={state ?? ''}>
            <option value="">All states</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="to">Recipient</label>
          <input id="to" name="to" type="search" defaultValue={to ?? ''} placeholder="name@example.com" maxLength={254} />
        </div>
        <button type="submit" className="secondary" disabled={navigation.state === 'loading'}>
          Filter
        </button>
        {state || to ? <Link to="/admin/outbox">Clear</Link> : null}
      </Form>

      {selected ? (
        <section className="panel" aria-labelledby="message-subject">
          <div className="page-header">
            <h2 id="message-subject">{selected.subject}</h2>
            <Link to={href({ message: null })}>Close</Link>
          </div>
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <span className={`badge ${BADGE[selected.state]}`}>{selected.state}</span>
            </dd>
            <dt>To</dt>
            <dd>{selected.to}</dd>
            <dt>From</dt>
            <dd>{selected.from}</dd>
            {selected.replyTo ? (
              <>
                <dt>Reply-To</dt>
                <dd>{selected.replyTo}</dd>
              </>
            ) : null}
            <dt>Template</dt>
            <dd>{selected.template}</dd>
            <dt>Idempotency key</dt>
            <dd>
              <code>{selected.idempotencyKey}</code>
            </dd>
            <dt>Created</dt>
            <dd>
              <LocalTime iso={selected.createdAt} />
            </dd>
            <dt>Sent</dt>
            <dd>
              <LocalTime iso={selected.sentAt} />
            </dd>
            <dt>Attempts</dt>
            <dd>{selected.attempts}</dd>
            {selected.providerId ? (
              <>
                <dt>Resend id</dt>
                <dd>
                  <code>{selected.providerId}</code>
                </dd>
              </>
            ) : null}
            {selected.lastError ? (
              <>
                <dt>Last error</dt>
                <dd>{selected.lastError}</dd>
              </>
            ) : null}
            {Object.entries(selected.headers).map(([name, value]) => (
              <Fragment key={name}>
                <dt>{name}</dt>
                <dd>
                  <code>{value}</code>
                </dd>
              </Fragment>
            ))}
            {selected.events.length ? (
              <>
                <dt>Delivery events</dt>
                <dd>
                  {selected.events.map((e, i) => (
                    <span key={i}>
                      {i ? ', ' : ''}
                      {e.type} (<LocalTime iso={e.at} />)
                    </span>
                  ))}
                </dd>
              </>
            ) : null}
          </dl>
          <h3>As the recipient sees it</h3>
          {selected.linksMasked ? (
            <p className="muted">
              Buyer links are masked (<code>/s/…</code>, <code>/u/…</code>, <code>/plan/…</code>): the recipient received the working ones, Kept does not keep them.
            </p>
          ) : null}
          {/* sandbox="" : no scripts, no forms, no same-origin access; the email cannot touch Kept. */}
          <iframe className="email-preview" title={`HTML version of “${selected.subject}”`} sandbox="" srcDoc={selected.html} />
          <h3>Text version</h3>
          <LinkedText text={selected.text} />
        </section>
      ) : null}

      <div className="table-wrap">
        {messages.length === 0 ? (
          <p className="empty">{to ? `No ${state ? `${state} ` : ''}emails to an address containing “${to}”.` : state ? `No ${state} emails.` : 'No emails yet.'}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Created</th>
                <th>To</th>
                <th>Subject</th>
                <th>Template</th>
                <th>State</th>
                <th className="num">Attempts</th>
                <th>Next attempt / error</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr key={m.id}>
                  <td>
                    <LocalTime iso={m.createdAt} />
                  </td>
                  <td>{m.to}</td>
                  <td>
                    <Link to={href({ message: m.id })} aria-current={selected?.id === m.id ? 'true' : undefined}>
                      {m.subject}
                    </Link>
                  </td>
                  <td>{m.template}</td>
                  <td>
                    <span className={`badge ${BADGE[m.state]}`}>{m.state}</span>
                  </td>
                  <td className="num">{m.attempts}</td>
                  <td>
                    {m.lastError ? <span className="muted">{m.lastError}</span> : null}
                    {m.state === 'queued' && m.nextAttemptAt ? (
                      <div>
                        <LocalTime iso={m.nextAttemptAt} />
                      </div>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <nav className="pagination" aria-label="Outbox pages">
        <span className="muted">
          {plural(total, 'email')} · page {page} of {pageCount}
        </span>
        {page > 1 ? <Link to={href({ page: page - 1, message: null })}>Newer</Link> : null}
        {page < pageCount ? <Link to={href({ page: page + 1, message: null })}>Older</Link> : null}
      </nav>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
