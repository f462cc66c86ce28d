// Which requests of a redirect chain may carry the Authorization header (basic or IAM token).
// Pure.
//
// Credentials go only to the master fetchState was asked for (a configured master or the detected
// leader), compared as host AND port. Go's http.Client, which Mesos-DNS uses, compares the host only;
// another port on the same host can be another service (or another user's process), so we are
// stricter. A redirect from a non-leading master to the leader therefore goes without credentials,
// as it does in Mesos-DNS: the leader answers 401 and fetchAll moves on to the next master.

/** "host:port" of a URL, the port defaulted by scheme; the hostname as URL normalises it. */
export function originAddress(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/**
 * Whether a request to `hop`, reached by redirects from `asked`, may carry the credentials: same host
 * and port, and never in clear text after starting over TLS.
 */
export function mayCarryCredentials(asked: URL, hop: URL): boolean {
  if (originAddress(hop) !== originAddress(asked)) return false;
  return !(asked.protocol === 'https:' && hop.protocol !== 'https:');
}
