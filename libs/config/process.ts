import type { INestApplicationContext } from '@nestjs/common';
import { ConfigError, loadConfig, type AppConfig } from './app-config.js';

/** Loads the configuration, or prints what is wrong with it and exits with status 1. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Nest closes the app on SIGTERM/SIGINT (stop taking work, finish what runs, close pools);
 * if that takes longer than the timeout, exit anyway.
 */
export function exitAfterShutdown(app: INestApplicationContext, timeoutMs: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`Shutdown took longer than ${timeoutMs} ms; exiting\n`);
        process.exit(1);
      }, timeoutMs).unref();
    });
  }
  void app;
}
