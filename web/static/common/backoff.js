// csu's one retry rhythm in the pages: wait a little, then twice as long each time, up to a cap;
// back to the first wait once it worked (the event stream and the live tiles share it).

const FIRST_MS = 500;
const MAX_MS = 10000;

/** A backoff: next() gives the wait before the next try, reset() after a success. */
export function backoff({ first = FIRST_MS, max = MAX_MS } = {}) {
  let wait = first;
  return {
    next() {
      const now = wait;
      wait = Math.min(wait * 2, max);
      return now;
    },
    reset() {
      wait = first;
    },
  };
}
