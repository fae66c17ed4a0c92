import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';

/** Salted hashes of IP addresses: comparable with each other, never the raw address. */
@Injectable()
export class IpHasher {
  private readonly key: Buffer;
  // Visitors click several times from one address; hashing each distinct IP once saves the HMAC.
  private readonly cache = new Map<string, string>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // A key of its own, derived from the secret, so IP hashes say nothing about other uses of it.
    this.key = createHmac('sha256', config.secretKey).update('truthloop:click-ip-hash:v1').digest();
  }

  hash(ip: string): string {
    let hash = this.cache.get(ip);
    if (hash === undefined) {
      hash = createHmac('sha256', this.key).update(ip).digest('hex');
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(ip, hash);
    }
    return hash;
  }
}
