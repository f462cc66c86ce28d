// Stored SRV values are "<target FQDN>:<port>" (spec §2.1); the target never contains a colon after its
// trailing dot, so the value splits at its last colon.

export function splitSrvValue(value: string): { readonly target: string; readonly port: string } {
  const colon = value.lastIndexOf(':');
  return colon < 0 ? { target: value, port: '' } : { target: value.slice(0, colon), port: value.slice(colon + 1) };
}
