// The command line: Mesos-DNS's Go-style flags, glog flags, our additions (behaviour §5.3).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { logLevelFor, parseCommandLine, readVersion, type CommandLine } from '../../../src/cli.js';

function serve(argv: string[]): { configPath: string; verbosity: number } {
  const result = parseCommandLine(argv);
  assert.equal(result.kind, 'serve', JSON.stringify(result));
  return result as Extract<CommandLine, { kind: 'serve' }>;
}

function error(argv: string[]): Extract<CommandLine, { kind: 'error' }> {
  const result = parseCommandLine(argv);
  assert.equal(result.kind, 'error', JSON.stringify(result));
  const err = result as Extract<CommandLine, { kind: 'error' }>;
  assert.match(err.usage, /Usage: mesos-dns-ts/);
  return err;
}

describe('parseCommandLine: serve', () => {
  it('defaults to config.json and verbosity 0', () => {
    assert.deepEqual(parseCommandLine([]), { kind: 'serve', configPath: 'config.json', verbosity: 0 });
  });

  it('accepts every form of the config flag', () => {
    for (const argv of [['-config=/etc/m.json'], ['-config', '/etc/m.json'], ['--config=/etc/m.json'], ['--config', '/etc/m.json']]) {
      assert.equal(serve(argv).configPath, '/etc/m.json', argv.join(' '));
    }
  });

  it('a value flag takes the next argument whatever it looks like, as Go does', () => {
    assert.equal(serve(['-config', '-v']).configPath, '-v');
    assert.equal(serve(['-config=a=b.json']).configPath, 'a=b.json');
  });

  it('the last of repeated flags wins', () => {
    assert.equal(serve(['-config=a.json', '-config=b.json']).configPath, 'b.json');
  });

  it('maps the verbosity flags: -v, -v=N, -v N, --v=N, -vv', () => {
    const cases: [string[], number][] = [
      [['-v'], 1],
      [['-v=0'], 0],
      [['-v=1'], 1],
      [['-v=2'], 2],
      [['-v=5'], 2],
      [['-v', '2'], 2],
      [['--v=1'], 1],
      [['-vv'], 2],
      [['--vv'], 2],
      [['-vvv'], 2],
      [['-v=2', '-v=1'], 1],
    ];
    for (const [argv, verbosity] of cases) assert.equal(serve(argv).verbosity, verbosity, argv.join(' '));
  });

  it('-v followed by a non-number leaves that argument alone', () => {
    assert.deepEqual(serve(['-v', '-config=x.json']), { kind: 'serve', configPath: 'x.json', verbosity: 1 });
  });

  it('accepts and ignores Go\'s glog flags', () => {
    const argv = ['-logtostderr', '-alsologtostderr=true', '-log_dir=/var/log', '-log_dir', '/tmp', '-stderrthreshold=INFO', '-stderrthreshold', 'ERROR', '-vmodule=resolver=2', '-log_backtrace_at=main.go:10', '--logtostderr=false', '-config=c.json', '-v=2'];
    assert.deepEqual(parseCommandLine(argv), { kind: 'serve', configPath: 'c.json', verbosity: 2 });
  });
});

describe('parseCommandLine: version and help', () => {
  it('-version, --version, -version=true print the version', () => {
    for (const argv of [['-version'], ['--version'], ['-version=true'], ['-config=x', '-version'], ['-version', '-v=2']]) {
      assert.deepEqual(parseCommandLine(argv), { kind: 'version' }, argv.join(' '));
    }
  });

  it('-version=false does not', () => {
    assert.equal(parseCommandLine(['-version=false']).kind, 'serve');
  });

  it('-h, -help, --help give the usage text', () => {
    for (const argv of [['-h'], ['-help'], ['--help'], ['--h'], ['-config=x', '--help']]) {
      const result = parseCommandLine(argv);
      assert.equal(result.kind, 'help', argv.join(' '));
      const text = (result as Extract<CommandLine, { kind: 'help' }>).text;
      assert.match(text, /Usage: mesos-dns-ts \[-config=FILE\]/);
      assert.match(text, /--config/);
      assert.match(text, /records/);
      assert.match(text, /-logtostderr/);
    }
  });
});

