import type { ExchangeType } from './topology.ts';

/**
 * Whether a binding key matches a routing key the way RabbitMQ routes: topic keys are
 * dot-separated words where `*` stands for exactly one word and `#` for zero or more;
 * direct keys match exactly; fanout matches everything. Headers exchanges ignore the routing key:
 * their bindings match on headers (the in-memory bus keeps them apart).
 */
export function bindingMatches(exchangeType: ExchangeType, bindingKey: string, routingKey: string): boolean {
  switch (exchangeType) {
    case 'fanout':
      return true;
    case 'direct':
      return bindingKey === routingKey;
    case 'topic':
      return matchesTopic(bindingKey, routingKey);
    case 'headers':
      return false;
  }
}

/** Topic matching: `*` = exactly one word, `#` = zero or more words. */
export function matchesTopic(pattern: string, routingKey: string): boolean {
  const patternWords = words(pattern);
  const keyWords = words(routingKey);
  // Memoised because a pattern with several `#` would otherwise backtrack exponentially.
  const memo = new Map<number, boolean>();
  const match = (p: number, k: number): boolean => {
    const memoKey = p * (keyWords.length + 1) + k;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === patternWords.length) {
      result = k === keyWords.length;
    } else if (patternWords[p] === '#') {
      result = match(p + 1, k) || (k < keyWords.length && match(p, k + 1));
    } else {
      result = k < keyWords.length && (patternWords[p] === '*' || patternWords[p] === keyWords[k]) && match(p + 1, k + 1);
    }
    memo.set(memoKey, result);
    return result;
  };
  return match(0, 0);
}

// RabbitMQ treats an empty key as zero words, so `#` matches it and `*` does not.
function words(key: string): string[] {
  return key === '' ? [] : key.split('.');
}
