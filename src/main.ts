#!/usr/bin/env node
// Entry point. Signals are held first (signals.ts imports nothing), then the program is loaded and
// run (program.ts): loading the rest takes ~100 ms, and a SIGTERM or SIGHUP in that time must reach
// the server's handlers rather than kill the process by Node's default action.
import { holdSignals } from './signals.js';

const signals = holdSignals();
const { run } = await import('./program.js');
run(process.argv.slice(2), signals);
