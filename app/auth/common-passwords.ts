// Passwords people pick that zxcvbn alone may score too kindly (long keyboard walks, words padded
// with digits, the product's own name). Compared after lowercasing and dropping spaces, dashes,
// underscores and dots, so "Password-1234" and "password 1234" are both refused. Only entries of
// 12 characters or more matter (anything shorter is refused for its length), but short roots are
// listed too: a password that is one of them repeated ("keptkeptkept") is refused as well.
export const COMMON_PASSWORDS: readonly string[] = [
  // Roots: refused alone, repeated, or followed only by digits and symbols.
  'password', 'passw0rd', 'p@ssword', 'p@ssw0rd', 'qwerty', 'qwertz', 'azerty', 'letmein', 'welcome', 'iloveyou',
  'admin', 'administrator', 'changeme', 'secret', 'default', 'login', 'master', 'monkey', 'dragon', 'football',
  'baseball', 'sunshine', 'princess', 'trustno1', 'abc123', 'abcdef', 'abcdefgh', 'qazwsx', 'asdfgh', 'zxcvbn',
  'kept', 'keptdemo', 'keptapp', 'customer', 'customers', 'advocacy', 'company', 'summer', 'winter', 'spring',
  'autumn', 'january', 'december', 'monday', 'friday', 'test', 'testing', 'user', 'guest', 'hello', 'superman',
  'batman', 'starwars', 'pokemon', 'computer', 'internet', 'whatever', 'nothing', 'freedom', 'shadow',
  // Whole passwords of 12 characters or more seen in breach lists.
  'password1234', 'password12345', 'password123456', 'passwordpassword', 'qwertyuiop12', 'qwertyuiop123',
  'qwertyuiopasdf', 'qwertyuiopasdfgh', 'qwertyuiopasdfghjkl', 'asdfghjkl123', 'asdfghjkl1234', '1qaz2wsx3edc',
  '1qaz2wsx3edc4rfv', 'zaq12wsxcde3', 'zaq1zaq1zaq1', '123456789012', '1234567890123', '12345678901234',
  '123456789abc', '123456abcdef', 'abcdefghijkl', 'abcdefghijklm', 'abc123abc123', 'iloveyou1234', 'iloveyouforever',
  'welcome12345', 'welcome123456', 'changeme1234', 'changemenow1', 'letmein12345', 'administrator1',
  'adminadmin123', 'correcthorsebatterystaple', 'trustno1trustno1', 'football1234', 'baseball1234',
  'sunshine1234', 'princess1234', 'superman1234', 'starwars1234', 'monkey123456', 'dragon123456', 'michael12345',
  'jennifer1234', 'qwerty123456', 'qwerty1234567', 'qwertyqwerty', 'q1w2e3r4t5y6', '1q2w3e4r5t6y', '1q2w3e4r5t6y7u',
  'a1b2c3d4e5f6', '000000000000', '111111111111', '123123123123', '121212121212', '147258369147', '987654321098',
  'passw0rd1234', 'p@ssw0rd1234', 'p@ssword1234', 'letmeinplease', 'mypassword123', 'mypassword1234',
  'thisismypassword', 'secretpassword', 'supersecretpassword', 'newpassword123', 'newpassword1234',
  'temporarypassword', 'temppassword123', 'defaultpassword', 'kept-demo-2026', 'keptdemo2026', 'keptpassword',
  'keptkeptkept', 'customersuccess', 'customersuccess1', 'summer2025summer', 'summer20252025',
];

const normalise = (value: string) => value.normalize('NFKC').toLowerCase().replace(/[\s._-]+/g, '');
const COMMON = new Set(COMMON_PASSWORDS.map(normalise));
// "password" + digits/symbols, "kept" repeated: a listed root is the whole password once decoration goes.
const ROOTS = COMMON_PASSWORDS.map(normalise).filter((p) => p.length < 12);

/** True when the password is on the local list, a listed word repeated, or one padded with digits and symbols. */
export function isCommonPassword(password: string) {
  const p = normalise(password);
  if (COMMON.has(p)) return true;
  const core = p.replace(/^[\d\W]+|[\d\W]+$/g, '');
  if (core === '' || COMMON.has(core)) return true;
  return ROOTS.some((root) => core.length % root.length === 0 && core === root.repeat(core.length / root.length));
}
