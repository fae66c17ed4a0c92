// `npm run build`: tsc compiles the TypeScript; the pages' stylesheets go beside the compiled code.
import { cp } from 'node:fs/promises';

for (const dir of ['apps', 'libs']) {
  await cp(dir, `dist/${dir}`, { recursive: true, filter: (src) => !/\.[a-z]+$/i.test(src) || src.endsWith('.css') });
}
