// host:port handling for master entries and leader PIDs (behaviour §1.5) lives in the net leaf; these names
// are kept for the mesos modules and the record generator that import them from here.
export {
  joinHostPort,
  parsePort,
  splitHostPortLoosely as splitHostPort,
  splitStandardHostPort,
  type HostPort,
} from '../net/host-port.js';
export { isIpLiteral } from '../net/ip-text.js';
