// The pure routes against tables generated from fixture states: exact bodies, statuses and headers of
// every endpoint and of go-restful's framework behaviours (behaviour §6), named after the quirks they pin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../../src/config/types.js';
import { CONTENT_TYPE, type RouteContext, type RouteResponse, acceptsJson, normaliseLookupName, routeRequest } from '../../../src/http/routes.js';
import type { RecordTable } from '../../../src/records/table.js';
import { FIXED_NOW, embeddedConfig, embeddedTable, readFixtureJson, storeWith, tableFromState } from '../../helpers/embedded-table.js';

const config = embeddedConfig();
const table = embeddedTable(config);

function context(overrides: Partial<RouteContext> = {}, t: RecordTable | undefined = table, c: Config = config): RouteContext {
  return {
    snapshot: storeWith(t).current(),
    config: c,
    version: '0.1.0-test',
    now: FIXED_NOW,
    sourceStatus: undefined,
    renderMetrics: () => '# metrics\n',
    ...overrides,
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly response: RouteResponse;
}

function call(path: string, init: { method?: string; headers?: Record<string, string> } = {}, ctx: RouteContext = context()): Answer {
  const response = routeRequest({ method: init.method ?? 'GET', path, headers: init.headers ?? {} }, ctx);
  const body = typeof response.body === 'string' ? response.body : [...response.body].join('');
  return { status: response.status, headers: response.headers, body, response };
}

/** The minimal one-task cluster whose every record is known by hand (behaviour §2.4-2.11). */
const MINIMAL_STATE = {
  leader: 'master@127.0.0.1:5050',
  slaves: [{ id: '20140803-125133-3041283216-5050-2410-0', pid: 'slave(1)@192.0.2.2:5051', hostname: 'agent' }],
  frameworks: [
    {
      name: 'marathon',
      hostname: 'localhost',
      tasks: [
        {
          id: 'nginx.1bc32344-3dda-11e4-a088-c20493233aa5',
          name: 'nginx',
          slave_id: '20140803-125133-3041283216-5050-2410-0',
          state: 'TASK_RUNNING',
          resources: { ports: '[]' },
          statuses: [
            {
              state: 'TASK_RUNNING',
              timestamp: 1410896855.5742,
              labels: [{ key: 'MesosContainerizer.NetworkSettings.IPAddress', value: '192.0.2.8' }],
            },
          ],
        },
      ],
    },
  ],
};
const minimal = tableFromState(MINIMAL_STATE, config);

describe("framework behaviours (go-restful and Go's ServeMux, behaviour §6)", () => {
  const cases: [string, string, string, Record<string, string>, number, string][] = [
    ['unknown path', 'GET', '/nope', {}, 404, '404: Page Not Found'],
    ['the root', 'GET', '/', {}, 404, '404: Page Not Found'],
    ['an empty host segment', 'GET', '/v1/hosts/', {}, 404, '404: Page Not Found'],
    ['paths are case-sensitive', 'GET', '/V1/version', {}, 404, '404: Page Not Found'],
    ['paths are case-sensitive (last segment)', 'GET', '/v1/Version', {}, 404, '404: Page Not Found'],
    ['an extra segment', 'GET', '/v1/hosts/a/b', {}, 404, '404: Page Not Found'],
    ['unknown path wins over method', 'POST', '/nope', {}, 404, '404: Page Not Found'],
    ['POST on a known path', 'POST', '/v1/version', {}, 405, '405: Method Not Allowed'],
    ['HEAD on a known path', 'HEAD', '/v1/version', {}, 405, '405: Method Not Allowed'],
    ['DELETE on a parameterised path', 'DELETE', '/v1/hosts/x', {}, 405, '405: Method Not Allowed'],
    ['method is checked before Accept', 'POST', '/v1/version', { accept: 'text/html' }, 405, '405: Method Not Allowed'],
    ['Accept text/html', 'GET', '/v1/version', { accept: 'text/html' }, 406, '406: Not Acceptable'],
    ['Accept text/plain', 'GET', '/v1/hosts/x', { accept: 'text/plain' }, 406, '406: Not Acceptable'],
    ['Accept application/* is not enough', 'GET', '/v1/version', { accept: 'application/*' }, 406, '406: Not Acceptable'],
    ['media types are case-sensitive', 'GET', '/v1/version', { accept: 'Application/JSON' }, 406, '406: Not Acceptable'],
    ['the /ports route exists only to say 501', 'GET', '/v1/hosts/x/ports', {}, 501, 'To be implemented...'],
    ['/ports tolerates a trailing slash', 'GET', '/v1/hosts/x/ports/', {}, 501, 'To be implemented...'],
    ['a bad percent escape', 'GET', '/v1/hosts/%zz', {}, 400, '400 Bad Request'],
    ['an asterisk target', 'OPTIONS', '*', {}, 400, '400 Bad Request'],
  ];
  for (const [label, method, path, headers, status, body] of cases) {
    it(`${label}: ${method} ${path} → ${status}`, () => {
      const answer = call(path, { method, headers });
      assert.equal(answer.status, status);
      assert.equal(answer.body, body);
      assert.equal(answer.headers['Content-Type'], CONTENT_TYPE.text);
    });
  }

  const ok: [string, string, Record<string, string>][] = [
    ['no Accept header', '/v1/version', {}],
    ['Accept */*', '/v1/version', { accept: '*/*' }],
    ['Accept application/json with parameters and spaces', '/v1/version', { accept: 'text/html,  application/json;q=0.1' }],
    ['Accept with */* among others', '/v1/version', { accept: 'text/html, */*;q=0.8' }],
    ['a trailing slash', '/v1/version/', {}],
    ['a query string', '/v1/version?pretty=false&x=%zz', {}],
    ['a request Content-Type is ignored', '/v1/version', { 'content-type': 'text/xml' }],
    ['percent-encoded path characters', '/v1/%76ersion', {}],
  ];
  for (const [label, path, headers] of ok) {
    it(`${label}: GET ${path} → 200`, () => {
      const answer = call(path, { headers });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['Content-Type'], 'application/json');
    });
  }

  it('//v1/version → 301 to the cleaned path with Go\'s HTML body', () => {
    const answer = call('//v1/version');
    assert.equal(answer.status, 301);
    assert.equal(answer.headers['Location'], '/v1/version');
    assert.equal(answer.headers['Content-Type'], 'text/html; charset=utf-8');
    assert.equal(answer.body, '<a href="/v1/version">Moved Permanently</a>.\n\n');
  });

  it('the redirect keeps the query string and re-escapes the path', () => {
    assert.equal(call('/v1/./hosts//a%20b?x=1').headers['Location'], '/v1/hosts/a%20b?x=1');
    assert.equal(call('/v1/x/../config').headers['Location'], '/v1/config');
  });

  it('the redirect has no body for other methods and a content type only for GET and HEAD', () => {
    const head = call('//v1/version', { method: 'HEAD' });
    assert.equal(head.status, 301);
    assert.equal(head.headers['Content-Type'], 'text/html; charset=utf-8');
    const post = call('//v1/version', { method: 'POST' });
    assert.equal(post.status, 301);
    assert.equal(post.headers['Content-Type'], undefined);
    assert.equal(post.body, '');
  });

  it('/v1/enumerate and /v1/axfr do not exist when EnumerationOn is false', () => {
    const off = context({}, table, embeddedConfig({ enumerationOn: false }));
    assert.equal(call('/v1/enumerate', {}, off).status, 404);
    assert.equal(call('/v1/axfr', {}, off).status, 404);
    assert.equal(call('/v1/enumerate').status, 200);
    assert.equal(call('/v1/axfr').status, 200);
  });

  it('acceptsJson follows go-restful exactly', () => {
    assert.equal(acceptsJson(undefined), true);
    assert.equal(acceptsJson(''), true);
    assert.equal(acceptsJson('application/json'), true);
    assert.equal(acceptsJson('application/json;q=0'), true, 'quality values are ignored');
    assert.equal(acceptsJson('\tapplication/json'), false, 'only spaces are trimmed');
    assert.equal(acceptsJson('application/json-seq'), false);
  });
});

