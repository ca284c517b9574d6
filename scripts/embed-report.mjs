// Build step: embeds the HTML report's stylesheet (src/report/report.css) and page script in a
// generated TypeScript module, src/report/assets.generated.ts, which html.ts inlines into every
// report. Run after `tsc -p src/report/page`, which type-checks the page script and emits one ES
// module per source file into build/report-page/.
//
// The page takes one classic <script> (its CSP allows inline scripts only), so this joins the entry
// module and the modules it imports: each module body runs in its own function scope, in
// dependency order, and receives its imports from the exports of the ones before it. Only what tsc
// emits for our sources is accepted: relative named imports, and `export` on declarations.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const emitted = resolve(root, 'build/report-page');
const entry = resolve(emitted, 'page/main.js');

function fail(file, message) {
  throw new Error(`embed-report: ${relative(root, file)}: ${message}`);
}

/** One emitted module: its body without import statements and `export` keywords, what it imports
 * (resolved file, imported name, local name) and the names it exports. */
function parseModule(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(file, `cannot read it (${e.message}); run \`tsc -p src/report/page\` first`);
  }
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const imports = [];
  const exports = [];
  const cuts = []; // [start, end) ranges of text to drop
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = st.moduleSpecifier.text;
      const bindings = st.importClause?.namedBindings;
      if (!spec.startsWith('.')) fail(file, `imports '${spec}'; the page bundle takes relative imports only`);
      if (!bindings || st.importClause.name || !ts.isNamedImports(bindings)) {
        fail(file, `import from '${spec}' must be \`import { a, b as c } from ...\``);
      }
      const from = resolve(dirname(file), spec);
      for (const el of bindings.elements) imports.push({ from, name: (el.propertyName ?? el.name).text, local: el.name.text });
      cuts.push([st.getFullStart(), st.getEnd()]);
    } else if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) {
      const empty = ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause) && st.exportClause.elements.length === 0;
      if (!empty) fail(file, `\`${st.getText(sf).slice(0, 60)}\`: only \`export\` on a declaration is supported`);
      cuts.push([st.getFullStart(), st.getEnd()]); // `export {};`
    } else {
      const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) ?? [] : [];
      const exp = mods.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (!exp) continue;
      if (mods.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) fail(file, '`export default` is not supported');
      if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) exports.push(st.name.text);
      else if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          if (!ts.isIdentifier(d.name)) fail(file, 'an exported destructuring declaration is not supported');
          exports.push(d.name.text);
        }
      } else fail(file, `\`${st.getText(sf).slice(0, 60)}\`: unsupported export`);
      let end = exp.getEnd();
      while (text[end] === ' ') end++;
      cuts.push([exp.getStart(sf), end]);
    }
  }
  let body = '';
  let at = 0;
  for (const [start, end] of cuts.sort((a, b) => a[0] - b[0])) {
    body += text.slice(at, start);
    at = end;
  }
  body += text.slice(at);
  return { file, body: body.trim(), imports, exports };
}

/** The entry module and everything it imports, dependencies first. */
function collect(file, order = [], seen = new Map(), path = []) {
  if (path.includes(file)) fail(file, `import cycle: ${[...path, file].map((f) => relative(emitted, f)).join(' → ')}`);
  if (seen.has(file)) return order;
  const mod = parseModule(file);
  for (const from of new Set(mod.imports.map((i) => i.from))) collect(from, order, seen, [...path, file]);
  seen.set(file, mod);
  order.push(mod);
  return order;
}

function bundle(entryFile) {
  const modules = collect(entryFile);
  const ids = new Map(modules.map((m, i) => [m.file, `__module${i}`]));
  const parts = [];
  for (const m of modules) {
    const bindings = m.imports.map((i) => {
      const dep = modules.find((d) => d.file === i.from);
      if (!dep.exports.includes(i.name)) fail(m.file, `imports '${i.name}', which ${relative(emitted, i.from)} does not export`);
      return `const ${i.local} = ${ids.get(i.from)}.${i.name};\n`;
    });
    const result = m.exports.length > 0 ? `\nreturn { ${m.exports.join(', ')} };` : '';
    const assign = m.exports.length > 0 ? `const ${ids.get(m.file)} = ` : '';
    parts.push(`// ${relative(emitted, m.file)}\n${assign}(function () {\n${bindings.join('')}${m.body}${result}\n})();`);
  }
  return `(function () {\n'use strict';\n${parts.join('\n')}\n})();\n`;
}

const css = readFileSync(resolve(root, 'src/report/report.css'), 'utf8');
const js = bundle(entry);

let out = '// Generated by scripts/embed-report.mjs from src/report/report.css and src/report/page/. Do not edit.\n';
out += `export const reportCss: string = ${JSON.stringify(css)};\n`;
out += `export const pageJs: string = ${JSON.stringify(js)};\n`;
const target = resolve(root, 'src/report/assets.generated.ts');
writeFileSync(`${target}.tmp`, out);
renameSync(`${target}.tmp`, target);
