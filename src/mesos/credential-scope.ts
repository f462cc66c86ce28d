// Which requests of a redirect chain may carry the Authorization header (basic or IAM token).
// Pure.
//
// Credentials go only to the master fetchState was asked for (a configured master or the detected
// leader) and to the other configured masters, compared as host AND port. Go's http.Client, which
// Mesos-DNS uses, compares the host only; another port on the same host can be another service (or
// another user's process), so we are stricter there. A redirect from a non-leading master to the
// leader keeps them when the leader is one of the configured Masters (Mesos-DNS drops them and gets
// 401); a redirect anywhere else drops them.

/** "host:port" of a URL, the port defaulted by scheme; the hostname as URL normalises it. */
export function originAddress(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** The originAddress form of configured masters ("host:port", IPv6 bracketed). */
export function trustedOrigins(masters: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const master of masters) {
    try {
      out.add(originAddress(new URL(`http://${master}`)));
    } catch {
      // not host:port: config validation reports it; it simply trusts nothing here
    }
  }
  return out;
}

/**
 * Whether a request to `hop`, reached by redirects from `asked`, may carry the credentials: the same
 * host and port or one of the `trusted` masters, and never in clear text after starting over TLS.
 */
export function mayCarryCredentials(asked: URL, hop: URL, trusted: ReadonlySet<string> = new Set()): boolean {
  const target = originAddress(hop);
  if (target !== originAddress(asked) && !trusted.has(target)) return false;
  return !(asked.protocol === 'https:' && hop.protocol !== 'https:');
}
