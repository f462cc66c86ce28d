// External programs some tests drive (dig, Knot, NSD, ZooKeeper, setcap) and the one rule for when one is
// missing: on a developer's machine the test is skipped with a message that says what to install; under
// CI (CI=true) the run fails with that message instead, so a broken CI image cannot pass by skipping.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tool {
  /** How the message names it, e.g. "dig". */
  readonly name: string;
  /** What installs it, e.g. "apt-get install bind9-dnsutils". */
  readonly installHint: string;
  /** Whether it is usable here; a probe that throws counts as "missing". */
  readonly probe: () => Promise<boolean>;
}

/** The message a missing tool is reported with. */
export function missingToolMessage(tool: Pick<Tool, 'name' | 'installHint'>): string {
  return `${tool.name} not installed: ${tool.installHint}`;
}

/**
 * A value for node:test's `skip` option: false when every tool is there, the first missing one's message
 * otherwise. Under CI=true a missing tool throws that message instead (the test file fails).
 */
export async function requireTools(tools: readonly Tool[], env: NodeJS.ProcessEnv = process.env): Promise<string | false> {
  for (const tool of tools) {
    const present = await tool.probe().catch(() => false);
    if (present) continue;
    const message = missingToolMessage(tool);
    if (env['CI'] === 'true') throw new Error(`${message} (CI=true: a missing tool fails the run instead of skipping)`);
    return message;
  }
  return false;
}

export function requireTool(tool: Tool, env: NodeJS.ProcessEnv = process.env): Promise<string | false> {
  return requireTools([tool], env);
}

async function runs(file: string, args: readonly string[]): Promise<boolean> {
  await run(file, [...args], { timeout: 10_000 });
  return true;
}

/** On PATH or in /usr/sbin (where Debian puts servers, off a normal user's PATH). */
function onPathOrSbin(program: string): Promise<boolean> {
  return runs('sh', ['-c', `command -v ${program} || test -x /usr/sbin/${program}`]);
}

export const DIG: Tool = { name: 'dig', installHint: 'apt-get install bind9-dnsutils', probe: () => runs('dig', ['-v']) };
export const KNOTD: Tool = { name: 'knotd', installHint: 'apt-get install knot', probe: () => onPathOrSbin('knotd') };
export const NSD: Tool = { name: 'nsd', installHint: 'apt-get install nsd', probe: () => onPathOrSbin('nsd') };
export const SETCAP: Tool = { name: 'setcap', installHint: 'apt-get install libcap2-bin', probe: () => onPathOrSbin('setcap') };
export const NSD_CHECKZONE: Tool = { name: 'nsd-checkzone', installHint: 'apt-get install nsd', probe: () => onPathOrSbin('nsd-checkzone') };

/** Where test/helpers/zookeeper.ts looks for ZooKeeper's jars (Debian's `zookeeper` package). */
export const ZOOKEEPER_JARS = '/usr/share/java';

export const ZOOKEEPER: Tool = {
  name: 'ZooKeeper',
  installHint: `apt-get install zookeeper default-jre-headless (jars in ${ZOOKEEPER_JARS})`,
  probe: async () => readdirSync(ZOOKEEPER_JARS).some((f) => /^zookeeper-[\d.]+\.jar$/.test(f)) && (await runs('java', ['-version'])),
};
