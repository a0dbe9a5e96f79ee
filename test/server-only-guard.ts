// The guard against rendering a value from a `*.server` module. Remix empties `.server` modules in the
// browser bundle, so such a value is real during server rendering and `undefined` after hydration: the
// page renders one thing on the server and another in the browser (React errors #418/#423/#425) and
// whatever depended on it disappears. Only loader, action and headers are removed from the browser
// bundle; everything else in a route module (the component, meta, links, ErrorBoundary, handle...)
// runs in the browser, so it may use `.server` imports as types only.
import ts from 'typescript';

/** The exports Remix keeps on the server only. (`meta` runs in the browser on client navigations.) */
export const SERVER_ONLY_EXPORTS = new Set(['loader', 'action', 'headers']);

export type ServerValueUse = { binding: string; from: string; usedBy: string; line: number };

const isServerModule = (specifier: string) => /(^|[./])server(\.[cm]?[jt]sx?)?$/.test(specifier) || /\.server\//.test(specifier);

/** Identifiers a node refers to, outside type positions (types are erased and harmless). */
function referencedNames(node: ts.Node, sourceFile: ts.SourceFile) {
  const names: { name: string; line: number }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isTypeNode(n) || ts.isTypeAliasDeclaration(n) || ts.isInterfaceDeclaration(n)) return;
    if (ts.isIdentifier(n)) {
      const parent = n.parent;
      // `x.name` and `{ name: ... }` keys are not references to a binding called `name`.
      // Nor is a JSX attribute's name (`<form action="/sso/login">` does not use a binding `action`).
      const isPropertyName =
        (parent && ts.isPropertyAccessExpression(parent) && parent.name === n) ||
        (parent && ts.isPropertyAssignment(parent) && parent.name === n) ||
        (parent && ts.isJsxAttribute(parent) && parent.name === n);
      if (!isPropertyName) names.push({ name: n.text, line: sourceFile.getLineAndCharacterOfPosition(n.getStart(sourceFile)).line + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return names;
}

const hasExport = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/**
 * Where a route module's browser code (anything reachable from a top-level statement other than the
 * server-only exports) uses a value imported from a `*.server` module.
 */
export function serverValuesInBrowserCode(source: string, fileName = 'route.tsx'): ServerValueUse[] {
  const sourceFile = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const serverValues = new Map<string, string>();
  // Top-level declarations by name, and the statements the browser bundle keeps as roots.
  const declarations = new Map<string, { label: string; node: ts.Node }>();
  const roots: { label: string; node: ts.Node }[] = [];

  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement)) {
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      const clause = statement.importClause;
      if (!isServerModule(from) || !clause || clause.isTypeOnly) continue;
      if (clause.name) serverValues.set(clause.name.text, from);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) serverValues.set(bindings.name.text, from);
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) if (!el.isTypeOnly) serverValues.set(el.name.text, from);
      continue;
    }
    if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) continue;
    if (ts.isExportDeclaration(statement)) {
      // `export { x } from '...server'` re-exports a server value into the browser module graph.
      if (!statement.isTypeOnly && statement.moduleSpecifier && isServerModule((statement.moduleSpecifier as ts.StringLiteral).text)) {
        roots.push({ label: 're-export', node: statement });
        const from = (statement.moduleSpecifier as ts.StringLiteral).text;
        if (statement.exportClause && ts.isNamedExports(statement.exportClause))
          for (const el of statement.exportClause.elements) if (!el.isTypeOnly) serverValues.set(el.name.text, from);
      } else roots.push({ label: 'export list', node: statement });
      continue;
    }
    const named: string[] = [];
    if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) named.push(statement.name.text);
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        const collect = (name: ts.BindingName) => {
          if (ts.isIdentifier(name)) named.push(name.text);
          else for (const el of name.elements) if (!ts.isOmittedExpression(el)) collect(el.name);
        };
        collect(d.name);
      }
    }
    const exported = hasExport(statement);
    const isDefault = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    const label = isDefault ? 'the default export (the page component)' : named.join(', ') || 'top-level code';
    for (const name of named) declarations.set(name, { label: name, node: statement });
    if (exported && named.length && named.every((n) => SERVER_ONLY_EXPORTS.has(n)) && !isDefault) continue;
    if (exported || isDefault || named.length === 0) roots.push({ label, node: statement });
  }

  const uses: ServerValueUse[] = [];
  const seen = new Set<ts.Node>();
  const walk = (item: { label: string; node: ts.Node }, root: string) => {
    if (seen.has(item.node)) return;
    seen.add(item.node);
    for (const ref of referencedNames(item.node, sourceFile)) {
      const from = serverValues.get(ref.name);
      if (from) uses.push({ binding: ref.name, from, usedBy: root === item.label ? root : `${root} via ${item.label}`, line: ref.line });
      const next = declarations.get(ref.name);
      if (next) walk(next, root);
    }
  };
  for (const root of roots) walk(root, root.label);
  return uses;
}
