// Live video over WHEP (RFC 9725): one offer with every candidate, the answer, and a session URL
// that is DELETEd when the player stops (so the server stops encoding and logs the end).
import { api } from "./api.js";
import { el } from "./dom.js";

const RETRY_MS = 3000;
const GATHER_MS = 2000;
const players = new Set();

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

/**
 * Play a WHEP endpoint in a <video>; retries after failures, not after refusals.
 * onProblem(words, final) and onPlaying() report what happens; video.dataset.state is
 * connecting, playing or error. Returns stop().
 */
export function playWhep(video, url, { onProblem = () => {}, onPlaying = () => {} } = {}) {
  Object.assign(video, { muted: true, autoplay: true, playsInline: true });
  let peer = null;
  let session = null;
  let stopped = false;
  let retry = null;

  const close = () => {
    if (peer) peer.close();
    peer = null;
    if (session) fetch(session, { method: "DELETE", credentials: "same-origin", keepalive: true }).catch(() => {});
    session = null;
  };
  const again = (why, final = false) => {
    video.dataset.state = "error";
    onProblem(why, final);
    close();
    if (!stopped && !final && !retry) retry = setTimeout(() => { retry = null; play(); }, RETRY_MS);
  };
  const play = async () => {
    if (stopped) return;
    video.dataset.state = "connecting";
    const pc = new RTCPeerConnection({ iceServers: [] });
    peer = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.ontrack = (event) => {
      video.srcObject = event.streams[0] || new MediaStream([event.track]);
      video.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => {
      // "closed" from the server's side too: it ends a stream whose right ended, and the next
      // offer then says why (refused, or back to sign-in when the session itself ended).
      if (pc === peer && ["failed", "closed"].includes(pc.connectionState)) again("the connection ended");
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const response = await api(url, {
        method: "POST",
        headers: { "Content-Type": "application/sdp" },
        body: pc.localDescription.sdp,
        raw: true,
      });
      // Relative to where the answer came from: in a cluster the API node redirected the offer
      // to the camera's worker, and the session lives there.
      const where = response.headers.get("Location");
      session = where ? new URL(where, response.url).href : null;
      if (stopped || pc !== peer) return close();
      await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
    } catch (error) {
      // A refusal (no right to this camera, no such camera) will not change by trying again.
      if (error.status !== 401) again(error.detail || String(error.message || error), [403, 404].includes(error.status));
    }
  };
  const onPlay = () => {
    video.dataset.state = "playing";
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
  const problem = el("p", { class: "problem", hidden: true });
  node.append(video, label, problem);
  return playWhep(video, url, {
    onProblem: (why, final) => {
      problem.textContent = `No video: ${why}.${final ? "" : " Retrying…"}`;
      problem.hidden = false;
    },
    onPlaying: () => { problem.hidden = true; },
  });
}

// Leaving the page ends every live session at once rather than when the server times them out.
window.addEventListener("pagehide", () => {
  for (const stop of [...players]) stop();
});
