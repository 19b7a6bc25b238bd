// The shared clock of synced playback: one master time on the site's clock drives every video.
// Each video's picture time is its first frame's time (X-Playback-Start, video.dataset.start) plus
// video.currentTime; a follower is brought to the master by nudging its playbackRate for small
// drift (smooth, no freeze) and by a seek for large drift (a jump, a stall, a new position).

const DEAD_BAND_S = 0.02; // closer than this a video plays at the master's rate exactly
const SEEK_BEYOND_S = 1; // further than this, a seek beats catching up by speed
const GAIN_PER_S = 2; // a nudge takes back the drift in about half a second of wall time
const MAX_NUDGE = 0.5; // a nudged rate stays within half of the chosen rate either way
const REST_S = 0.01; // a paused picture is placed to within this
const EDGE_S = 0.1; // a buffered range counts as holding the moment up to this close

/** The master time: runs at `rate` while playing, from the moment it was last set. */
export class MasterClock {
  constructor() {
    this.at = 0; // ms since the epoch, at `since`
    this.since = performance.now();
    this.rate = 1;
    this.playing = false;
  }

  /** The master's site time now, in ms since the epoch. */
  now() {
    const run = this.playing ? (performance.now() - this.since) * this.rate : 0;
    return this.at + run;
  }

  set(ms) {
    this.at = ms;
    this.since = performance.now();
  }

  setRate(rate) {
    this.set(this.now());
    this.rate = rate;
  }

  play() {
    this.set(this.now());
    this.playing = true;
  }

  pause() {
    this.set(this.now());
    this.playing = false;
  }
}

/** The video's media time that shows the master's moment, or null before its answer came. */
export function mediaTarget(video, masterMs) {
  const origin = video.dataset.start;
  return origin ? (masterMs - Date.parse(origin)) / 1000 : null;
}

/** Whether the video holds a picture at media time `s` (recorded, and already received). */
export function holds(video, s) {
  const ranges = video.buffered;
  for (let i = 0; i < ranges.length; i += 1) {
    if (s >= ranges.start(i) - EDGE_S && s <= ranges.end(i) + EDGE_S) return true;
  }
  return false;
}

function nudged(rate, drift) {
  if (Math.abs(drift) < DEAD_BAND_S) return rate;
  const wanted = rate - drift * GAIN_PER_S;
  const low = rate * (1 - MAX_NUDGE), high = rate * (1 + MAX_NUDGE);
  return Math.max(1 / 16, low, Math.min(high, wanted));
}

/**
 * Bring one video to the master: "shown" (its picture is the master's moment), "none" (nothing
 * recorded there: paused, it waits) or "waiting" (its answer or that part of it is still coming).
 */
export function follow(video, clock, loaded) {
  const target = mediaTarget(video, clock.now());
  if (target === null) return "waiting";
  if (!holds(video, target)) {
    if (!video.paused) video.pause();
    return loaded ? "none" : "waiting";
  }
  if (video.seeking) return "shown";
  const drift = video.currentTime - target;
  if (!clock.playing) {
    if (!video.paused) video.pause();
    if (Math.abs(drift) > REST_S) video.currentTime = target;
    return "shown";
  }
  if (Math.abs(drift) > SEEK_BEYOND_S) {
    video.currentTime = target;
    video.playbackRate = clock.rate;
  } else {
    const rate = nudged(clock.rate, drift);
    // Small changes are not worth a rate change (each resyncs the renderer).
    if (Math.abs(video.playbackRate - rate) > rate * 0.02 || rate === clock.rate) video.playbackRate = rate;
  }
  if (video.paused) video.play().catch(() => {});
  return "shown";
}
