// The missing-tool rule (test/helpers/tools.ts): present runs, missing skips with a message outside CI
// and fails under CI=true.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Tool, missingToolMessage, requireTool, requireTools } from '../../helpers/tools.js';

const present: Tool = { name: 'present-tool', installHint: 'nothing to do', probe: async () => true };
const missing: Tool = { name: 'missing-tool', installHint: 'apt-get install missing-tool', probe: async () => false };
const broken: Tool = {
  name: 'broken-tool',
  installHint: 'apt-get install broken-tool',
  probe: async () => {
    throw new Error('spawn broken-tool ENOENT');
  },
};

describe('requireTool', () => {
  it('a present tool gives false (run the test), in CI or not', async () => {
    assert.equal(await requireTool(present, {}), false);
    assert.equal(await requireTool(present, { CI: 'true' }), false);
  });

  it('outside CI a missing tool gives the skip message naming the tool and how to install it', async () => {
    assert.equal(await requireTool(missing, {}), 'missing-tool not installed: apt-get install missing-tool');
    assert.equal(await requireTool(missing, { CI: 'false' }), missingToolMessage(missing));
  });

  it('a probe that throws counts as missing', async () => {
    assert.equal(await requireTool(broken, {}), 'broken-tool not installed: apt-get install broken-tool');
  });

  it('under CI=true a missing tool fails with the same message', async () => {
    await assert.rejects(requireTool(missing, { CI: 'true' }), (err: Error) => err.message.startsWith('missing-tool not installed: apt-get install missing-tool'));
    await assert.rejects(requireTool(broken, { CI: 'true' }), /^Error: broken-tool not installed/);
  });

  it('requireTools reports the first missing tool and probes no further', async () => {
    let probedAfter = false;
    const later: Tool = { ...present, probe: async () => (probedAfter = true) };
    assert.equal(await requireTools([present, missing, later], {}), missingToolMessage(missing));
    assert.equal(probedAfter, false);
    assert.equal(await requireTools([present, present], {}), false);
  });
});
