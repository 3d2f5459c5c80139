// `npm run schemas`: writes the contract's JSON Schemas (schemas/json/*.json, draft-04), the AsyncAPI 3.0
// document (schemas/asyncapi.yaml), the producers' put-events examples and docs/producers/fields.md,
// all from the zod schemas in shared/contract. A test fails when the checked-in files differ from these.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAll } from './render.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = renderAll();
// Schemas of messages that no longer exist must not linger.
for (const dir of ['schemas/json', 'docs/producers/examples']) {
  mkdirSync(join(root, dir), { recursive: true });
  for (const name of readdirSync(join(root, dir))) {
    if (!files.has(`${dir}/${name}`)) rmSync(join(root, dir, name));
  }
}
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
process.stderr.write(`schemas: wrote ${files.size} files\n`);
