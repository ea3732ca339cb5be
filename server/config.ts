import path from 'node:path';

/** Runtime settings, read once from the environment. */
export interface Config {
  /** PostgreSQL connection string; absent → embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  /** Root of everything the embedded mode persists (database, uploads, lock). */
  dataDir: string;
  port: number;
  /** Load the demo county into an empty database and create the demo accounts. */
  demo: boolean;
  /** Opt-in raster base map offered to the web client; none by default (offline). */
  basemap: BasemapConfig;
  /** Absolute session lifetime in hours: a session ends this long after sign-in, however busy. */
  sessionHours: number;
  /** Idle session lifetime in minutes: a session unused this long ends. */
  sessionIdleMinutes: number;
  /** Extra origins the Content-Security-Policy allows for base-map tiles (users' own base maps). */
  basemapOrigins: string[];
  /** Log level for the structured (pino) log: fatal, error, warn, info, debug, silent. */
  logLevel: string;
}

export type BasemapConfig =
  | { kind: 'none' }
  | { kind: 'tianditu'; key: string }
  | { kind: 'xyz'; url: string; attribution: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  const basemap: BasemapConfig = env.BASEMAP_TIANDITU_KEY
    ? { kind: 'tianditu', key: env.BASEMAP_TIANDITU_KEY }
    : env.BASEMAP_XYZ_URL
      ? { kind: 'xyz', url: env.BASEMAP_XYZ_URL, attribution: env.BASEMAP_XYZ_ATTRIBUTION ?? '' }
      : { kind: 'none' };
  return {
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    port: Number(env.PORT || 8787),
    // The embedded database is for trying the platform out: demo data by default.
    // A PostgreSQL deployment is a real one unless DEMO=1 says otherwise.
    demo: env.DEMO ? env.DEMO === '1' || env.DEMO === 'true' : !databaseUrl,
    basemap,
    sessionHours: Number(env.SESSION_HOURS || 12),
    sessionIdleMinutes: Number(env.SESSION_IDLE_MINUTES || 120),
    basemapOrigins: (env.BASEMAP_ORIGINS ?? '').split(/[\s,]+/).filter(Boolean),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