describe('GET /v1/version', () => {
  it('answers Service, URL, Version in that order, pretty-printed like go-restful', () => {
    const answer = call('/v1/version');
    assert.equal(answer.status, 200);
    assert.equal(
      answer.body,
      '{\n  "Service": "Mesos-DNS",\n  "URL": "https://github.com/mesosphere/mesos-dns",\n  "Version": "0.1.0-test"\n }',
    );
  });
});

describe('GET /v1/config', () => {
  const withSecret = embeddedConfig({ mesosCredentials: { principal: 'dns', secret: 'hunter2' }, masters: ['127.0.0.1:5050'] });

  it('quirk #23: /v1/config redacts the secret but keeps the key and the principal', () => {
    const answer = call('/v1/config', {}, context({}, table, withSecret));
    assert.equal(answer.status, 200);
    assert.ok(!answer.body.includes('hunter2'), 'the secret must not appear');
    const doc = JSON.parse(answer.body) as Record<string, unknown>;
    assert.deepEqual(doc['MesosCredentials'], { Principal: 'dns', Secret: '[redacted]' });
  });

  it('quirk #23: an unset secret stays empty', () => {
    const doc = JSON.parse(call('/v1/config').body) as Record<string, unknown>;
    assert.deepEqual(doc['MesosCredentials'], { Principal: '', Secret: '' });
  });

  it("lists Mesos-DNS's keys in Mesos-DNS's order, with the live serial and null Masters when unset", () => {
    const doc = JSON.parse(call('/v1/config').body) as Record<string, unknown>;
    const mesosDnsKeys = [
      'RefreshSeconds', 'Port', 'Timeout', 'StateTimeoutSeconds', 'ZkDetectionTimeout', 'HttpPort', 'TTL',
      'SRVRecordDefaultWeight', 'SOASerial', 'SOARefresh', 'SOARetry', 'SOAExpire', 'SOAMinttl', 'SOAMname',
      'SOARname', 'Masters', 'ZoneResolvers', 'Resolvers', 'IPSources', 'Zk', 'Domain', 'File', 'Listener',
      'HTTPListener', 'RecurseOn', 'DnsOn', 'HttpOn', 'ExternalOn', 'EnforceRFC952', 'SetTruncateBit',
      'EnumerationOn', 'MesosHTTPSOn', 'CACertFile', 'CertFile', 'KeyFile', 'MesosCredentials', 'IAMConfigFile',
      'MesosAuthentication',
    ];
    assert.deepEqual(Object.keys(doc).slice(0, mesosDnsKeys.length), mesosDnsKeys);
    assert.equal(doc['SOASerial'], FIXED_NOW / 1000);
    assert.equal(doc['Masters'], null);
    assert.equal(doc['SOAMname'], 'ns1.mesos.');
    assert.deepEqual(doc['ZoneResolvers'], {});
    const text = call('/v1/config').body;
    assert.ok(text.includes('\n  "ZoneResolvers": {},\n'), 'empty maps print as {}');
    assert.ok(text.includes('\n  "IPSources": [\n   "netinfo",\n   "mesos",\n   "host"\n  ],\n'));
  });
});

