// The page's TypeScript types of the core's results (web/src/types.ts) against what the core
// really returns: the same structs the wasm module hands the page, printed by `bertplay --json`
// on the test models. A field added, renamed or retyped in Rust fails here instead of going
// silently missing on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, repo } from './harness.mjs';

const ts = createRequire(join(repo, 'web/package.json'))('typescript');
const bin =
  process.env.BERTPLAY_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/bertplay/target'), 'release/bertplay');

/** The interfaces of types.ts: name → type literal / interface node. */
function declarations() {
  const file = join(repo, 'web/src/types.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = new Map();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) found.set(node.name.text, node);
  });
  return found;
}
const types = declarations();

/** Problems with `value` as an instance of the type node `type`, each with its JSON path. */
function check(value, type, path) {
  if (ts.isInterfaceDeclaration(type) || ts.isTypeLiteralNode(type)) return checkObject(value, type.members, path);
  if (ts.isTypeAliasDeclaration(type)) return check(value, type.type, path);
  if (ts.isParenthesizedTypeNode(type)) return check(value, type.type, path);
  if (ts.isUnionTypeNode(type)) {
    const tries = type.types.map((t) => check(value, t, path));
    return tries.some((p) => p.length === 0) ? [] : tries.reduce((a, b) => (b.length < a.length ? b : a));
  }
  if (ts.isArrayTypeNode(type)) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${JSON.stringify(value)?.slice(0, 40)}`];
    return value.flatMap((v, i) => check(v, type.elementType, `${path}[${i}]`)).slice(0, 5);
  }
  if (ts.isTupleTypeNode(type)) {
    if (!Array.isArray(value) || value.length !== type.elements.length) return [`${path}: expected a ${type.elements.length}-tuple`];
    return value.flatMap((v, i) => check(v, type.elements[i], `${path}[${i}]`));
  }
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText();
    if (!types.has(name)) throw new Error(`${path}: types.ts names ${name}, which this test does not know`);
    return check(value, types.get(name), path);
  }
  if (ts.isLiteralTypeNode(type)) {
    if (type.literal.kind === ts.SyntaxKind.NullKeyword) return value === null ? [] : [`${path}: expected null`];
    const literal = JSON.parse(type.literal.getText().replace(/^'(.*)'$/, '"$1"'));
    return value === literal ? [] : [`${path}: expected ${JSON.stringify(literal)}, got ${JSON.stringify(value)}`];
  }
  const kinds = {
    [ts.SyntaxKind.NumberKeyword]: 'number',
    [ts.SyntaxKind.StringKeyword]: 'string',
    [ts.SyntaxKind.BooleanKeyword]: 'boolean',
  };
  if (type.kind in kinds) return typeof value === kinds[type.kind] ? [] : [`${path}: expected a ${kinds[type.kind]}, got ${JSON.stringify(value)}`];
  if (type.kind === ts.SyntaxKind.UndefinedKeyword) return value === undefined ? [] : [`${path}: expected nothing`];
  throw new Error(`${path}: no check for the type ${type.getText()}`);
}

function checkObject(value, members, path) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object`];
  const problems = [];
  const declared = new Set();
  for (const m of members) {
    const name = m.name.getText();
    declared.add(name);
    if (!(name in value)) {
      if (!m.questionToken) problems.push(`${path}.${name}: declared in types.ts, missing from the core's result`);
      continue;
    }
    problems.push(...check(value[name], m.type, `${path}.${name}`));
  }
  for (const key of Object.keys(value)) {
    if (!declared.has(key)) problems.push(`${path}.${key}: in the core's result, missing from types.ts`);
  }
  return problems;
}

const cli = (...args) => JSON.parse(execFileSync(bin, ['--json', ...args], { encoding: 'utf8' }));
const model = (name) => join(fixtures, name);

test("types.ts declares exactly what the core's tasks return", () => {
  const results = {
    Inspection: cli('inspect', '--model', model('tiny-pretraining'), '--text', 'the cat sat', '--text-b', 'on the mat', '--internals-layer', '0'),
    FillMask: cli('fill-mask', '--model', model('tiny-pretraining'), '--text', 'the [MASK] sat'),
    NextSentence: cli('nsp', '--model', model('tiny-pretraining'), '--text', 'the cat sat', '--text-b', 'on the mat'),
    Answer: cli('qa', '--model', model('tiny-qa'), '--question', 'who sat', '--context', 'the cat sat on the mat'),
    Classification: cli('classify', '--model', model('tiny-classifier'), '--text', 'the cat sat'),
  };
  for (const [name, value] of Object.entries(results)) {
    assert.deepEqual(check(value, types.get(name), name), [], `${name} and types.ts disagree`);
  }
  // The check itself must catch a field the page does not know, and one the core stopped sending.
  const { truncated, ...withoutTruncated } = results.Inspection;
  assert.equal(typeof truncated, 'boolean');
  assert.deepEqual(check({ ...results.NextSentence, extra: 1 }, types.get('NextSentence'), 'N'), ['N.extra: in the core\'s result, missing from types.ts']);
  assert.deepEqual(check(withoutTruncated, types.get('Inspection'), 'I'), ['I.truncated: declared in types.ts, missing from the core\'s result']);
});
