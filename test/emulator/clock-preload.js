/*
 * The simulated clock of a handler's process (invoke.ts, `clock`): loaded with
 * `node --require` before the handler, it shifts Date by the offset between
 * the time in FAILSAFE_SIMULATED_CLOCK and the real time when the process
 * starts, so that the handler's clock reads that time and still advances.
 * `Date.now()`, `new Date()` and `Date()` called as a function are shifted;
 * a Date of a given time is that time, and `instanceof Date`, `Date.parse`
 * and `Date.UTC` work as before. Timers, `performance.now()` and
 * `process.hrtime()` measure durations and are left alone. The variable is
 * removed, so that the handler sees only Lambda's environment.
 *
 * A warm process (invoke.ts, `startWarmBundled`) sets the clock again before
 * each invocation, through the function at Symbol.for(CLOCK_SETTER): given a
 * time, the clock reads it from then on; given null, the real time.
 */
'use strict';

const CLOCK_SETTER = 'cdk-rds-failsafe.emulator.set-clock';
const RealDate = Date;
let offset = 0;

function setClock(simulated) {
  if (simulated === null || simulated === undefined) {
    offset = 0;
    return;
  }
  const target = RealDate.parse(simulated);
  if (Number.isNaN(target)) throw new Error(`the simulated clock is not a time: ${JSON.stringify(simulated)}`);
  offset = target - RealDate.now();
}

setClock(process.env.FAILSAFE_SIMULATED_CLOCK);
delete process.env.FAILSAFE_SIMULATED_CLOCK;

const now = () => RealDate.now() + offset;

// A function, not a class: Date() may be called without `new`.
function SimulatedDate(...args) {
  if (new.target === undefined) return new RealDate(now()).toString();
  return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
}
Object.setPrototypeOf(SimulatedDate, RealDate); // Date.parse, Date.UTC
Object.defineProperty(SimulatedDate, 'prototype', { value: RealDate.prototype, writable: false });
Object.defineProperty(SimulatedDate, 'name', { value: 'Date' });
Object.defineProperty(SimulatedDate, 'length', { value: 7 });
SimulatedDate.now = now;
Object.defineProperty(RealDate.prototype, 'constructor', { value: SimulatedDate, writable: true, configurable: true });
globalThis.Date = SimulatedDate;
Object.defineProperty(globalThis, Symbol.for(CLOCK_SETTER), { value: setClock });
