// The password rules shown next to new-password fields. They mirror the user pools' PasswordPolicy
// (the same in every stage); password.test.ts fails when a synthesized stage's policy differs.
// Cognito enforces the policy (InvalidPasswordException, shown as it says); the fields set no
// minLength of their own, so its message, not a browser tooltip, tells what is missing.

export const PASSWORD_MIN_LENGTH = 12;

export const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters, with upper- and lower-case letters, a digit and a symbol.`;
