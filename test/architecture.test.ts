/**
 * docs/architecture.md is true: every table is written only by the repository of the lib the
 * document names as its owner, and no lib imports a lib the document does not allow.
 */
import { describe, expect, it } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

const ROOT = process.cwd();
const WRITE = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+([a-z_][a-z0-9_]*)/g;
const NOT_TABLES = new Set(['set', 'on', 'of', 'only']);

interface Row {
  lib: string;
  tables: Set<string>;
  imports: Set<string>;
}

async function documented(): Promise<Map<string, Row>> {
  const text = await readFile(join(ROOT, 'docs/architecture.md'), 'utf8');
  const names = (cell: string) => new Set([...cell.matchAll(/`([a-z_-]+)`/g)].map((m) => m[1]!));
  const rows = new Map<string, Row>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length !== 6 || !/^`[a-z-]+`$/.test(cells[1]!)) continue;
    const lib = cells[1]!.slice(1, -1);
    rows.set(lib, { lib, tables: names(cells[3]!), imports: names(cells[4]!) });
  }
  return rows;
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'migrations') out.push(...(await sources(path)));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** For each file of libs/ and apps/: the tables its SQL writes and the libs it imports. */
async function scan(): Promise<{ file: string; lib: string | null; writes: string[]; imports: string[] }[]> {
  const files = [...(await sources(join(ROOT, 'libs'))), ...(await sources(join(ROOT, 'apps')))];
  return Promise.all(
    files.map(async (path) => {
      const text = await readFile(path, 'utf8');
      const file = relative(ROOT, path);
      const lib = /^libs\/([a-z-]+)\//.exec(file)?.[1] ?? null;
      const writes = [...text.matchAll(WRITE)].map((m) => m[1]!).filter((t) => !NOT_TABLES.has(t.toLowerCase()));
      const imports = [...text.matchAll(/from '#libs\/([a-z-]+)\//g)].map((m) => m[1]!).filter((l) => l !== lib);
      return { file, lib, writes, imports };
    }),
  );
}

describe('architecture (docs/architecture.md)', () => {
  it('lists every lib', async () => {
    const libs = (await readdir(join(ROOT, 'libs'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    expect([...(await documented()).keys()].sort()).toEqual(libs.sort());
  });

  it('has each table written by one repository, in the lib that owns it', async () => {
    const owners = new Map<string, string>();
    const wrong: string[] = [];
    for (const row of (await documented()).values()) {
      for (const t of row.tables) {
        if (owners.has(t)) wrong.push(`${t} is listed under ${owners.get(t)} and ${row.lib}`);
        owners.set(t, row.lib);
      }
    }
    const written = new Map<string, Set<string>>();
    for (const { file, lib, writes } of await scan()) {
      for (const table of writes) {
        if (owners.get(table) !== lib) wrong.push(`${file} writes ${table}, owned by ${owners.get(table) ?? 'no lib'}`);
        else if (!file.endsWith('.repository.ts')) wrong.push(`${file} writes ${table} outside a repository`);
        written.set(table, new Set([...(written.get(table) ?? []), file]));
      }
    }
    for (const [table, files] of written) if (files.size > 1) wrong.push(`${table} is written by ${[...files].join(', ')}`);
    for (const table of owners.keys()) if (!written.has(table)) wrong.push(`${table} is listed but nothing writes it`);
    expect(wrong).toEqual([]);
  });

  it('has no lib importing one it may not', async () => {
    const rows = await documented();
    const wrong = new Set<string>();
    for (const { file, lib, imports } of await scan()) {
      if (!lib) continue;
      for (const other of imports) if (!rows.get(lib)?.imports.has(other)) wrong.add(`${file} imports ${other}`);
    }
    expect([...wrong]).toEqual([]);
  });
});
