// PTR records for the ReverseZones: container IPs to the task's canonical name, agent IPs to
// slave.<domain>., shared IPs to nothing; nothing at all without ReverseZones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateRecordsWithReport } from '../../../src/records/generate.js';
import { parseState } from '../../../src/mesos/parse-state.js';
import { BASE_CONFIG, type Doc, SLAVE_0, at, framework, netinfo, running, slave, state, task } from './helpers.js';

const SLAVE_1 = `${SLAVE_0.slice(0, -1)}1`;
const ZONES = ['10.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa'];

function cluster(tasks: Doc[]): Doc {
  return state({
    slaves: [slave(SLAVE_0, 'slave(1)@10.0.1.1:5051'), slave(SLAVE_1, 'slave(1)@[2001:db8::1:1]:5051')],
    frameworks: [framework('marathon', 'scheduler(1)@10.0.0.2:8080', tasks)],
  });
}

function generate(doc: Doc, reverseZones: readonly string[] = ZONES) {
  const parsed = parseState(doc);
  if (!parsed.ok) throw new Error(parsed.error);
  return generateRecordsWithReport({ state: parsed.state, config: { ...BASE_CONFIG, reverseZones }, masters: [], listenerAddresses: [] });
}

/** Every PTR record as "reverse name -> target", sorted. */
function ptrs(doc: Doc, reverseZones: readonly string[] = ZONES): string[] {
  const { table } = generate(doc, reverseZones);
  return [...table.entries()].flatMap(([name, r]) => r.ptr.map((t) => `${name} -> ${t}`)).sort();
}

const AGENT_PTRS = [
  '1.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. -> slave.mesos.',
  '1.1.0.10.in-addr.arpa. -> slave.mesos.',
];

describe('PTR records', () => {
  it('none without ReverseZones, and the Mesos names are unchanged', () => {
    const doc = cluster([task('web', 'web.1', { statuses: [running(1, netinfo('10.1.0.5'))] })]);
    assert.deepEqual(ptrs(doc, []), []);
    const off = generate(doc, []).table;
    const on = generate(doc).table;
    const mesosNames = [...off.entries()].map(([n]) => n);
    assert.deepEqual([...on.entries()].map(([n]) => n).filter((n) => !n.endsWith('.arpa.')), mesosNames);
    assert.equal(off.counts.ptr, 0);
  });

  it('a container IP points at the task\'s canonical name; agent IPs at slave.<domain>.', () => {
    const doc = cluster([
      task('web', 'web.1', { statuses: [running(1, netinfo('10.1.0.5', '2001:db8::a:5'))] }),
    ]);
    assert.deepEqual(ptrs(doc), [
      '5.0.0.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. -> web-e844k-0.marathon.mesos.',
      ...AGENT_PTRS,
      '5.0.1.10.in-addr.arpa. -> web-e844k-0.marathon.mesos.',
    ].sort());
    // The target is a name that holds the IP (forward-confirmed).
    assert.deepEqual(at(generate(doc).table, 'web-e844k-0.marathon.mesos.').a, ['10.1.0.5']);
  });

  it('an IP two tasks share gets no PTR, and the report counts it', () => {
    const doc = cluster([
      task('a', 'a.1', { statuses: [running(1, netinfo('10.1.0.7'))] }),
      task('b', 'b.1', { statuses: [running(1, netinfo('10.1.0.7'))] }),
    ]);
    assert.deepEqual(ptrs(doc), AGENT_PTRS);
    assert.deepEqual(generate(doc).report.reverse, { agents: 2, tasks: 0, shared: 1 });
  });

  it('a host-network task (its IP is its agent\'s) leaves the agent\'s PTR alone', () => {
    const doc = cluster([task('hostnet', 'hostnet.1', { statuses: [running(1)] })]);
    assert.deepEqual(ptrs(doc), AGENT_PTRS);
  });

  it('IPs outside every reverse zone get none', () => {
    const doc = cluster([task('web', 'web.1', { statuses: [running(1, netinfo('192.168.5.5'))] })]);
    assert.deepEqual(ptrs(doc), AGENT_PTRS);
    assert.deepEqual(ptrs(doc, ['2.0.192.in-addr.arpa']), []);
  });

  it('with DiscoveryInfo the target is the sanitised canonical name', () => {
    const doc = cluster([
      task('svc', 'svc.1', { statuses: [running(1, netinfo('10.1.0.8'))], discovery: { name: 'Web Svc', ports: { ports: [] } } }),
    ]);
    assert.ok(ptrs(doc).includes('8.0.1.10.in-addr.arpa. -> websvc-hdna6-0.marathon.mesos.'), ptrs(doc).join('\n'));
  });

  it('a task whose canonical label is longer than 63 octets (quirk #11) gets no PTR', () => {
    const long = 'a'.repeat(60);
    const doc = cluster([task(long, `${long}.1`, { statuses: [running(1, netinfo('10.1.0.9'))] })]);
    assert.deepEqual(ptrs(doc), AGENT_PTRS);
  });

  it('the levels between a reverse zone and its names exist (empty non-terminals)', () => {
    const { table } = generate(cluster([]));
    assert.ok(table.hasDescendants('1.0.10.in-addr.arpa.'));
    assert.ok(table.hasDescendants('0.10.in-addr.arpa.'));
    assert.ok(!table.hasDescendants('10.in-addr.arpa.'), 'the apex is no ancestor');
    assert.ok(!table.hasDescendants('2.0.10.in-addr.arpa.'));
  });
});
