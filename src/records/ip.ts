// Records read IP text through the net leaf; kept so the generator's import keeps working.
export { canonicalIp, isDottedQuad, type CanonicalIp, type IpFamily } from '../net/ip-text.js';
