import { z } from 'zod';
import { FORM_ID, FORM_ID_FIELD } from '#app/utils/form-feedback';

// Anything else (missing, too long, markup) names no form: the answer then shows on no form's
// feedback, and the action itself still runs on what it parses from the rest.
const FormIdSchema = z.string().regex(FORM_ID).optional().catch(undefined);

/** The id of the page's form a submission came from (echoed back as `form` in the action's answer). */
export function formIdOf(values: Record<string, string>): string | undefined {
  return FormIdSchema.parse(values[FORM_ID_FIELD]);
}