describe('GET /v1/hosts/{host}', () => {
  it('lists the A records of the name', () => {
    const answer = call('/v1/hosts/nginx.marathon.mesos');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['Content-Type'], 'application/json');
    assert.equal(answer.body, '[\n  {\n   "host": "nginx.marathon.mesos.",\n   "ip": "192.0.2.8"\n  }\n ]');
    assert.deepEqual(answer.response.lookup, { kind: 'hosts', result: 'found' });
  });

  it('strips every ".*", lower-cases and adds the trailing dot (quirk #9)', () => {
    for (const raw of ['NGINX.Marathon.MESOS.', 'nginx.*.marathon.mesos', 'nginx.marathon.*.mesos.*', 'nginx%2Emarathon.mesos']) {
      const rows = JSON.parse(call(`/v1/hosts/${raw}`).body) as unknown;
      assert.deepEqual(rows, [{ host: 'nginx.marathon.mesos.', ip: '192.0.2.8' }], raw);
    }
    assert.equal(normaliseLookupName('.*'), '.');
  });

  it('lists all A values, then all AAAA values', () => {
    const rows = JSON.parse(call('/v1/hosts/toy-store.ipv6-framework.mesos').body) as { host: string; ip: string }[];
    assert.deepEqual(
      rows.map((r) => r.ip),
      ['192.0.2.11', '192.0.2.10', '2001:db8:b::1:8000:2'],
    );
    assert.ok(rows.every((r) => r.host === 'toy-store.ipv6-framework.mesos.'));
  });

  it('quirk #29: nothing found is 200 with one all-empty object', () => {
    const answer = call('/v1/hosts/nope.marathon.mesos');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '[\n  {\n   "host": "",\n   "ip": ""\n  }\n ]');
    assert.deepEqual(answer.response.lookup, { kind: 'hosts', result: 'not_found' });
  });

  it('quirk #29: a name outside the domain is the same empty answer, counted as outside the domain', () => {
    const answer = call('/v1/hosts/example.org');
    assert.deepEqual(JSON.parse(answer.body), [{ host: '', ip: '' }]);
    assert.deepEqual(answer.response.lookup, { kind: 'hosts', result: 'outside_domain' });
  });

  it('raw upper-case DiscoveryInfo names stay unreachable (lookups are lower-cased, behaviour §2.10)', () => {
    const doc = readFixtureJson('fixtures/embedded/state.json') as { frameworks: { tasks: { discovery?: { name: string } }[] }[] };
    const task = doc.frameworks[3]?.tasks[1];
    assert.ok(task?.discovery);
    task.discovery.name = 'Liquor.Store';
    const t = tableFromState(doc, config);
    assert.deepEqual(t.lookup('Liquor.Store.marathon.mesos.')?.a, ['192.0.2.2'], 'the raw name is stored');
    // The lookup reaches only the lower-case name, which here holds the other liquor.store task's address.
    assert.deepEqual(JSON.parse(call('/v1/hosts/Liquor.Store.marathon.mesos', {}, context({}, t)).body), [
      { host: 'liquor.store.marathon.mesos.', ip: '192.0.2.3' },
    ]);
  });
});

