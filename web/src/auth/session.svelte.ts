/** Who is signed in, and the platform's public configuration (county, demo flag, default base map). */
import { ApiError, api, call, onUnauthorized } from '../lib/api';
import type { AppConfig, User } from '../lib/shapes';

export type SessionStatus = 'loading' | 'anonymous' | 'ready' | 'unreachable';

class Session {
  status = $state<SessionStatus>('loading');
  config = $state.raw<AppConfig | null>(null);
  user = $state.raw<User | null>(null);

  constructor() {
    onUnauthorized(() => {
      this.user = null;
      this.status = 'anonymous';
    });
  }

  /** Loads the configuration, then asks the server who we are (a session cookie may still be valid). */
  async init(): Promise<void> {
    this.status = 'loading';
    try {
      this.config = await call(api.config.$get());
    } catch {
      this.status = 'unreachable';
      return;
    }
    await this.refreshUser();
  }

  async refreshUser(): Promise<void> {
    try {
      const { user } = await call(api.auth.me.$get());
      this.user = user;
      this.status = 'ready';
    } catch (e) {
      this.user = null;
      // 401 is the usual "not signed in"; only a network failure means the server cannot be reached.
      this.status = e instanceof ApiError && e.status === 0 ? 'unreachable' : 'anonymous';
    }
  }

  /** Signs in; GET /api/auth/me then decides the user. Throws ApiError on failure. */
  async login(username: string, password: string): Promise<void> {
    await call(api.auth.login.$post({ json: { username, password } }));
    const { user } = await call(api.auth.me.$get());
    this.user = user;
    this.status = 'ready';
  }

  async logout(): Promise<void> {
    try {
      await call(api.auth.logout.$post({ query: {} }));
    } finally {
      this.user = null;
      this.status = 'anonymous';
    }
  }
}

export const session = new Session();
