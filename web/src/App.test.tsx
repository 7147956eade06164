import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { createServices } from './boot';
import { fakeFetch, item, json, testConfig } from './test/helpers';

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '');
  return `${b64({ alg: 'RS256' })}.${b64(claims)}.sig`;
}

const ID_TOKEN = jwt({ email: 'ann@example.com', sub: 'u1' });

describe('App', () => {
  it('sends a signed-out user to sign-in, then back to the page asked for, with the ID token on API calls', async () => {
    const f = fakeFetch((c) => {
      if (c.url.host === 'cognito-idp.eu-west-1.amazonaws.com') {
        const target = c.headers['x-amz-target'];
        if (target?.endsWith('.InitiateAuth')) {
          return json({ AuthenticationResult: { IdToken: ID_TOKEN, AccessToken: 'acc', RefreshToken: 'ref', ExpiresIn: 3600 } });
        }
        return json({});
      }
      if (c.url.pathname.endsWith('/attachments')) return json({ attachments: [] });
      return json(item({ title: 'Deep link' }));
    });
    window.history.replaceState(null, '', '/items/i1');
    render(<App services={createServices(testConfig, f.fetch)} />);

    await waitFor(() => expect(window.location.pathname).toBe('/signin'));
    expect(new URLSearchParams(window.location.search).get('next')).toBe('/items/i1');
    expect(f.calls).toHaveLength(0);

    await userEvent.type(screen.getByLabelText('Email'), 'ann@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'Secret-123');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Deep link' })).toBeTruthy();
    expect(window.location.pathname).toBe('/items/i1');
    expect(screen.getByTestId('user-email').textContent).toBe('ann@example.com');
    const apiCall = f.calls.find((c) => c.url.host === 'api.example.test')!;
    expect(apiCall.headers.authorization).toBe(ID_TOKEN);

    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(window.location.pathname).toBe('/signin'));
    expect(sessionStorage.length).toBe(0);
    expect(f.calls.some((c) => c.headers['x-amz-target']?.endsWith('.RevokeToken'))).toBe(true);
  });

  it('sends an unconfirmed user to the confirm page with the email filled in', async () => {
    const f = fakeFetch(() => json({ __type: 'UserNotConfirmedException', message: 'User is not confirmed.' }, { status: 400 }));
    window.history.replaceState(null, '', '/signin');
    render(<App services={createServices(testConfig, f.fetch)} />);
    await userEvent.type(screen.getByLabelText('Email'), 'bob@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'x');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Confirm your account' })).toBeTruthy();
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('bob@example.com');
  });

  it('tells a locked-out user to wait, not that the password is wrong', async () => {
    const f = fakeFetch(() =>
      json({ __type: 'NotAuthorizedException', message: 'Password attempts exceeded' }, { status: 400 }),
    );
    window.history.replaceState(null, '', '/signin');
    render(<App services={createServices(testConfig, f.fetch)} />);
    await userEvent.type(screen.getByLabelText('Email'), 'ann@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'Secret-123');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('signin-error')).textContent).toContain('Too many failed sign-in attempts');
    expect(screen.getByRole('button', { name: 'Sign in' })).toHaveProperty('disabled', false);
  });

  it('shows the not-found page for unknown paths', async () => {
    window.history.replaceState(null, '', '/nope');
    render(<App services={createServices(testConfig, fakeFetch(() => json({})).fetch)} />);
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });
});
