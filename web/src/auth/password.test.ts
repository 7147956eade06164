import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSWORD_HINT, PASSWORD_MIN_LENGTH } from './password';

const TESTDATA = resolve(__dirname, '../../../test/testdata');

describe('the password rules shown', () => {
  for (const stage of ['Dev', 'Staging', 'Prod']) {
    it(`match ${stage}'s synthesized user pool`, () => {
      const template = JSON.parse(readFileSync(resolve(TESTDATA, stage, 'App.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties?: { Policies?: { PasswordPolicy?: Record<string, unknown> } } }>;
      };
      const pools = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Cognito::UserPool');
      expect(pools).toHaveLength(1);
      expect(pools[0]!.Properties?.Policies?.PasswordPolicy).toMatchObject({
        MinimumLength: PASSWORD_MIN_LENGTH,
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      });
    });
  }

  it('say so in words', () => {
    expect(PASSWORD_HINT).toBe('At least 12 characters, with upper- and lower-case letters, a digit and a symbol.');
  });
});