describe('GET /v1/services/{service}', () => {
  it('resolves each SRV target to one A (and one AAAA), echoing the service as sent', () => {
    const answer = call('/v1/services/_liquor-store._TCP.marathon.mesos');
    assert.equal(answer.status, 200);
    assert.equal(
      answer.body,
      [
        '[',
        '  {',
        '   "service": "_liquor-store._TCP.marathon.mesos",',
        '   "host": "liquor-store-4dfjd-0.marathon.mesos.",',
        '   "ip": "192.0.2.2",',
        '   "port": "80"',
        '  },',
        '  {',
        '   "service": "_liquor-store._TCP.marathon.mesos",',
        '   "host": "liquor-store-4dfjd-0.marathon.mesos.",',
        '   "ip": "192.0.2.2",',
        '   "port": "443"',
        '  },',
        '  {',
        '   "service": "_liquor-store._TCP.marathon.mesos",',
        '   "host": "liquor-store-zasmd-1.marathon.mesos.",',
        '   "ip": "192.0.2.3",',
        '   "port": "80"',
        '  },',
        '  {',
        '   "service": "_liquor-store._TCP.marathon.mesos",',
        '   "host": "liquor-store-zasmd-1.marathon.mesos.",',
        '   "ip": "192.0.2.3",',
        '   "port": "443"',
        '  }',
        ' ]',
      ].join('\n'),
    );
    assert.deepEqual(answer.response.lookup, { kind: 'services', result: 'found' });
  });

  it('uses the AAAA record of a target that has only IPv6 addresses', () => {
    const rows = JSON.parse(call('/v1/services/_toy-store._tcp.ipv6-framework.slave.mesos.').body) as unknown;
    assert.deepEqual(rows, [
      {
        service: '_toy-store._tcp.ipv6-framework.slave.mesos.',
        host: 'toy-store-go588-3.ipv6-framework.slave.mesos.',
        ip: '2001:db8::1',
        port: '31354',
      },
      {
        service: '_toy-store._tcp.ipv6-framework.slave.mesos.',
        host: 'toy-store-go588-3.ipv6-framework.slave.mesos.',
        ip: '2001:db8::1',
        port: '31355',
      },
    ]);
  });

  it('skips targets without addresses; none left is the all-empty answer (quirk #29)', () => {
    // With netinfo only, the DiscoveryInfo SRVs point at C.F.D. names that have no address (behaviour §2.12).
    const netinfoOnly = embeddedConfig({ ipSources: ['netinfo'] });
    const t = tableFromState(readFixtureJson('fixtures/embedded/state.json'), netinfoOnly);
    assert.ok((t.lookup('_liquor-store._tcp.marathon.mesos.')?.srv.length ?? 0) > 0);
    const answer = call('/v1/services/_liquor-store._tcp.marathon.mesos', {}, context({}, t, netinfoOnly));
    assert.equal(answer.body, '[\n  {\n   "service": "",\n   "host": "",\n   "ip": "",\n   "port": ""\n  }\n ]');
    assert.deepEqual(answer.response.lookup, { kind: 'services', result: 'found' });
  });

  it('quirk #29: an unknown service is 200 with one all-empty object', () => {
    const answer = call('/v1/services/_nope._tcp.marathon.mesos');
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), [{ service: '', host: '', ip: '', port: '' }]);
    assert.deepEqual(answer.response.lookup, { kind: 'services', result: 'not_found' });
  });
});

