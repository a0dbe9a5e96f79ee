import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { z } from 'zod';
import { isCommonPassword } from '#app/auth/common-passwords';

// One rule for every place a password is set (admin create, invitation, own change, reset):
// at least 12 characters, not only spaces, not on the local list of common passwords, and a
// zxcvbn-ts score of 3 or more ("safely unguessable": about 10^8 guesses and up). zxcvbn's own
// warning and suggestions are the field's error, so people learn what to change. Server only:
// the dictionaries are megabytes, the browser never loads them.

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;
export const PASSWORD_MIN_SCORE = 3;

// Words a guesser tries first against this product, besides zxcvbn's dictionaries.
const PRODUCT_WORDS = ['kept', 'keptdemo', 'kept.demo', 'customer', 'advocacy', 'promises'];

// zxcvbn's cost grows fast with length and dictionary size (the English word lists and
// Levenshtein matching made one long random string cost seconds): the common dictionaries (the
// most used passwords, diceware words) and the English translations only, the first 32 characters
// judged (the rest can only add strength), at most 2 l33t substitutions. A few ms per password.
const ANALYSED_LENGTH = 32;
let zxcvbn: ZxcvbnFactory | undefined;
function estimator() {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    maxLength: ANALYSED_LENGTH,
    l33tMaxSubstitutions: 2,
  });
  return zxcvbn;
}

/** What is wrong with a new password, in words for the person typing it; empty when it is fine. */
export function passwordProblems(password: string, userInputs: string[] = []): string[] {
  if (password.length < PASSWORD_MIN_LENGTH) return [`Use at least ${PASSWORD_MIN_LENGTH} characters.`];
  if (password.length > PASSWORD_MAX_LENGTH) return [`Use at most ${PASSWORD_MAX_LENGTH} characters.`];
  if (password.trim() === '') return ['A password of spaces only is too easy to guess.'];
  if (isCommonPassword(password)) return ['This is one of the most common passwords. Choose something less predictable, e.g. a few unrelated words.'];
  const result = estimator().check(password.slice(0, ANALYSED_LENGTH), [...PRODUCT_WORDS, ...userInputs.filter(Boolean)]);
  if (result.score >= PASSWORD_MIN_SCORE) return [];
  const { warning, suggestions } = result.feedback;
  const advice = [warning, ...suggestions].filter((s): s is string => Boolean(s));
  return [['This password is too easy to guess.', ...advice].join(' ')];
}

/** The new-password field of every form that sets one; the error message is zxcvbn's feedback. */
export const NewPasswordSchema = z.string().superRefine((password, ctx) => {
  for (const message of passwordProblems(password)) ctx.addIssue({ code: 'custom', message });
});
