// Live video over WHEP (RFC 9725): one offer with every candidate, the answer, and a session URL
// that is DELETEd when the player stops (so the server stops encoding and logs the end).
// The site's STUN and TURN servers come from the server; a session that does not connect in a
// few seconds says what is likely wrong, in words, and is tried again.
import { api } from "./api.js";
import { backoff } from "./backoff.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";

const GATHER_MS = 2000;
// ICE and DTLS take well under a second on a LAN, TURN included: past this the tile says why.
const CONNECT_MS = 3500;
// A session still not connected then is dropped and offered again.
const GIVE_UP_MS = 10000;
// Connected, yet no picture decoded: said too (the camera's own state is on its badge).
const PICTURE_MS = 4000;
// Credentials are asked for again well before they end.
const ICE_REFRESH_MS = 10 * 60 * 1000;
// icecandidateerror codes (RFC 8489 and the W3C's 701): the TURN server's own refusals.
const REFUSALS = new Set([400, 401, 403, 437, 438, 441, 442, 486, 508]);
const players = new Set();
let iceAsked = null;

/** The site's ICE servers for this user, shared by every tile of the page for a while. */
function iceSettings() {
  if (!iceAsked || iceAsked.until < Date.now()) {
    const settings = api("/api/live/ice-servers").catch((error) => {
      iceAsked = null; // asked again at the next try
      throw error;
    });
    iceAsked = { settings, until: Date.now() + ICE_REFRESH_MS };
  }
  return iceAsked.settings;
}

function gathered(pc) {
  // The server takes one offer with every candidate in it (no trickle).
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
    setTimeout(resolve, GATHER_MS);
  });
}

/** Why a session found no path: the TURN servers' errors if any, in words. */
function noPath(turnErrors) {
  const refused = turnErrors.find((e) => REFUSALS.has(e.errorCode));
  if (refused) return { kind: "turn_refused", text: t("live.turn_refused", { url: refused.url, code: refused.errorCode }) };
  const silent = turnErrors.find((e) => e.url && e.url.startsWith("turn"));
  if (silent) return { kind: "no_path", text: `${t("live.no_path")} (${t("live.turn_silent", { url: silent.url })})` };
  return { kind: "no_path", text: t("live.no_path") };
}

/**
 * Play a WHEP endpoint in a <video>; retries after failures, not after refusals.
 * onProblem({kind, text}, final) and onPlaying() report what happens; video.dataset.state is
 * connecting, playing, stalled (not connected yet, said) or error. Returns stop().
 */
export function playWhep(video, url, { onProblem = () => {}, onPlaying = () => {} } = {}) {
  Object.assign(video, { muted: true, autoplay: true, playsInline: true });
  const wait = backoff();
  let attempt = null; // {pc, session, timers, turnErrors}
  let stopped = false;
  let retry = null;

  const close = () => {
    if (!attempt) return;
    attempt.timers.forEach(clearTimeout);
    attempt.pc.close();
    if (attempt.session) fetch(attempt.session, { method: "DELETE", credentials: "same-origin", keepalive: true }).catch(() => {});
    attempt = null;
  };
  const say = (problem) => {
    // Said while the attempt goes on: it may still connect, and then the words go away.
    video.dataset.state = "stalled";
    onProblem(problem, false);
  };
  const again = (problem, final = false) => {
    close();
    video.dataset.state = "error";
    onProblem(problem, final);
    if (!stopped && !final && !retry) retry = setTimeout(() => { retry = null; play(); }, wait.next());
  };
  const play = async () => {
    if (stopped) return;
    video.dataset.state = "connecting";
    let settings;
    try {
      settings = await iceSettings();
    } catch (error) {
      if (error.status !== 401) again({ kind: "refused", text: t("live.refused", { reason: error.detail || String(error.message || error) }) });
      return;
    }
    const pc = new RTCPeerConnection({ iceServers: settings.ice_servers, iceTransportPolicy: settings.ice_transport_policy });
    const current = { pc, session: null, timers: [], turnErrors: [] };
    attempt = current;
    const mine = () => attempt === current && !stopped;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.ontrack = (event) => {
      video.srcObject = event.streams[0] || new MediaStream([event.track]);
      video.play().catch(() => {});
    };
    pc.onicecandidateerror = (event) => current.turnErrors.push({ url: event.url, errorCode: event.errorCode });
    pc.onconnectionstatechange = () => {
      if (!mine()) return;
      const state = pc.connectionState;
      if (state === "connected") {
        current.timers.push(setTimeout(() => {
          if (mine() && video.dataset.state !== "playing") say({ kind: "no_picture", text: t("live.no_picture") });
        }, PICTURE_MS));
      } else if (state === "failed") {
        again(noPath(current.turnErrors));
      } else if (state === "closed") {
        // From the server's side too: it ends a stream whose right ended, and the next offer
        // then says why (refused, or back to sign-in when the session itself ended).
        again({ kind: "lost", text: t("live.lost") });
      }
    };
    current.timers.push(setTimeout(() => {
      if (mine() && pc.connectionState !== "connected") say(noPath(current.turnErrors));
    }, CONNECT_MS));
    current.timers.push(setTimeout(() => {
      if (mine() && pc.connectionState !== "connected") again(noPath(current.turnErrors));
    }, GIVE_UP_MS));
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (!mine()) return;
      if (!/^a=candidate:/m.test(pc.localDescription.sdp)) return again(noPath(current.turnErrors));
      const response = await api(url, {
        method: "POST",
        headers: { "Content-Type": "application/sdp" },
        body: pc.localDescription.sdp,
        raw: true,
      });
      // Relative to where the answer came from: in a cluster the API node redirected the offer
      // to the camera's worker, and the session lives there.
      const where = response.headers.get("Location");
      current.session = where ? new URL(where, response.url).href : null;
      if (!mine()) {
        if (current.session) fetch(current.session, { method: "DELETE", credentials: "same-origin", keepalive: true }).catch(() => {});
        return;
      }
      await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
    } catch (error) {
      // A refusal (no right to this camera, no such camera) will not change by trying again.
      if (!mine() || error.status === 401) return;
      const reason = error.detail || String(error.message || error);
      again({ kind: "refused", text: t("live.refused", { reason }) }, [403, 404].includes(error.status));
    }
  };
  const onPlay = () => {
    video.dataset.state = "playing";
    wait.reset();
    onPlaying();
  };
  video.addEventListener("playing", onPlay);
  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    video.removeEventListener("playing", onPlay);
    close();
    players.delete(stop);
  };
  players.add(stop);
  play();
  return stop;
}

/**
 * Fill a tile with a live video, its label and a line saying why video is missing, if it is.
 * Returns stop().
 */
export function liveTile(node, url, labelText, labelClass = "label") {
  const video = el("video", { "data-state": "connecting" });
  const label = el("div", { class: labelClass }, labelText);
  const problem = el("p", { class: "problem", hidden: true, role: "status" });
  node.append(video, label, problem);
  return playWhep(video, url, {
    onProblem: ({ kind, text }, final) => {
      const retrying = final ? [] : [el("br"), el("small", {}, t("live.retrying"))];
      problem.replaceChildren(text, ...retrying);
      problem.dataset.problem = kind;
      problem.hidden = false;
    },
    onPlaying: () => {
      problem.hidden = true;
      delete problem.dataset.problem;
    },
  });
}

// Leaving the page ends every live session at once rather than when the server times them out.
window.addEventListener("pagehide", () => {
  for (const stop of [...players]) stop();
});
