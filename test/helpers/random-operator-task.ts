// A random operator API task (the form the event stream and its snapshot carry): the fields records
// use, with odd types and missing members now and then, for property tests of the stream's readers.

type Doc = Record<string, unknown>;

/** A random operator API task: the fields records use, with odd types and missing members now and then. */
export function randomOperatorTask(random: () => number, n: number): Doc {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const maybe = (value: unknown): Doc => (random() < 0.8 ? { v: value } : {});
  const odd = (): unknown => pick([null, 7, true, [], {}, 'x']);
  const status = (i: number): unknown =>
    random() < 0.05
      ? odd()
      : {
          task_id: { value: `t${n}` },
          state: pick(['TASK_RUNNING', 'TASK_STARTING', 'TASK_STAGING', 7]),
          ...(random() < 0.9 ? { timestamp: random() < 0.95 ? 100 + i + random() : odd() } : {}),
          ...(random() < 0.5 ? { uuid: `u${n}-${i}` } : {}),
          ...(random() < 0.3 ? { healthy: pick([true, false, 'yes']) } : {}),
          ...(random() < 0.4 ? { labels: random() < 0.9 ? { labels: [{ key: 'Docker.NetworkSettings.IPAddress', value: `172.17.0.${i}` }, { key: 'k', value: pick(['v', 3]) }] } : odd() } : {}),
          ...(random() < 0.7
            ? { container_status: random() < 0.9 ? { network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: `192.0.2.${i}` }, { protocol: 'IPv6', ip_address: '2001:db8::1' }, {}] }, { ip_address: '192.0.2.99' }] } : odd() }
            : {}),
        };
  const discovery = random() < 0.5 ? { visibility: 'FRAMEWORK', name: pick(['web', '', 'Web_App']), ports: { ports: [{ number: 31000 + n, name: 'http', protocol: pick(['tcp', 'udp', 5]) }, { number: 'x' }] } } : odd();
  return {
    ...('v' in maybe(0) ? { name: pick(['web', 'db', 'a.b', '', 'ünï']) } : {}),
    task_id: { value: `t${n}` },
    framework_id: { value: 'F' },
    ...('v' in maybe(0) ? { agent_id: random() < 0.9 ? { value: `S${n % 7}` } : odd() } : {}),
    state: pick(['TASK_RUNNING', 'TASK_STAGING', 'TASK_KILLED']),
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      // Members in either order: the reader must not depend on `name` coming first.
      random() < 0.5 ? { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 + n }, { begin: 31005, end: 'x' }] } } : { ranges: { range: [{ begin: 32000, end: 32000 }] }, name: 'ports' },
      ...(random() < 0.2 ? [{ name: 'ports', ranges: { range: [{ begin: 1, end: 2 }] } }] : []),
    ],
    statuses: random() < 0.95 ? Array.from({ length: Math.floor(random() * 4) }, (_, i) => status(i)) : odd(),
    ...(random() < 0.7 ? { discovery } : {}),
  };
}

