import { ConfigError, loadConfig, type Config } from '@flowline/config';
import { createLogger, metrics, parseTenantLabels, wantsPrettyLogs, type Logger } from '@flowline/observability';

export interface Running {
  /** Stops taking work, lets what is in flight finish, and releases connections. */
  stop(): Promise<void>;
}

/**
 * The life of one process: validate the configuration (a bad value stops it with a message
 * naming the variable), start the role, and on SIGTERM or SIGINT stop it within the grace
 * period before exiting 0.
 */
export async function runRole(service: string, start: (context: { config: Config; logger: Logger }) => Promise<Running>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${service}: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ service, level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.LOG_FORMAT, config.NODE_ENV) });
  metrics().configure({ service, tenantLabels: parseTenantLabels(config.METRICS_TENANT_LABELS) });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });

  let running: Running;
  try {
    running = await start({ config, logger });
  } catch (error) {
    const taken = takenPort(error, config);
    // A taken port is an operator's mistake, not a bug: one line that says what to change.
    if (taken) logger.fatal(`${service} cannot start: ${taken}`);
    else logger.fatal({ err: error }, `${service} failed to start`);
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('grace period over; exiting with work unfinished');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    timer.unref();
    try {
      await running.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** "port 3001 is in use by another process; …" when `error` is a listen's EADDRINUSE. */
function takenPort(error: unknown, config: Config): string | undefined {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE') return undefined;
  const settings = Object.entries(config)
    .filter(([name, value]) => name.endsWith('PORT') && value === port)
    .map(([name]) => name);
  const which = settings.length > 0 ? settings.join(' / ') : 'its port setting';
  return `port ${String(port)} is in use by another process; stop that process or set ${which} to a free port (0 picks one)`;
}
