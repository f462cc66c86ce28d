// Records as master-file text: every octet of a label spelt so a zone loader reads back the same wire
// octets (RFC 1035 §5.1), addresses as RFC 5952 / dotted-quad text, fields as the wire writer puts them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QType } from '../../../src/wire/constants.js';
import { masterFileLabel, masterFileLine, masterFileName } from '../../../src/dns/master-file.js';
import { formatIPv6Octets as formatIPv6 } from '../../../src/net/ip-text.js';
import { parseName } from '../../../src/dns/names.js';
import { parseIPv4, parseIPv6 } from '../../../src/dns/records.js';
import { canonicalIp } from '../../../src/net/ip-text.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const label = (...octets: number[]): string => masterFileLabel(Uint8Array.from(octets));
const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

describe('masterFileLabel', () => {
  test('letters, digits, "-" and "_" stand for themselves', () => {
    assert.equal(label(...utf8('Az09-_')), 'Az09-_');
  });

  test('other printable ASCII is \\X: dot, backslash, quote, parentheses, semicolon, at, dollar, star', () => {
    assert.equal(label(...utf8('a.b')), 'a\\.b');
    assert.equal(label(...utf8('\\"();@$*/')), '\\\\\\"\\(\\)\\;\\@\\$\\*\\/');
  });

  test('space, control octets, DEL and UTF-8 bytes are \\DDD, so no field holds white space', () => {
    assert.equal(label(...utf8('web frontend')), 'web\\032frontend');
    assert.equal(label(0x00, 0x09, 0x1f, 0x7f), '\\000\\009\\031\\127');
    assert.equal(label(...utf8('café')), 'caf\\195\\169');
    assert.equal(label(...utf8('日本')), '\\230\\151\\165\\230\\156\\172');
  });

  test('every octet value survives: the text parses back to the same label', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let start = 0; start < 256; start += 63) {
      const octets = all.subarray(start, Math.min(256, start + 63));
      const text = masterFileLabel(octets);
      assert.doesNotMatch(text, /\s/);
      assert.deepEqual(parseName(`${text}.`)?.labels, [octets]);
    }
  });
});

describe('masterFileName', () => {
  test('stored names are re-spelt from their wire labels', () => {
    assert.equal(masterFileName('web.marathon.mesos.'), 'web.marathon.mesos.');
    assert.equal(masterFileName('a\\.b.marathon.mesos.'), 'a\\.b.marathon.mesos.');
    assert.equal(masterFileName('web\\ gw.fw.mesos.'), 'web\\032gw.fw.mesos.');
    assert.equal(masterFileName('caf\\195\\169.fw.mesos.'), 'caf\\195\\169.fw.mesos.');
    assert.equal(masterFileName('café.fw.mesos.'), 'caf\\195\\169.fw.mesos.');
    assert.equal(masterFileName('.'), '.');
  });

  test('a name without a wire form has no text', () => {
    assert.equal(masterFileName(`${'x'.repeat(64)}.mesos.`), undefined);
    assert.equal(masterFileName('a..mesos.'), undefined);
  });
});

describe('formatIPv6', () => {
  test('RFC 5952: lower case, no leading zeros, the first longest zero run of two or more as "::"', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
      ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
      ['0001:0000:0000:0000:0000:0000:0000:0000', '1::'],
      ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
      ['0001:0000:0000:0001:0000:0000:0001:0001', '1::1:0:0:1:1'],
      ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
      ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
    ];
    for (const [input, expected] of cases) assert.equal(formatIPv6(parseIPv6(input) as Uint8Array), expected, input);
  });

  test('agrees with the table\'s canonical IPv6 text and parses back, for random addresses', () => {
    const random = seededRandom(5952);
    for (let i = 0; i < 2000; i++) {
      // Groups often zero, so runs of every length occur.
      const bytes = new Uint8Array(16);
      for (let g = 0; g < 8; g++) {
        if (random() < 0.5) continue;
        bytes[2 * g] = Math.floor(random() * 256);
        bytes[2 * g + 1] = Math.floor(random() * 256);
      }
      const text = formatIPv6(bytes);
      assert.deepEqual(parseIPv6(text), bytes, text);
      const canonical = canonicalIp(text);
      if (canonical?.family === 6) assert.equal(text, canonical.text);
    }
  });
});

describe('masterFileLine', () => {
  test('each record type, with the TTL and numbers as the wire carries them', () => {
    const a = parseIPv4('192.0.2.1') as Uint8Array;
    const aaaa = parseIPv6('2001:db8::a:1') as Uint8Array;
    assert.equal(masterFileLine({ type: QType.A, name: 'web.fw.mesos.', ttl: 60, address: a }), 'web.fw.mesos. 60 IN A 192.0.2.1');
    assert.equal(masterFileLine({ type: QType.AAAA, name: 'web.fw.mesos.', ttl: 60.9, address: aaaa }), 'web.fw.mesos. 60 IN AAAA 2001:db8::a:1');
    assert.equal(
      masterFileLine({ type: QType.SRV, name: '_web._tcp.fw.mesos.', ttl: 2 ** 32, priority: 0, weight: 1, port: 31000, target: 'web\\ gw-abcde-s0.fw.mesos.' }),
      '_web._tcp.fw.mesos. 2147483647 IN SRV 0 1 31000 web\\032gw-abcde-s0.fw.mesos.',
    );
    assert.equal(
      masterFileLine({ type: QType.SOA, name: 'mesos.', ttl: 60, mname: 'ns1.mesos.', rname: 'root.ns1.mesos.', serial: 2 ** 32 + 5, refresh: 60, retry: 600, expire: 86400, minimum: 60 }),
      'mesos. 60 IN SOA ns1.mesos. root.ns1.mesos. 5 60 600 86400 60',
    );
    assert.equal(masterFileLine({ type: QType.NS, name: 'mesos.', ttl: -1, target: 'ns1.mesos.' }), 'mesos. 0 IN NS ns1.mesos.');
  });

  test('no line for a record with a name that has no wire form', () => {
    const long = `${'x'.repeat(64)}.fw.mesos.`;
    assert.equal(masterFileLine({ type: QType.NS, name: 'mesos.', ttl: 60, target: long }), undefined);
    assert.equal(masterFileLine({ type: QType.A, name: long, ttl: 60, address: new Uint8Array(4) }), undefined);
  });
});
