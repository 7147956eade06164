// Builds the services from config.json: one Cognito client, one auth manager, one API client.

import { ApiClient } from './api/client';
import { CognitoClient } from './auth/cognito';
import { AuthManager } from './auth/session';
import type { AppConfig } from './config';
import type { Services } from './services';

export function createServices(config: AppConfig, fetchImpl?: typeof fetch): Services {
  const cognito = new CognitoClient(config.cognitoEndpoint, config.userPoolClientId, fetchImpl);
  const auth = new AuthManager(cognito);
  auth.restore();
  const api = new ApiClient(config.apiUrl, auth, fetchImpl);
  return { config, auth, api };
}
