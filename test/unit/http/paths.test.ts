import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanPath, escapePath, parseRequestTarget, percentDecodePath } from '../../../src/http/paths.js';

describe('percentDecodePath (Go URL.Path decoding)', () => {
  const cases: [string, string | undefined][] = [
    ['/v1/hosts/nginx.marathon.mesos', '/v1/hosts/nginx.marathon.mesos'],
    ['/v1/hosts/nginx%2Emarathon%2emesos', '/v1/hosts/nginx.marathon.mesos'],
    ['/v1/hosts/a%2Fb', '/v1/hosts/a/b'],
    ['/v1/hosts/a+b', '/v1/hosts/a+b'],
    ['/v1/hosts/caf%C3%A9', '/v1/hosts/café'],
    ['/v1/hosts/%FF', '/v1/hosts/\ufffd'],
    ['/v1/hosts/%zz', undefined],
    ['/v1/hosts/%4', undefined],
    ['/v1/hosts/%', undefined],
  ];
  for (const [raw, expected] of cases) {
    it(`${raw} → ${expected === undefined ? 'invalid' : JSON.stringify(expected)}`, () => {
      assert.equal(percentDecodePath(raw), expected);
    });
  }

  it('reads raw bytes (latin1 text from node) as UTF-8', () => {
    assert.equal(percentDecodePath(Buffer.from('/v1/hosts/café', 'utf8').toString('latin1')), '/v1/hosts/café');
  });
});

describe('parseRequestTarget', () => {
  it('splits off the query string, which is never decoded', () => {
    assert.deepEqual(parseRequestTarget('/v1/version?x=%zz'), { kind: 'path', path: '/v1/version', rawQuery: 'x=%zz' });
    assert.deepEqual(parseRequestTarget('/v1/version'), { kind: 'path', path: '/v1/version', rawQuery: undefined });
    assert.deepEqual(parseRequestTarget('/v1/version?'), { kind: 'path', path: '/v1/version', rawQuery: '' });
  });

  it('accepts absolute-form targets', () => {
    assert.deepEqual(parseRequestTarget('http://127.0.0.1:8123/v1/version?a'), { kind: 'path', path: '/v1/version', rawQuery: 'a' });
    assert.deepEqual(parseRequestTarget('http://127.0.0.1:8123'), { kind: 'path', path: '/', rawQuery: undefined });
  });

  it('rejects "*", relative targets and bad escapes', () => {
    assert.deepEqual(parseRequestTarget('*'), { kind: 'bad' });
    assert.deepEqual(parseRequestTarget('v1/version'), { kind: 'bad' });
    assert.deepEqual(parseRequestTarget('/v1/%g0'), { kind: 'bad' });
  });
});

describe('cleanPath (Go ServeMux)', () => {
  const cases: [string, string][] = [
    ['/v1/version', '/v1/version'],
    ['/v1/version/', '/v1/version/'],
    ['//v1/version', '/v1/version'],
    ['/v1//version', '/v1/version'],
    ['/v1/./version', '/v1/version'],
    ['/v1/x/../version', '/v1/version'],
    ['/../v1/version', '/v1/version'],
    ['/v1/version//', '/v1/version/'],
    ['/', '/'],
    ['//', '/'],
    ['', '/'],
    ['/v1/hosts/..', '/v1'],
    ['/v1/hosts/../', '/v1/'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(cleanPath(input), expected));
  }
});

describe('escapePath (Location header)', () => {
  it('keeps path-safe characters and escapes the rest as upper-case UTF-8 percent codes', () => {
    assert.equal(escapePath('/v1/hosts/nginx.marathon.mesos'), '/v1/hosts/nginx.marathon.mesos');
    assert.equal(escapePath('/v1/hosts/a b?c#d%e'), '/v1/hosts/a%20b%3Fc%23d%25e');
    assert.equal(escapePath('/v1/hosts/café'), '/v1/hosts/caf%C3%A9');
    assert.equal(escapePath("/a:b@c=d;e,f+g$h&i~j_k-l'm"), "/a:b@c=d;e,f+g$h&i~j_k-l%27m");
  });
});
