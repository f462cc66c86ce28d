// The zone as one master file: apex SOA and NS first, then owners in string order, each owner's
// records by type (A, AAAA, SRV), value, and SRV port as a number.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QType } from '../../../src/wire/constants.js';
import type { ResourceRecord } from '../../../src/dns/records.js';
import { parseIPv4, parseIPv6 } from '../../../src/dns/records.js';
import { formatZoneFile } from '../../../src/dns/zone-file.js';

const a = (name: string, ip: string): ResourceRecord => ({ type: QType.A, name, ttl: 60, address: parseIPv4(ip) as Uint8Array });
const aaaa = (name: string, ip: string): ResourceRecord => ({ type: QType.AAAA, name, ttl: 60, address: parseIPv6(ip) as Uint8Array });
const srv = (name: string, port: number, target: string): ResourceRecord => ({ type: QType.SRV, name, ttl: 60, priority: 0, weight: 1, port, target });

describe('formatZoneFile', () => {
  test('SOA and NS first, then sorted owners, types, values and ports, whatever the input order', () => {
    const records: ResourceRecord[] = [
      { type: QType.SOA, name: 'mesos.', ttl: 60, mname: 'ns1.mesos.', rname: 'root.ns1.mesos.', serial: 1, refresh: 60, retry: 600, expire: 86400, minimum: 60 },
      { type: QType.NS, name: 'mesos.', ttl: 60, target: 'ns1.mesos.' },
      srv('_web._tcp.mesos.', 443, 'web.mesos.'),
      srv('_web._tcp.mesos.', 80, 'web.mesos.'),
      srv('_web._tcp.mesos.', 8080, 'api.mesos.'),
      aaaa('a-b.mesos.', '2001:db8::1'),
      a('a-b.mesos.', '192.0.2.2'),
      a('a.mesos.', '192.0.2.10'),
      a('a.mesos.', '192.0.2.9'),
      a('web\\ gw.mesos.', '192.0.2.3'),
    ];
    const zone = formatZoneFile(records);
    assert.equal(
      zone.text,
      [
        'mesos. 60 IN SOA ns1.mesos. root.ns1.mesos. 1 60 600 86400 60',
        'mesos. 60 IN NS ns1.mesos.',
        '_web._tcp.mesos. 60 IN SRV 0 1 8080 api.mesos.',
        '_web._tcp.mesos. 60 IN SRV 0 1 80 web.mesos.',
        '_web._tcp.mesos. 60 IN SRV 0 1 443 web.mesos.',
        'a-b.mesos. 60 IN A 192.0.2.2',
        'a-b.mesos. 60 IN AAAA 2001:db8::1',
        'a.mesos. 60 IN A 192.0.2.10',
        'a.mesos. 60 IN A 192.0.2.9',
        'web\\032gw.mesos. 60 IN A 192.0.2.3',
        '',
      ].join('\n'),
    );
    assert.equal(zone.records, records.length);
    assert.equal(zone.unprintable, 0);
  });

  test('records with a name that has no wire form are counted, not printed; no records, no text', () => {
    const long = `${'x'.repeat(64)}.mesos.`;
    const zone = formatZoneFile([a(long, '192.0.2.1'), srv('_x._tcp.mesos.', 80, long), a('ok.mesos.', '192.0.2.1')]);
    assert.equal(zone.text, 'ok.mesos. 60 IN A 192.0.2.1\n');
    assert.equal(zone.unprintable, 2);
    assert.deepEqual(formatZoneFile([]), { text: '', records: 0, unprintable: 0 });
  });
});
