// Feedback where the person is looking: a page with several forms shows each form's result (success
// message or error summary) inside that form, next to its button, instead of at the top of the page.
//
// Without JavaScript the form posts normally; the action echoes the hidden `_form` field back as
// `form`, so only the form that was used shows the result, and the form's action URL ends in
// `#<anchor>`, so the browser scrolls to it. With JavaScript each form submits through its own
// fetcher: the page stays where it is, a form that succeeded is emptied, and after a refusal focus
// moves to the error summary, whose items link to the fields. See docs/forms-and-feedback.md.
import { useActionData, useFetcher, useLocation } from '@remix-run/react';
import { useCallback, useEffect, useRef, useState, type FormHTMLAttributes, type MouseEvent, type ReactNode } from 'react';
import { FORM_ID_FIELD } from '#app/utils/form-feedback';

export { FORM_ID_FIELD };

/** An action's answer to one form. */
export type FormResult = {
  form?: string;
  ok: boolean;
  message?: string;
  /** Field errors keyed by field name; "" for errors about the whole form. */
  errors?: Record<string, string[] | undefined>;
  /** What the user sent, to keep in the fields after a refusal. */
  values?: Record<string, string>;
  /** Items the refusal is about that are not fields (e.g. criteria a gate waits for). */
  missing?: { key: string; text: string }[];
};

export type FormFeedbackState = ReturnType<typeof useFormFeedback>;

/**
 * The state of one form of the page: its fetcher, its latest result (from the fetcher, or from the
 * action data of a no-JavaScript submission naming this form) and the refs that move focus.
 * `anchor` is the element the browser scrolls to after a no-JavaScript submission (default: the form);
 * `reset: false` keeps a form's values after success (a form of settings showing what is now saved:
 * React applies a changed `defaultValue` of a select only at mount, so a reset would show the old one).
 */
export function useFormFeedback(id: string, options: { anchor?: string; reset?: boolean } = {}) {
  const location = useLocation();
  // Keyed by page too: the same route component stays mounted when only the URL's id changes.
  const fetcher = useFetcher<FormResult>({ key: `${location.pathname}#${id}` });
  const actionData = useActionData() as FormResult | undefined;
  const result: FormResult | undefined = (fetcher.data as FormResult | undefined) ?? (actionData?.form === id ? actionData : undefined);
  const [editedAfter, setEditedAfter] = useState<FormResult | undefined>(undefined);
  const formRef = useRef<HTMLFormElement>(null);
  const messageRef = useRef<HTMLParagraphElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const emptied = useRef<FormResult | undefined>(undefined);
  const focused = useRef<FormResult | undefined>(undefined);
  const busy = fetcher.state !== 'idle';

  useEffect(() => {
    // Emptied as soon as the success is in, so a second click cannot record the same thing twice.
    if (!result?.ok || emptied.current === result) return;
    emptied.current = result;
    if (options.reset !== false) formRef.current?.reset();
  }, [result, options.reset]);

  useEffect(() => {
    // Focus moves once the page has settled (after the loaders re-ran), so it lands on what stays.
    if (!result || busy || focused.current === result) return;
    focused.current = result;
    if (!result.ok) return summaryRef.current?.focus();
    const focusWasHere = !document.activeElement || document.activeElement === document.body || Boolean(formRef.current?.contains(document.activeElement));
    if (focusWasHere) messageRef.current?.focus();
  }, [result, busy]);

  const field = useCallback(
    (name: string, fallback?: string) => ({
      id: `${id}-${name}`,
      name,
      errors: result && !result.ok ? result.errors?.[name] : undefined,
      defaultValue: (result && !result.ok ? result.values?.[name] : undefined) ?? fallback,
    }),
    [id, result],
  );

  return {
    id,
    fetcher,
    busy,
    /** The result to show: a success message disappears once the person edits the form again. */
    result: result && !(result.ok && editedAfter === result) ? result : undefined,
    action: `${location.pathname}${location.search}#${options.anchor ?? id}`,
    formRef,
    messageRef,
    summaryRef,
    onEdit: () => setEditedAfter(result),
    /** Props for a Field/SelectField/TextareaField: a stable id (the summary links to it), errors, kept value. */
    field,
  };
}

type FeedbackFormProps = {
  feedback: FormFeedbackState;
  children: ReactNode;
  /** Where the criterion-like `missing` items of a refusal link to. */
  missingHref?: (key: string) => string;
  /** False when the page shows <FormFeedback> elsewhere (e.g. the form disappears on success). */
  showFeedback?: boolean;
  /** More for the success message, e.g. a link to what was recorded (rendered inside it). */
  successDetail?: (result: FormResult) => ReactNode;
} & Omit<FormHTMLAttributes<HTMLFormElement>, 'method' | 'action' | 'children' | 'id' | 'encType'>;

/** A POST form of the page with its own fetcher; its result appears at its end, next to its button. */
export function FeedbackForm({ feedback: f, children, missingHref, showFeedback = true, successDetail, ...rest }: FeedbackFormProps) {
  return (
    <f.fetcher.Form method="post" action={f.action} id={f.id} ref={f.formRef} onInput={f.onEdit} {...rest}>
      <input type="hidden" name={FORM_ID_FIELD} value={f.id} />
      {children}
      {showFeedback ? <FormFeedback feedback={f} missingHref={missingHref} successDetail={successDetail} /> : null}
    </f.fetcher.Form>
  );
}

/** The success message or the error summary of one form. */
export function FormFeedback({
  feedback: f,
  missingHref,
  successDetail,
}: {
  feedback: FormFeedbackState;
  missingHref?: (key: string) => string;
  successDetail?: (result: FormResult) => ReactNode;
}) {
  const r = f.result;
  if (!r) return null;
  if (r.ok) {
    return r.message ? (
      <p className="notice form-feedback" role="status" tabIndex={-1} ref={f.messageRef}>
        {r.message}
        {successDetail ? <> {successDetail(r)}</> : null}
      </p>
    ) : null;
  }
  const fieldItems = Object.entries(r.errors ?? {}).flatMap(([name, messages]) =>
    (messages ?? []).map((m) => ({ key: `${name}:${m}`, text: m, href: name ? `#${f.id}-${name}` : undefined })),
  );
  const items = [...fieldItems, ...(r.missing ?? []).map((m) => ({ key: `missing:${m.key}`, text: m.text, href: missingHref?.(m.key) }))];
  const title = r.message ?? (items.length === 1 ? 'There is a problem' : `There are ${items.length} problems`);
  return (
    <div className="form-error form-feedback error-summary" role="alert" tabIndex={-1} ref={f.summaryRef} aria-labelledby={`${f.id}-summary-title`}>
      <p id={`${f.id}-summary-title`}>
        <strong>{title}</strong>
      </p>
      {items.length ? (
        <ul>
          {items.map((item) => (
            <li key={item.key}>
              {item.href ? (
                <a href={item.href} onClick={focusTarget}>
                  {item.text}
                </a>
              ) : (
                item.text
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A summary link moves focus into the field it names (a fragment alone only scrolls). */
function focusTarget(event: MouseEvent<HTMLAnchorElement>) {
  const target = document.getElementById(decodeURIComponent(event.currentTarget.hash.slice(1)));
  if (!target) return;
  event.preventDefault();
  target.scrollIntoView({ block: 'center' });
  target.focus();
}
