// The embedded fixture cluster's state document, and the edits tests make to it (imports only).
import { readFileSync } from 'node:fs';

const EMBEDDED_STATE_URL = new URL('../../../fixtures/embedded/state.json', import.meta.url);

/** A fresh copy of the embedded state. */
export function embeddedState(): Record<string, unknown> {
  return JSON.parse(readFileSync(EMBEDDED_STATE_URL, 'utf8')) as Record<string, unknown>;
}

/** The embedded state with nginx's Mesos-containerizer IP changed. */
export function withNginxIp(ip: string): Record<string, unknown> {
  const state = embeddedState() as unknown as { frameworks: { tasks: { name: string; statuses: { labels?: { key: string; value: string }[] }[] }[] }[] };
  for (const framework of state.frameworks) {
    for (const task of framework.tasks) {
      if (task.name !== 'nginx') continue;
      for (const status of task.statuses) {
        for (const label of status.labels ?? []) {
          if (label.key === 'MesosContainerizer.NetworkSettings.IPAddress') label.value = ip;
        }
      }
    }
  }
  return state as unknown as Record<string, unknown>;
}
