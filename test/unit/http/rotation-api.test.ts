// The /v1/rotation handler on its own: token checks, and a list keeper that cannot change the list
// (the shared ZooKeeper copy unreachable) answering 503 rather than failing the request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleRotation, isRotationPath, tokenMatches } from '../../../src/http/rotation-api.js';
import type { RotationControl } from '../../../src/rotation/rotation-store.js';

const TOKEN = 'r0tation-unit-token-1234';
const unreachable: RotationControl = {
  active: () => [],
  add: () => Promise.reject(new Error('ZooKeeper is not connected; the shared rotation list cannot change now')),
  remove: () => Promise.reject(new Error('ZooKeeper is not connected; the shared rotation list cannot change now')),
};

describe('/v1/rotation handler', () => {
  it('matches only "Bearer <token>", exactly', () => {
    assert.equal(tokenMatches(`Bearer ${TOKEN}`, TOKEN), true);
    assert.equal(tokenMatches(`bearer ${TOKEN}`, TOKEN), true);
    assert.equal(tokenMatches(TOKEN, TOKEN), false, 'no scheme');
    assert.equal(tokenMatches(`Bearer ${TOKEN}x`, TOKEN), false);
    assert.equal(tokenMatches(`Bearer ${TOKEN.slice(1)}`, TOKEN), false);
    assert.equal(tokenMatches('Bearer ', ''), false, 'an empty token never matches');
    assert.equal(tokenMatches(undefined, TOKEN), false);
  });

  it('answers 503 with the reason when the list cannot change', async () => {
    const body = JSON.stringify({ kind: 'app', value: 'web', seconds: 60 });
    const added = await handleRotation({ method: 'POST', path: '/v1/rotation', authorization: `Bearer ${TOKEN}`, body }, unreachable, TOKEN, 0);
    assert.equal(added.response.status, 503);
    assert.match(added.response.body as string, /not connected/);
    assert.equal(added.change, undefined);
    const removed = await handleRotation({ method: 'DELETE', path: '/v1/rotation/app/web', authorization: `Bearer ${TOKEN}`, body: '' }, unreachable, TOKEN, 0);
    assert.equal(removed.response.status, 503);
  });

  it('claims only its own paths, and refuses other methods', async () => {
    assert.equal(isRotationPath('/v1/rotation?x=1'), true);
    assert.equal(isRotationPath('/v1/rotation/app/web'), true);
    assert.equal(isRotationPath('/v1/rotations'), false);
    const put = await handleRotation({ method: 'PUT', path: '/v1/rotation', authorization: `Bearer ${TOKEN}`, body: '' }, unreachable, TOKEN, 0);
    assert.equal(put.response.status, 405);
  });
});
