// This host's interface addresses (I/O at the edge: reads os.networkInterfaces()).
import { networkInterfaces } from 'node:os';

export interface InterfaceAddressOptions {
  /** Include loopback addresses (127.0.0.0/8, ::1). */
  readonly loopback: boolean;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** Every address of every interface, zone suffixes removed. */
export function interfaceAddresses(options: InterfaceAddressOptions): string[] {
  const out: string[] = [];
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) {
      const address = info.address.split('%')[0] as string;
      if (options.loopback || !isLoopback(address)) out.push(address);
    }
  }
  return out;
}
