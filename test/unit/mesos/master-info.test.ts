import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareAddresses,
  decodeJsonMasterInfo,
  decodeProtobufMasterInfo,
  infoChildren,
  leaderChild,
  legacyIpToString,
} from '../../../src/mesos/leader/master-info.js';

test('leader is the lowest json.info_ sequence; info_ only without any json.info_', () => {
  const children = infoChildren([
    'info_0000000001',
    'json.info_0000000012',
    'json.info_0000000007',
    'log_replicas',
    'json.info_abc',
    'json.info_0000000100',
  ]);
  assert.deepEqual(
    children.map((c) => c.name),
    ['info_0000000001', 'json.info_0000000012', 'json.info_0000000007', 'json.info_0000000100'],
  );
  assert.equal(leaderChild(children)?.name, 'json.info_0000000007');
  assert.equal(leaderChild(infoChildren(['info_0000000009', 'info_0000000003']))?.name, 'info_0000000003');
  assert.equal(leaderChild(infoChildren(['log_replicas'])), undefined);
});

test('MasterInfo JSON: address.ip, else address.hostname, else legacy numeric ip', () => {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o));
  assert.deepEqual(decodeJsonMasterInfo(enc({ id: 'm1', address: { ip: '192.0.2.5', hostname: 'm1.test', port: 5050 }, port: 5050 })), {
    id: 'm1',
    address: '192.0.2.5:5050',
  });
  assert.deepEqual(decodeJsonMasterInfo(enc({ id: 'm2', address: { hostname: 'm2.test', port: 5051 } })), {
    id: 'm2',
    address: 'm2.test:5051',
  });
  assert.deepEqual(decodeJsonMasterInfo(enc({ id: 'v6', address: { ip: '2001:db8::5', port: 5050 } })), {
    id: 'v6',
    address: '[2001:db8::5]:5050',
  });
  // 0x0100007F is 127.0.0.1 (network byte order read as a little-endian uint32).
  assert.deepEqual(decodeJsonMasterInfo(enc({ id: 'old', ip: 0x0100007f, port: 5050 })), { id: 'old', address: '127.0.0.1:5050' });
  assert.equal(legacyIpToString(0x050200c0), '192.0.2.5');
  assert.equal(decodeJsonMasterInfo(Buffer.from('not json')), undefined);
  assert.equal(decodeJsonMasterInfo(enc({ id: 'x' })), undefined);
});

test('MasterInfo protobuf (Mesos <= 0.23) decodes id, legacy ip and port', () => {
  // id=1 "m", ip=2 varint 0x0100007F, port=3 varint 5050
  const bytes = Buffer.from([0x0a, 0x01, 0x6d, 0x10, 0xff, 0x80, 0x80, 0x08, 0x18, 0xba, 0x27]);
  assert.deepEqual(decodeProtobufMasterInfo(bytes), { id: 'm', address: '127.0.0.1:5050' });
  // with address=7 { ip=2 "192.0.2.9", port=3 5051 }
  const addr = Buffer.concat([Buffer.from([0x12, 9]), Buffer.from('192.0.2.9'), Buffer.from([0x18, 0xbb, 0x27])]);
  const withAddress = Buffer.concat([bytes, Buffer.from([0x3a, addr.length]), addr]);
  assert.deepEqual(decodeProtobufMasterInfo(withAddress), { id: 'm', address: '192.0.2.9:5051' });
  assert.equal(decodeProtobufMasterInfo(Buffer.from([0x0a, 0x05, 0x01])), undefined);
});

test('quirk #37: non-leader masters sort stably (IPv4 numerically)', () => {
  const list = ['192.0.2.10:5050', '192.0.2.9:5050', 'm.example:5050', '192.0.2.9:5049', '[2001:db8::1]:5050'];
  assert.deepEqual([...list].sort(compareAddresses), [
    '192.0.2.9:5049',
    '192.0.2.9:5050',
    '192.0.2.10:5050',
    '[2001:db8::1]:5050',
    'm.example:5050',
  ]);
});
