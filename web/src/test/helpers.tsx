// Test helpers: a scriptable fetch, JSON responses, and rendering a view with its providers.

import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { vi } from 'vitest';
import { ApiClient, type TokenSource } from '../api/client';
import { AuthManager, type CognitoApi } from '../auth/session';
import type { AppConfig } from '../config';
import { AnnouncerProvider } from '../components/ui';
import { RouterProvider } from '../router';
import { ServicesProvider, type Services } from '../services';

export const API = 'https://api.example.test/prod/';

export const testConfig: AppConfig = {
  apiUrl: API,
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_test',
  userPoolClientId: 'client123',
  cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/',
};

export function json(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
}

export interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

/** A fetch that records every call and answers from `handler`. */
export function fakeFetch(handler: Handler) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k.toLowerCase()] = v;
    });
    const call: Call = {
      method: init?.method ?? 'GET',
      url: new URL(String(input), 'http://localhost/'),
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    return handler(call);
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

export function staticTokens(token = 'id-token-1'): TokenSource {
  return { getIdToken: async () => token, refreshNow: async () => null, expire: () => {} };
}

const noCognito: CognitoApi = {
  signUp: vi.fn(),
  confirmSignUp: vi.fn(),
  resendConfirmationCode: vi.fn(),
  signIn: vi.fn(),
  respondToChallenge: vi.fn(),
  refresh: vi.fn(),
  revoke: vi.fn(),
  globalSignOut: vi.fn(),
  associateSoftwareToken: vi.fn(),
  verifySoftwareToken: vi.fn(),
  setSoftwareTokenMfa: vi.fn(),
  getUserMfa: vi.fn(),
  changePassword: vi.fn(),
  forgotPassword: vi.fn(),
  confirmForgotPassword: vi.fn(),
};

export function servicesWith(fetchImpl: typeof fetch): Services {
  return {
    config: testConfig,
    api: new ApiClient(API, staticTokens(), fetchImpl),
    auth: new AuthManager(noCognito, { storage: null }),
  };
}

export function renderWithServices(ui: ReactElement, services: Services, path = '/') {
  window.history.replaceState(null, '', path);
  return render(
    <ServicesProvider value={services}>
      <RouterProvider>
        <AnnouncerProvider>{ui}</AnnouncerProvider>
      </RouterProvider>
    </ServicesProvider>,
  );
}

export function item(over: Partial<import('../api/types').Item> = {}) {
  return {
    id: 'i1',
    title: 'Buy milk',
    notes: '',
    status: 'open' as const,
    dueDate: null,
    version: 1,
    createdAt: '2025-01-01T10:00:00Z',
    updatedAt: '2025-01-01T10:00:00Z',
    ...over,
  };
}
