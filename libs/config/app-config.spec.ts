import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  const SECRET_KEY = 's'.repeat(32);

  it('applies defaults', () => {
    const config = loadConfig({ SECRET_KEY });
    expect(config.http.port).toBe(3000);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.database.migrationsRun).toBe(true);
    expect(config.http.publicUrl).toBe('http://localhost:3000');
    expect(config.http.trustProxy).toBe(false);
    expect(config.secretKeys).toEqual([SECRET_KEY]);
  });

  it('names every malformed variable', () => {
    try {
      loadConfig({ SECRET_KEY, PORT: 'eighty', DATABASE_URL: 'mysql://x', MIGRATIONS_RUN: 'maybe' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('MIGRATIONS_RUN');
    }
  });

  it('requires a SECRET_KEY of at least 32 characters in every environment: there is no default', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(() => loadConfig({ NODE_ENV })).toThrow(/SECRET_KEY: required/);
      expect(() => loadConfig({ NODE_ENV, SECRET_KEY: 'a'.repeat(31) })).toThrow(/SECRET_KEY: must be at least 32 characters/);
    }
    expect(loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'a'.repeat(32) }).graphql.introspection).toBe(false);
    expect(() => loadConfig({ SECRET_KEY, SECRET_KEY_PREVIOUS: 'short' })).toThrow(/SECRET_KEY_PREVIOUS/);
    expect(loadConfig({ SECRET_KEY, SECRET_KEY_PREVIOUS: 'p'.repeat(32) }).secretKeys).toEqual([SECRET_KEY, 'p'.repeat(32)]);
  });

  it('reads TRUST_PROXY as a hop count or a list of addresses and CIDRs, and refuses anything else', () => {
    expect(loadConfig({ SECRET_KEY, TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ SECRET_KEY, TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8,loopback' }).http.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['true', '10.0.0.0/33', 'proxy.example.com', '*']) {
      expect(() => loadConfig({ SECRET_KEY, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });
});
