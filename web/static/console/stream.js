// Recorded footage into a <video>: one request, so the server's refusal can be read in plain words
// and each play is one access-log entry; the fragmented MP4 is fed to Media Source as it arrives.
import { api } from "/static/common/api.js";
import { t } from "/static/common/i18n.js";

const RETRY_MS = 1000;
const KEEP_BEHIND_S = 10;

function codecOf(bytes) {
  // The H.264 profile and level sit right after the 'avcC' box name (ISO 14496-15).
  for (let i = 0; i + 11 < bytes.length; i += 1) {
    if (bytes[i] === 0x61 && bytes[i + 1] === 0x76 && bytes[i + 2] === 0x63 && bytes[i + 3] === 0x43) {
      const hex = [bytes[i + 5], bytes[i + 6], bytes[i + 7]].map((b) => b.toString(16).padStart(2, "0"));
      return `avc1.${hex.join("")}`;
    }
  }
  return null;
}

function join(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function updated(buffer) {
  return new Promise((resolve, reject) => {
    buffer.addEventListener("updateend", resolve, { once: true });
    buffer.addEventListener("error", () => reject(new Error(t("console.playback.undecodable"))), { once: true });
  });
}

async function append(buffer, video, bytes, stopped) {
  // A full buffer waits for the viewer: what was watched is dropped, then we try again.
  for (;;) {
    try {
      buffer.appendBuffer(bytes); // throws at once when the buffer is full
      await updated(buffer); // updateend comes later, as an event
      return;
    } catch (error) {
      if (error.name !== "QuotaExceededError" || stopped()) throw error;
      const behind = video.currentTime - KEEP_BEHIND_S;
      if (behind > 0 && buffer.buffered.length && buffer.buffered.start(0) < behind) {
        buffer.remove(0, behind);
        await updated(buffer);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

async function opened(video) {
  const source = new MediaSource();
  const ready = new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
  video.src = URL.createObjectURL(source);
  await ready;
  return source;
}

async function feed(video, reader, first, codec, stopped) {
  const source = await opened(video);
  const buffer = source.addSourceBuffer(`video/mp4; codecs="${codec}"`);
  await append(buffer, video, first, stopped);
  if (buffer.buffered.length) video.currentTime = buffer.buffered.start(0);
  video.play().catch(() => {}); // autoplay refusals leave the controls to the operator
  for (;;) {
    const { done, value } = await reader.read();
    if (done || stopped()) break;
    await append(buffer, video, value, stopped);
  }
  if (source.readyState === "open" && !stopped()) source.endOfStream();
}

async function whole(video, reader, chunks, stopped) {
  // Without Media Source for this codec: the browser gets the file once it has fully arrived.
  for (;;) {
    const { done, value } = await reader.read();
    if (done || stopped()) break;
    chunks.push(value);
  }
  video.src = URL.createObjectURL(new Blob(chunks, { type: "video/mp4" }));
  video.play().catch(() => {});
}

/**
 * Play `url` in `video`; rejects with the server's ApiError (403, 404, 400...) before any picture.
 * `controller.abort()` stops the download (closing the panel, another range).
 */
export async function playInto(video, url, controller) {
  const stopped = () => controller.signal.aborted;
  const response = await api(url, { raw: true, signal: controller.signal });
  // When the first frame was taken: the panel's site-time clock counts from it.
  video.dataset.start = response.headers.get("X-Playback-Start") || "";
  const reader = response.body.getReader();
  const chunks = [];
  let codec = null;
  while (!codec) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    codec = codecOf(join(chunks));
  }
  const first = join(chunks);
  const type = codec && `video/mp4; codecs="${codec}"`;
  if (type && window.MediaSource && MediaSource.isTypeSupported(type)) {
    await feed(video, reader, first, codec, stopped);
  } else {
    await whole(video, reader, [first], stopped);
  }
}