describe('GET /v1/enumerate', () => {
  it('matches Mesos-DNS byte for byte on a one-task cluster (tasks before name)', () => {
    const answer = call('/v1/enumerate', {}, context({}, minimal));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['Content-Type'], 'application/json');
    const record = (name: string, host: string): string[] => [
      '       {',
      `        "name": "${name}",`,
      `        "host": "${host}",`,
      '        "rtype": "A"',
      '       }',
    ];
    const expected = [
      '{',
      '  "frameworks": [',
      '   {',
      '    "tasks": [',
      '     {',
      '      "name": "nginx",',
      '      "id": "nginx.1bc32344-3dda-11e4-a088-c20493233aa5",',
      '      "records": [',
      ...record('nginx.marathon.mesos.', '192.0.2.8').map((l, i, a) => (i === a.length - 1 ? `${l},` : l)),
      ...record('nginx-6ud99-0.marathon.mesos.', '192.0.2.8').map((l, i, a) => (i === a.length - 1 ? `${l},` : l)),
      ...record('nginx.marathon.slave.mesos.', '192.0.2.2').map((l, i, a) => (i === a.length - 1 ? `${l},` : l)),
      ...record('nginx-6ud99-0.marathon.slave.mesos.', '192.0.2.2'),
      '      ]',
      '     }',
      '    ],',
      '    "name": "marathon"',
      '   }',
      '  ]',
      ' }',
    ].join('\n');
    assert.equal(answer.body, expected);
  });

  it('quirk #30: no frameworks at all is "frameworks": null', () => {
    const empty = tableFromState({ leader: 'master@127.0.0.1:5050', frameworks: [], slaves: [] }, config);
    assert.equal(call('/v1/enumerate', {}, context({}, empty)).body, '{\n  "frameworks": null\n }');
  });

  it('quirk #30: a task that inserted nothing new has "records": null; a framework without tasks has []', () => {
    const doc = JSON.parse(JSON.stringify(MINIMAL_STATE)) as typeof MINIMAL_STATE;
    const framework = doc.frameworks[0];
    assert.ok(framework);
    framework.tasks.push({ ...(framework.tasks[0] as (typeof framework.tasks)[number]) });
    (doc.frameworks as unknown[]).push({ name: 'idle', hostname: 'localhost', tasks: [] });
    const t = tableFromState(doc, config);
    const parsed = JSON.parse(call('/v1/enumerate', {}, context({}, t)).body) as {
      frameworks: { tasks: { name: string; records: unknown }[]; name: string }[];
    };
    assert.equal(parsed.frameworks.length, 2);
    assert.equal(parsed.frameworks[0]?.tasks.length, 2);
    assert.equal(parsed.frameworks[0]?.tasks[0]?.records instanceof Array, true);
    assert.equal(parsed.frameworks[0]?.tasks[1]?.records, null);
    assert.deepEqual(parsed.frameworks[1], { tasks: [], name: 'idle' });
  });

  it('lists every framework of the embedded cluster in state order, raw names', () => {
    const parsed = JSON.parse(call('/v1/enumerate').body) as { frameworks: { name: string }[] };
    assert.deepEqual(
      parsed.frameworks.map((f) => f.name),
      ['ipv6-framework', 'chronos with a space AND MIXED CASE-2.0.1', 'no pid', 'marathon'],
    );
  });
});