describe('parseCommandLine: errors (exit 2)', () => {
  it('an unknown flag is an error with Go\'s message and the usage', () => {
    assert.equal(error(['-bogus']).message, 'flag provided but not defined: -bogus');
    assert.equal(error(['--zk=zk://x/mesos']).message, 'flag provided but not defined: -zk');
    assert.equal(error(['-c', 'x.json']).message, 'flag provided but not defined: -c');
  });

  it('an unknown flag is an error even next to -version (flags are parsed first, as Go does)', () => {
    assert.equal(error(['-version', '-bogus']).message, 'flag provided but not defined: -bogus');
  });

  it('a value flag without its value', () => {
    assert.equal(error(['-config']).message, 'flag needs an argument: -config');
    assert.equal(error(['-config=']).message, 'flag needs an argument: -config');
    assert.equal(error(['-log_dir']).message, 'flag needs an argument: -log_dir');
  });

  it('bad values for -v and bool flags', () => {
    assert.match(error(['-v=x']).message, /invalid value "x" for flag -v/);
    assert.match(error(['-version=maybe']).message, /invalid boolean value "maybe" for -version/);
  });

  it('bad flag syntax and stray arguments', () => {
    assert.match(error(['---config=x']).message, /bad flag syntax/);
    assert.match(error(['-=x']).message, /bad flag syntax/);
    assert.equal(error(['serve']).message, 'unexpected argument: serve');
    assert.equal(error(['-config=x', '--', 'y']).message, 'unexpected argument: y');
  });
});

describe('parseCommandLine: records', () => {
  it('parses --config and an optional --state in any flag form', () => {
    assert.deepEqual(parseCommandLine(['records', '--config', 'c.json', '--state', 's.json']), { kind: 'records', configPath: 'c.json', statePath: 's.json', lookup: true, zone: undefined });
    assert.deepEqual(parseCommandLine(['records', '-config=c.json', '-state=s.json']), { kind: 'records', configPath: 'c.json', statePath: 's.json', lookup: true, zone: undefined });
    assert.deepEqual(parseCommandLine(['records', '--config=c.json']), { kind: 'records', configPath: 'c.json', statePath: undefined, lookup: true, zone: undefined });
    assert.deepEqual(parseCommandLine(['records']), { kind: 'records', configPath: 'config.json', statePath: undefined, lookup: true, zone: undefined });
  });

  it('looks host names up unless --no-lookup (any flag form; -no-lookup=false keeps them)', () => {
    for (const flag of ['--no-lookup', '-no-lookup', '--no-lookup=true']) {
      assert.deepEqual(parseCommandLine(['records', flag, '--config=c.json']), { kind: 'records', configPath: 'c.json', statePath: undefined, lookup: false, zone: undefined }, flag);
    }
    assert.deepEqual(parseCommandLine(['records', '-no-lookup=false']), { kind: 'records', configPath: 'config.json', statePath: undefined, lookup: true, zone: undefined });
    assert.equal(parseCommandLine(['records', '--lookup']).kind, 'error');
  });

  it('--zone names one of the ReverseZones, any case, trailing dot or not', () => {
    assert.deepEqual(parseCommandLine(['records', '--zone', '10.IN-ADDR.arpa.']), { kind: 'records', configPath: 'config.json', statePath: undefined, lookup: true, zone: '10.in-addr.arpa' });
    assert.equal(parseCommandLine(['records', '--zone']).kind, 'error');
  });

  it('rejects serve-only and unknown flags, and has its own help', () => {
    const result = parseCommandLine(['records', '-v']);
    assert.equal(result.kind, 'error');
    assert.equal((result as Extract<CommandLine, { kind: 'error' }>).message, 'flag provided but not defined: -v');
    assert.match((result as Extract<CommandLine, { kind: 'error' }>).usage, /Usage: mesos-dns-ts records/);
    assert.equal(parseCommandLine(['records', '--state']).kind, 'error');
    const help = parseCommandLine(['records', '--help']);
    assert.equal(help.kind, 'help');
    assert.match((help as Extract<CommandLine, { kind: 'help' }>).text, /--state/);
    assert.match((help as Extract<CommandLine, { kind: 'help' }>).text, /--no-lookup/);
  });

  it('"records" is a subcommand only in first position', () => {
    assert.equal(error(['-config=x', 'records']).message, 'unexpected argument: records');
  });
});

describe('logLevelFor and readVersion', () => {
  it('verbosity 0 keeps the configured level, 1 is debug, 2 is trace', () => {
    assert.equal(logLevelFor(0, 'warn'), 'warn');
    assert.equal(logLevelFor(1, 'warn'), 'debug');
    assert.equal(logLevelFor(2, 'warn'), 'trace');
  });

  it('reads the version from package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(readVersion(), pkg.version);
    assert.equal(readVersion(), pkg.version);
  });
});
