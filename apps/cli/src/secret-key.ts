import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LAPTOP_SECRET_KEY_FILE } from '#libs/config/index.js';

/**
 * The SECRET_KEY of `npm start` on a laptop: the one given, or else the one generated on the first
 * run and kept in `.data/secret-key` (readable by its owner only), so that links, sealed secrets and
 * IP hashes survive restarts. Only `npm start` does this: every other process requires SECRET_KEY.
 */
export function laptopSecretKey(given: string | undefined, log: (message: string) => void): string {
  if (given) return given;
  const file = join(process.cwd(), LAPTOP_SECRET_KEY_FILE);
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
    throw new Error(`${file} holds no key of at least 32 characters: delete it to have a new one made, or set SECRET_KEY`);
  }
  const key = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  // `wx`: two starts at once cannot both write a key; the loser reads the winner's.
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return laptopSecretKey(undefined, log);
    throw error;
  }
  log(
    `no SECRET_KEY set: generated one and kept it in ${LAPTOP_SECRET_KEY_FILE} (other commands: SECRET_KEY=$(cat ${LAPTOP_SECRET_KEY_FILE}))`,
  );
  return key;
}
