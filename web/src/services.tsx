// Wires config, auth and the API client into React. Views get them from useServices(), tests
// pass their own fakes to <ServicesProvider>.

import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiClient } from './api/client';
import type { AuthManager, AuthState } from './auth/session';
import type { AppConfig } from './config';

export interface Services {
  config: AppConfig;
  api: ApiClient;
  auth: AuthManager;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ value, children }: { value: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={value}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside ServicesProvider');
  return s;
}

export function useAuthState(): AuthState {
  const { auth } = useServices();
  return useSyncExternalStore(
    (cb) => auth.subscribe(cb),
    () => auth.getState(),
  );
}
