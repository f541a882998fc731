import type { Action } from '@flowline/contracts';
import type { ValidationIssue } from './validation.ts';

const PLACEHOLDER = /\{\{[^}]*\}\}/;

/**
 * What can be known of a webhook URL template before any event renders it: the scheme, when the
 * template spells it out, and the whole URL when it has no placeholders. The rendered URL and
 * the addresses it resolves to are checked again by the executor before every call.
 */
export function checkWebhookUrls(actions: readonly Action[], options: { allowHttp: boolean }): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const schemes = options.allowHttp ? ['https:', 'http:'] : ['https:'];
  actions.forEach((action, index) => {
    if (action.type !== 'call_webhook') return;
    const path = `actions.${index}.parameters.url`;
    const template = action.parameters.url;
    const cut = template.search(PLACEHOLDER);
    // A template that begins with a placeholder can only be judged once rendered.
    if (cut === 0) return;
    const literal = cut === -1 ? template : template.slice(0, cut);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(literal)?.[1];
    if (scheme === undefined) {
      // "htt{{x}}" might still become a URL; a longer literal without a scheme never will.
      if (cut === -1 || literal.length >= 'https://'.length) issues.push({ path, message: `must start with ${schemes.map((s) => `${s}//`).join(' or ')}` });
      return;
    }
    if (!schemes.includes(`${scheme.toLowerCase()}:`)) {
      issues.push({ path, message: `must use ${schemes.map((s) => s.replace(':', '')).join(' or ')}, not ${scheme}` });
    } else if (cut === -1 && !URL.canParse(template)) {
      issues.push({ path, message: 'is not a valid URL' });
    }
  });
  return issues;
}
