// The static records file: what each line means, and one clear problem per bad line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_STATIC_PROBLEMS_SHOWN,
  MAX_STATIC_RECORDS_FILE_BYTES,
  describeStaticProblems,
  parseStaticRecords,
} from '../../../src/config/static-records.js';

const SETTINGS = { domain: 'mesos', ttl: 60, srvRecordDefaultWeight: 1 };

function parse(text: string): ReturnType<typeof parseStaticRecords> {
  return parseStaticRecords(text, SETTINGS);
}

/** The problems as "line: message". */
function problems(text: string): string[] {
  return parse(text).problems.map((p) => `${p.line}: ${p.message}`);
}

describe('static records: good lines', () => {
  it('reads every type, relative and absolute names, @, TTL and class, comments and blank lines', () => {
    const { records, problems: found } = parse(
      [
        '; a comment',
        '',
        'db            A     192.0.2.200',
        'DB.Mesos. 60 IN AAAA 2001:DB8::0:200   ; canonical text, lower case',
        '@             A     192.0.2.1',
        '_pg._tcp   IN 60 SRV 0 1 5432 db',
        'www           CNAME web.example.com.',
        'x             cname db',
      ].join('\n'),
    );
    assert.deepEqual(found, []);
    assert.deepEqual(
      records.map((r) => `${r.line} ${r.name} ${r.type} ${r.value}`),
      [
        '3 db.mesos. A 192.0.2.200',
        '4 db.mesos. AAAA 2001:db8::200',
        '5 mesos. A 192.0.2.1',
        '6 _pg._tcp.mesos. SRV db.mesos.:5432',
        '7 www.mesos. CNAME web.example.com.',
        '8 x.mesos. CNAME db.mesos.',
      ],
    );
  });

  it('a line starting with a blank repeats the previous owner; CRLF line ends are fine', () => {
    const { records, problems: found } = parse('db A 192.0.2.1\r\n   A 192.0.2.2\r\n\tAAAA 2001:db8::1\r\n');
    assert.deepEqual(found, []);
    assert.deepEqual(records.map((r) => `${r.name} ${r.value}`), ['db.mesos. 192.0.2.1', 'db.mesos. 192.0.2.2', 'db.mesos. 2001:db8::1']);
  });

  it('a CNAME chain without a loop is fine', () => {
    assert.deepEqual(problems('a CNAME b\nb CNAME c\nc A 192.0.2.1\n'), []);
  });
});

describe('static records: one problem per bad line, naming it', () => {
  const cases: readonly [string, string, RegExp][] = [
    ['outside the domain', 'db.example.com. A 192.0.2.1', /"db\.example\.com\." is outside the domain "mesos"/],
    ['not an IPv4 address', 'db A 192.0.2.300', /"192\.0\.2\.300" is not an IPv4 address/],
    ['IPv6 in an A record', 'db A 2001:db8::1', /is an IPv6 address: use AAAA/],
    ['IPv4 in an AAAA record', 'db AAAA 192.0.2.1', /is an IPv4 address: use A/],
    ['an unsupported type', 'db MX 10 mail', /type "MX" is not supported \(A, AAAA, SRV and CNAME are\)/],
    ['a missing type', 'db 60 IN', /the record type is missing/],
    ['a TTL other than the configured one', 'db 300 A 192.0.2.1', /TTL 300 differs from the configured TTL \(60\)/],
    ['another class', 'db CH A 192.0.2.1', /class CH: only IN is served/],
    ['SRV priority other than 0', '_x._tcp SRV 10 1 80 db', /SRV priority 10: every SRV record is served with priority 0/],
    ['SRV weight other than SRVRecordDefaultWeight', '_x._tcp SRV 0 5 80 db', /SRVRecordDefaultWeight \(1\)/],
    ['SRV port out of range', '_x._tcp SRV 0 1 70000 db', /SRV port "70000" is not 0-65535/],
    ['SRV with too few fields', '_x._tcp SRV 0 1 db', /SRV takes priority weight port target, got "0 1 db"/],
    ['A without an address', 'db A', /A takes an IPv4 address, got nothing/],
    ['a CNAME at the apex', '@ CNAME db', /a CNAME at the apex is not allowed/],
    ['a CNAME to itself', 'db CNAME db.mesos.', /a CNAME pointing at its own name is a loop/],
    ['a wildcard', '*.db A 192.0.2.1', /wildcards are not supported/],
    ['an escape or quote', 'db TXT "x"', /quotes, parentheses and escapes are not supported/],
    ['a directive', '$ORIGIN example.com.', /directive \$ORIGIN is not supported/],
    ['a name with other characters', 'd+b A 192.0.2.1', /names may hold letters, digits, "-" and "_" only/],
    ['a label over 63 octets', `${'a'.repeat(64)} A 192.0.2.1`, /has a label longer than 63 octets/],
    ['an empty label', 'a..b A 192.0.2.1', /has an empty label/],
    ['a blank-started first line', '  A 192.0.2.1', /repeats the previous owner, but there is none/],
  ];
  for (const [what, line, message] of cases) {
    it(what, () => {
      const found = problems(`; header\n${line}\n`);
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0] as string, /^2: /);
      assert.match(found[0] as string, message);
    });
  }

  it('a name with a CNAME and other records', () => {
    assert.deepEqual(problems('db A 192.0.2.1\ndb CNAME web\n'), [
      '2: db.mesos. has a CNAME and other records (lines 1 and 2): a CNAME must be a name\'s only record',
    ]);
  });

  it('two different CNAMEs for one name', () => {
    assert.deepEqual(problems('db CNAME a\ndb CNAME b\n'), ['2: db.mesos. already has a CNAME (line 1); a name has at most one']);
  });

  it('a CNAME loop is reported once, on the line of its first CNAME', () => {
    assert.deepEqual(problems('x CNAME a\na CNAME b\nb CNAME c\nc CNAME a\n'), ['2: CNAME loop: a.mesos. -> b.mesos. -> c.mesos. -> a.mesos.']);
  });

  it('every bad line is reported, in line order, and good lines still parse', () => {
    const parsed = parse('a A 1.2.3\nb A 192.0.2.1\nc MX x\n');
    assert.deepEqual(parsed.problems.map((p) => p.line), [1, 3]);
    assert.deepEqual(parsed.records.map((r) => r.name), ['b.mesos.']);
  });

  it('a file over the size cap is refused as a whole', () => {
    const big = 'x'.repeat(MAX_STATIC_RECORDS_FILE_BYTES + 1);
    assert.deepEqual(problems(big), [`0: is larger than ${MAX_STATIC_RECORDS_FILE_BYTES} octets`]);
  });

  it('describeStaticProblems writes "file:line: problem" and caps the list', () => {
    const text = Array.from({ length: MAX_STATIC_PROBLEMS_SHOWN + 5 }, (_, i) => `n${i} A bad`).join('\n');
    const lines = describeStaticProblems('/etc/static.zone', parse(text).problems);
    assert.equal(lines.length, MAX_STATIC_PROBLEMS_SHOWN + 1);
    assert.equal(lines[0], '/etc/static.zone:1: "bad" is not an IPv4 address');
    assert.equal(lines.at(-1), '/etc/static.zone: 5 more problems not shown');
  });
});
