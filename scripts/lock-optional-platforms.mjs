#!/usr/bin/env node
// npm on this platform leaves other platforms' optional packages out of package-lock.json
// (npm/cli#4828, #8320), and then `npm ci` refuses the lock file on every machine. This adds the
// missing entries, with version, integrity, os and cpu taken from the registry.
// Usage: node scripts/lock-optional-platforms.mjs   (after any `npm install`)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const nested = `${path}/node_modules/${name}`;
    if (packages[key] || packages[nested]) continue;
    const info = registryInfo(name, range);
    packages[key] = {
      version: info.version,
      ...(info['dist.integrity'] ? { integrity: info['dist.integrity'] } : {}),
      ...(info.cpu ? { cpu: [].concat(info.cpu) } : {}),
      ...(entry.dev ? { dev: true } : {}),
      ...(info.libc ? { libc: [].concat(info.libc) } : {}),
      ...(info.license ? { license: info.license } : {}),
      optional: true,
      ...(info.os ? { os: [].concat(info.os) } : {}),
    };
    added++;
    process.stdout.write(`added ${name}@${info.version}\n`);
  }
}
/**
 * What the registry says of the package; a registry mirror that carries only this machine's
 * platforms has no record, so then os and cpu are read off the package name.
 */
function registryInfo(name, range) {
  try {
    const out = execFileSync('npm', ['view', `${name}@${range}`, 'version', 'dist.integrity', 'os', 'cpu', 'libc', 'license', '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const view = JSON.parse(out);
    return Array.isArray(view) ? view.at(-1) : view;
  } catch {
    const os = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'sunos', 'aix'].find((o) => name.includes(`-${o}`));
    const cpu = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'wasm32'].find((c) => name.includes(`-${c}`));
    const libc = name.includes('musl') ? 'musl' : name.includes('gnu') ? 'glibc' : undefined;
    return { version: range.replace(/^[\^~=]/, ''), os, cpu, libc };
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`${added} optional platform package(s) added\n`);