describe('GET /v1/axfr', () => {
  it('matches Mesos-DNS byte for byte on a one-task cluster: sorted names, {} for an empty set', () => {
    const answer = call('/v1/axfr', {}, context({}, minimal));
    assert.equal(answer.status, 200);
    const set = (name: string, value: string, last = false): string[] => [`    "${name}": [`, `     "${value}"`, `    ]${last ? '' : ','}`];
    const expected = [
      '{',
      '  "TTL": 60,',
      `  "Serial": ${FIXED_NOW / 1000},`,
      '  "RefreshSeconds": 60,',
      '  "Mname": "ns1.mesos.",',
      '  "Rname": "root.ns1.mesos.",',
      '  "Domain": "mesos",',
      '  "Records": {',
      '   "As": {',
      ...set('leader.mesos.', '127.0.0.1'),
      ...set('master.mesos.', '127.0.0.1'),
      ...set('master0.mesos.', '127.0.0.1'),
      ...set('nginx-6ud99-0.marathon.mesos.', '192.0.2.8'),
      ...set('nginx-6ud99-0.marathon.slave.mesos.', '192.0.2.2'),
      ...set('nginx.marathon.mesos.', '192.0.2.8'),
      ...set('nginx.marathon.slave.mesos.', '192.0.2.2'),
      ...set('ns1.mesos.', '127.0.0.1'),
      ...set('slave.mesos.', '192.0.2.2', true),
      '   },',
      '   "AAAAs": {},',
      '   "SRVs": {',
      ...set('_leader._tcp.mesos.', 'leader.mesos.:5050'),
      ...set('_leader._udp.mesos.', 'leader.mesos.:5050'),
      ...set('_slave._tcp.mesos.', 'slave.mesos.:5051', true),
      '   }',
      '  }',
      ' }',
    ].join('\n');
    assert.equal(answer.body, expected);
  });

  it('lists every name of the embedded cluster once per type, sorted, raw names included (quirk #10)', () => {
    const doc = JSON.parse(call('/v1/axfr').body) as { Records: Record<'As' | 'AAAAs' | 'SRVs', Record<string, string[]>> };
    for (const type of ['As', 'AAAAs', 'SRVs'] as const) {
      const names = Object.keys(doc.Records[type]);
      assert.deepEqual(names, [...names].sort(), `${type} sorted`);
    }
    assert.deepEqual(doc.Records.AAAAs['toy-store.ipv6-framework.mesos.'], ['2001:db8:b::1:8000:2']);
    assert.ok(doc.Records.As['liquor.store.marathon.mesos.'], 'raw DiscoveryInfo name present');
    let total = 0;
    for (const type of ['As', 'AAAAs', 'SRVs'] as const) for (const values of Object.values(doc.Records[type])) total += values.length;
    assert.equal(total, table.counts.a + table.counts.aaaa + table.counts.srv);
  });

  it('adds "CNAMEs" and "PTRs" maps after Mesos-DNS\'s three only when the table has such records', () => {
    const withExtras = embeddedConfig({ reverseZones: ['2.0.192.in-addr.arpa'] });
    const extras = tableFromState(MINIMAL_STATE, withExtras, [
      { name: 'www.mesos.', type: 'CNAME', value: 'nginx.marathon.mesos.', line: 1 },
      { name: 'db.mesos.', type: 'A', value: '192.0.2.200', line: 2 },
    ]);
    const doc = JSON.parse(call('/v1/axfr', {}, context({}, extras, withExtras)).body) as { Records: Record<string, Record<string, string[]>> };
    assert.deepEqual(Object.keys(doc.Records), ['As', 'AAAAs', 'SRVs', 'CNAMEs', 'PTRs']);
    assert.deepEqual(doc.Records['CNAMEs'], { 'www.mesos.': ['nginx.marathon.mesos.'] });
    assert.deepEqual(doc.Records['PTRs'], { '2.2.0.192.in-addr.arpa.': ['slave.mesos.'], '8.2.0.192.in-addr.arpa.': ['nginx-6ud99-0.marathon.mesos.'] });
    assert.deepEqual(doc.Records['As']?.['db.mesos.'], ['192.0.2.200']);
    const plain = JSON.parse(call('/v1/axfr', {}, context({}, minimal)).body) as { Records: Record<string, unknown> };
    assert.deepEqual(Object.keys(plain.Records), ['As', 'AAAAs', 'SRVs']);
    // /v1/hosts serves a static A name like any other.
    assert.equal(call('/v1/hosts/db.mesos', {}, context({}, extras, withExtras)).body.replace(/\s+/g, ''), '[{"host":"db.mesos.","ip":"192.0.2.200"}]');
  });

  it('streams its body in chunks when the table is big enough', () => {
    const response = routeRequest({ method: 'GET', path: '/v1/axfr', headers: {} }, context({ chunkSize: 256 }));
    assert.equal(typeof response.body, 'object');
    const chunks = [...(response.body as Iterable<string>)];
    assert.ok(chunks.length > 10);
    assert.equal(chunks.join(''), call('/v1/axfr').body);
  });
});

