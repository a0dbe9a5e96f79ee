import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

export type ActionErrors = { errors?: Record<string, string[]>; values?: Record<string, string> } | undefined;

/** The error messages and the kept value of one field from an action's 400 answer. */
export function fieldState(action: ActionErrors, name: string) {
  return { errors: action?.errors?.[name], value: action?.values?.[name] };
}

function ErrorList({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p className="field-error" id={id}>
      {errors.join(' ')}
    </p>
  );
}

type Common = { label: ReactNode; hint?: ReactNode; errors?: string[] };

/**
 * Label + input + hint + error, wired with aria-invalid / aria-describedby. A text field unless told
 * otherwise: an input without a type would miss the stylesheet's field rules and look like the browser's.
 */
export function Field({ label, hint, errors, type = 'text', ...input }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={input.id ?? id}>{label}</label>
      <input
        id={input.id ?? id}
        type={type}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={[hint ? hintId : '', errors?.length ? errorId : ''].filter(Boolean).join(' ') || undefined}
        {...input}
      />
      {hint ? (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}

export function SelectField({ label, hint, errors, children, ...select }: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={select.id ?? id}>{label}</label>
      <select id={select.id ?? id} aria-invalid={errors?.length ? true : undefined} aria-describedby={errors?.length ? errorId : undefined} {...select}>
        {children}
      </select>
      {hint ? <span className="hint">{hint}</span> : null}
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}

export function TextareaField({ label, hint, errors, ...textarea }: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={textarea.id ?? id}>{label}</label>
      <textarea id={textarea.id ?? id} aria-invalid={errors?.length ? true : undefined} aria-describedby={errors?.length ? errorId : undefined} {...textarea} />
      {hint ? <span className="hint">{hint}</span> : null}
      <ErrorList id={errorId} errors={errors} />
    </div>
  );
}

/** Form-level errors (key ""), shown above the form. */
export function FormError({ errors }: { errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <div className="form-error" role="alert">
      {errors.join(' ')}
    </div>
  );
}

export type FilterOption = { value: string; label: ReactNode };

/**
 * One select of a filter bar (a GET form): its first option (`anyLabel`, value "") clears the
 * filter; `extra` options (e.g. "Unassigned") come before the listed ones.
 */
export function FilterSelect({
  id,
  label,
  name,
  defaultValue,
  anyLabel,
  extra = [],
  options,
}: {
  id: string;
  label: ReactNode;
  name: string;
  defaultValue: string;
  anyLabel: string;
  extra?: FilterOption[];
  options: FilterOption[];
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={defaultValue}>
        <option value="">{anyLabel}</option>
        {[...extra, ...options].map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
