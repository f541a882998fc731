import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Where webhooks may go, from the configuration. */
export interface WebhookTargetPolicy {
  /** `host` or `host:port` entries (lower-case) allowed even when they resolve to internal addresses. */
  allowedHosts: ReadonlySet<string>;
  allowHttp: boolean;
}

/** A webhook the SSRF guard refuses: never retried, its reason shown on the execution. */
export class RefusedTargetError extends Error {
  override readonly name = 'RefusedTargetError';
}

/*
 * Cloud metadata services: refused even for an allow-listed host, since a webhook that reaches
 * one hands out the node's credentials. AWS/GCP/Azure/OpenStack, AWS's IPv6 one, ECS task
 * credentials and Alibaba's.
 */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '100.100.100.200']);

/** The address as a plain IPv4 when it is an IPv4-mapped IPv6 one, so both forms meet the same rules. */
function normalised(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  }
  return parsed;
}

/**
 * Why an address may not be called, or undefined when it may. Only globally routed unicast
 * passes: loopback, private, link-local, unique-local, CGNAT, multicast, reserved and the IPv6
 * forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are refused.
 */
export function refusalOf(address: string, hostAllowed: boolean): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = normalised(address);
  } catch {
    return 'is not an IP address';
  }
  if (METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString())) return `${ip.toString()} is a cloud metadata address`;
  if (hostAllowed) return undefined;
  const range = ip.range();
  return range === 'unicast' ? undefined : `${ip.toString()} is a ${range} address`;
}

function hostKey(url: URL): { host: string; withPort: string } {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { host, withPort: `${host}:${port}` };
}

export function isAllowedHost(policy: WebhookTargetPolicy, url: URL): boolean {
  const { host, withPort } = hostKey(url);
  return policy.allowedHosts.has(host) || policy.allowedHosts.has(withPort) || policy.allowedHosts.has(`[${host}]:${withPort.split(':').pop()}`);
}

/** The URL a rendered webhook may call; throws RefusedTargetError with the reason otherwise. */
export function checkWebhookUrl(policy: WebhookTargetPolicy, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedTargetError('webhook url is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new RefusedTargetError(`webhook url must use https${policy.allowHttp ? ' or http' : ''}, not ${url.protocol.replace(':', '')}`);
  }
  if (url.username !== '' || url.password !== '') throw new RefusedTargetError('webhook url may not carry credentials');
  const { host } = hostKey(url);
  // An IP literal is never looked up, so the connect-time check below would not see it.
  if (isIP(host) !== 0) {
    const refusal = refusalOf(host, isAllowedHost(policy, url));
    if (refusal) throw new RefusedTargetError(`webhook target refused: ${refusal}`);
  }
  return url;
}

/**
 * A `lookup` for the HTTP agent: the addresses the socket will connect to are the ones checked,
 * so a DNS answer that changes between a check and the connect (rebinding) cannot get past.
 * Every address of the answer must pass, not just the first.
 */
export function guardedLookup(hostAllowed: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const refusal = refusalOf(address, hostAllowed);
        if (refusal) return callback(new RefusedTargetError(`webhook target refused: ${hostname} resolves to ${refusal}`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`no address for ${hostname}`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
