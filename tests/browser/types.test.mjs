// The page's TypeScript types of the core's results (web/src/types.ts, trainingTypes.ts, errors.ts) against
// what the core really returns: the tasks' structs as `bertplay --json` prints them on the test
// models, and a training run's (the run's info with its data preview, steps, scores, the
// presets) as the wasm module hands them to the page. A field added, renamed or retyped in Rust
// fails here instead of going silently missing on the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, repo, start } from './harness.mjs';

const ts = createRequire(join(repo, 'web/package.json'))('typescript');
const bin =
  process.env.BERTPLAY_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/bertplay/target'), 'release/bertplay');

/** The interfaces and type aliases of the page's shared type files: name → declaration. */
function declarations() {
  const found = new Map();
  for (const name of ['types.ts', 'trainingTypes.ts', 'errors.ts']) {
    const file = join(repo, 'web/src', name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) found.set(node.name.text, node);
    });
  }
  return found;
}
const types = declarations();

function lookup(type, path) {
  const name = type.typeName.getText();
  if (!types.has(name)) throw new Error(`${path}: the types name ${name}, which this test does not know`);
  return types.get(name);
}

/** The fewest problems of several ways to read a value (none if one fits). */
const best = (tries) => (tries.some((p) => p.length === 0) ? [] : tries.reduce((a, b) => (b.length < a.length ? b : a)));

/** The member lists an object type can have: one per branch of its unions, intersections merged. */
function objectShapes(type, path) {
  if (ts.isTypeLiteralNode(type) || ts.isInterfaceDeclaration(type)) return [[...type.members]];
  if (ts.isParenthesizedTypeNode(type) || ts.isTypeAliasDeclaration(type)) return objectShapes(type.type, path);
  if (ts.isTypeReferenceNode(type)) return objectShapes(lookup(type, path), path);
  if (ts.isUnionTypeNode(type)) return type.types.flatMap((t) => objectShapes(t, path));
  if (ts.isIntersectionTypeNode(type)) {
    return type.types.map((t) => objectShapes(t, path)).reduce((acc, shapes) => acc.flatMap((a) => shapes.map((s) => [...a, ...s])));
  }
  throw new Error(`${path}: ${type.getText()} is not an object type`);
}

/** Problems with `value` as an instance of the type node `type`, each with its JSON path. */
function check(value, type, path) {
  if (ts.isInterfaceDeclaration(type) || ts.isTypeLiteralNode(type)) return checkObject(value, type.members, path);
  if (ts.isTypeAliasDeclaration(type)) return check(value, type.type, path);
  if (ts.isParenthesizedTypeNode(type)) return check(value, type.type, path);
  if (ts.isUnionTypeNode(type)) return best(type.types.map((t) => check(value, t, path)));
  if (ts.isIntersectionTypeNode(type)) return best(objectShapes(type, path).map((members) => checkObject(value, members, path)));
  if (ts.isArrayTypeNode(type)) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${JSON.stringify(value)?.slice(0, 40)}`];
    return value.flatMap((v, i) => check(v, type.elementType, `${path}[${i}]`)).slice(0, 5);
  }
  if (ts.isTupleTypeNode(type)) {
    if (!Array.isArray(value) || value.length !== type.elements.length) return [`${path}: expected a ${type.elements.length}-tuple`];
    return value.flatMap((v, i) => check(v, type.elements[i], `${path}[${i}]`));
  }
  if (ts.isTypeReferenceNode(type) && type.typeName.getText() === 'Record') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object`];
    return Object.entries(value).flatMap(([k, v]) => check(v, type.typeArguments[1], `${path}.${k}`));
  }
  if (ts.isTypeReferenceNode(type)) return check(value, lookup(type, path), path);
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
    Explanation: cli('explain', '--model', model('tiny-pretraining'), '--text', 'the cat sat', '--text-b', 'on the mat', '--layer', '1', '--head', '2', '--token', '3'),
    Saliency: cli('saliency', '--model', model('tiny-qa'), '--task', 'qa', '--question', 'who sat', '--context', 'the cat sat', '--method', 'integrated', '--steps', '4'),
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

let h;
after(async () => h?.close());

/** A short run in the page: its info (with the data preview), step records and scores. */
function run(page, options) {
  return page.evaluate(async (o) => {
    const handle = window.bertplay.train(o);
    const result = await handle.done;
    const started = handle.events.find((e) => e.type === 'started');
    const steps = handle.events.filter((e) => e.type === 'steps').flatMap((e) => e.records);
    return { info: started.run.info, steps, scores: result.final };
  }, options);
}

test("trainingTypes.ts declares exactly what the core's training runs return", async () => {
  h = await start();
  const page = await h.open('#backend=cpu');
  // A bad row, so the preview lists one left out; a validation share, so there are scores.
  const rows = ['text,label', ...Array.from({ length: 12 }, (_, i) => `the ${i % 2 ? 'film was good' : 'plot was dull'} ${i},${i % 2 ? 'pos' : 'neg'}`), 'no label here'];
  const classify = await run(page, { data: rows.join('\n'), fileName: 'rows.csv', epochs: 1, maxLen: 16, validation: 0.25 });
  const doc = (i) => ['the cat sat on the mat.', 'it was a sunny day.', 'the dog ran to the park.', `a bird sang ${i}.`].join('\n');
  const pretrain = await run(page, {
    data: Array.from({ length: 8 }, (_, i) => doc(i)).join('\n\n'), task: 'pretrain', epochs: 1, maxLen: 24, validation: 0.25,
    fresh: { layers: 1, hidden: 32, heads: 2, intermediate: 64 },
  });
  const presets = await page.evaluate(() => window.bertplay.trainingPresets());
  assert.equal(classify.info.data.skipped.length, 1, 'the bad row is listed');
  const results = [
    ['RunInfo', classify.info],
    ['RunInfo', pretrain.info],
    ['StepRecord', classify.steps[0]],
    ['ClassificationScores', classify.scores],
    ['PretrainingScores', pretrain.scores],
    ['Presets', presets],
  ];
  for (const [name, value] of results) {
    assert.deepEqual(check(value, types.get(name), name), [], `${name} and trainingTypes.ts disagree`);
  }
  // Each side of the preview's union is told apart by its task.
  const { documents, ...withoutDocuments } = pretrain.info.data;
  assert.ok(documents.train > 0);
  assert.notDeepEqual(check(withoutDocuments, types.get('DataPreview'), 'D'), []);
  assert.deepEqual(page.errors, []);
  await page.close();
});