describe('before the first table (quirk #19, FIX)', () => {
  const none = context({ snapshot: undefined });
  for (const path of ['/v1/hosts/nginx.marathon.mesos', '/v1/services/_x._tcp.marathon.mesos', '/v1/enumerate', '/v1/axfr']) {
    it(`${path} is 503, never a cacheable empty answer`, () => {
      const answer = call(path, {}, none);
      assert.equal(answer.status, 503);
      assert.deepEqual(JSON.parse(answer.body), { status: 'unavailable', reason: 'no table yet' });
      assert.equal(answer.headers['Retry-After'], '1');
    });
  }

  it('/v1/version and /v1/config still answer (the serial is the configured floor)', () => {
    assert.equal(call('/v1/version', {}, none).status, 200);
    const doc = JSON.parse(call('/v1/config', {}, none).body) as Record<string, unknown>;
    assert.equal(doc['SOASerial'], config.soaSerial);
  });
});

describe('GET /health and /metrics (our additions)', () => {
  it('/health answers 503 before the first table and 200 with one', () => {
    const before = call('/health', {}, context({ snapshot: undefined }));
    assert.equal(before.status, 503);
    assert.equal(before.headers['Content-Type'], 'application/json');
    assert.equal((JSON.parse(before.body) as { reason: string }).reason, 'no table yet');
    const after = call('/health/');
    assert.equal(after.status, 200);
    assert.equal((JSON.parse(after.body) as { status: string }).status, 'ok');
  });

  it('/metrics renders the registry as Prometheus text', () => {
    const answer = call('/metrics', { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['Content-Type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(answer.body, '# metrics\n');
  });

  it('HEAD is allowed on both, other methods are 405', () => {
    assert.equal(call('/health', { method: 'HEAD' }).status, 200);
    assert.equal(call('/metrics', { method: 'HEAD' }).status, 200);
    assert.equal(call('/metrics', { method: 'POST' }).status, 405);
    assert.equal(call('/health', { method: 'PUT' }).status, 405);
  });
});
