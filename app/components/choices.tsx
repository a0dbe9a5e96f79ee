/** One radio question on a buyer page (survey, re-ask): a legend, the options as large tap targets, the error next to them. */
export function Choices({
  name,
  legend,
  options,
  value,
  errors,
}: {
  name: string;
  legend: React.ReactNode;
  options: { value: string; label: string }[];
  value?: string;
  errors?: string[];
}) {
  const errorId = `${name}-error`;
  return (
    <fieldset className="choices" aria-describedby={errors?.length ? errorId : undefined}>
      <legend>{legend}</legend>
      <div className="choice-row">
        {options.map((o) => (
          <label key={o.value} className="choice">
            <input type="radio" name={name} value={o.value} defaultChecked={value === o.value} required />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      {errors?.length ? (
        <p className="field-error" id={errorId}>
          {errors.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}
