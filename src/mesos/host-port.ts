// host:port handling for master entries and leader PIDs (spec §1.5) lives in the net leaf; these names
// are kept for the mesos modules and the record generator that import them from here.
import { isIP } from 'node:net';

export {
  joinHostPort,
  parsePort,
  splitHostPortLoosely as splitHostPort,
  splitStandardHostPort,
  type HostPort,
} from '../net/host-port.js';

export function isIpLiteral(host: string): boolean {
  return isIP(host) !== 0;
}
