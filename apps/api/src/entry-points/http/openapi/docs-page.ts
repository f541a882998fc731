/*
 * A self-contained HTML reference rendered from the OpenAPI document: no scripts and nothing
 * fetched from elsewhere, so it works offline and under a strict Content-Security-Policy.
 */

type Json = Record<string, any>;

const escape = (text: unknown) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const code = (value: unknown) => `<pre>${escape(JSON.stringify(value, null, 2))}</pre>`;
const schemaLink = (schema: Json | undefined): string => {
  if (!schema) return '';
  if (schema.$ref) {
    const name = String(schema.$ref).split('/').pop();
    return `<a href="#schema-${escape(name)}">${escape(name)}</a>`;
  }
  if (schema.type === 'array' && schema.items) return `array of ${schemaLink(schema.items)}`;
  return `<code>${escape(JSON.stringify(schema))}</code>`;
};

function renderOperation(path: string, method: string, op: Json): string {
  const params = (op.parameters ?? []) as Json[];
  const rows = params
    .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${schemaLink(p.schema)}${p.description ? ` ${escape(p.description)}` : ''}</td></tr>`)
    .join('');
  const body = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
    .map(([status, r]) => {
      const content = Object.entries((r.content ?? {}) as Record<string, Json>)[0];
      return `<li><b>${escape(status)}</b> ${escape(r.description)}${content ? ` — <code>${escape(content[0])}</code> ${schemaLink(content[1].schema)}` : ''}</li>`;
    })
    .join('');
  return `<section id="${escape(op.operationId)}">
<h3><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary)}${op['x-required-scope'] ? ` — scope <code>${escape(op['x-required-scope'])}</code>` : ''}</p>
${rows ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${rows}</table>` : ''}
${body ? `<p>Request body (<code>application/json</code>): ${schemaLink(body)}</p>` : ''}
<ul>${responses}</ul>
</section>`;
}

export function renderDocsPage(document: Json): string {
  const operations = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const tags = (document.tags as Json[]).map((t) => String(t.name));
  const byTag = tags
    .map((tag) => {
      const ops = operations.filter(({ op }) => op.tags?.[0] === tag);
      return ops.length ? `<h2>${escape(tag)}</h2>${ops.map(({ path, method, op }) => renderOperation(path, method, op)).join('')}` : '';
    })
    .join('');
  const schemas = Object.entries(document.components.schemas as Record<string, Json>)
    .map(([name, schema]) => `<details id="schema-${escape(name)}"><summary>${escape(name)}</summary>${code(schema)}</details>`)
    .join('');
  const toc = operations
    .map(({ path, method, op }) => `<li><a href="#${escape(op.operationId)}"><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> ${escape(path)}</a></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:64rem;padding:1rem 2rem;color:#1d232a}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f5f7;padding:.75rem;overflow:auto;border-radius:4px}
section{border-top:1px solid #dde;padding:.5rem 0}table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4.2rem;text-align:center;border-radius:3px;color:#fff;font:bold 12px monospace;padding:.1rem .3rem}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#b26a00}.delete{background:#b71c1c}
ul.toc{columns:2;list-style:none;padding:0}a{color:#1565c0;text-decoration:none}
</style></head><body>
<h1>${escape(document.info.title)}</h1>
<p>${escape(document.info.description)}</p>
<p>OpenAPI ${escape(document.openapi)} document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
<ul class="toc">${toc}</ul>
${byTag}
<h2>Schemas</h2>${schemas}
</body></html>`;
}
