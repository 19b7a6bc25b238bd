// The cluster as the administrator sees it: the nodes alive, the API node that leads (incident
// engine, scheduled jobs), and which worker serves each camera. Read again every few seconds:
// a worker that dies disappears within a lease and its cameras move.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { localTime } from "/static/oversight/gate.js";

const REFRESH_MS = 5000;
const ROLES = { api: "API node", worker: "camera worker", single: "single process" };

function nodeRow(node, leader) {
  const leads = node.name === leader && node.role !== "worker";
  return el(
    "tr",
    { "data-node": node.name, "data-role": node.role },
    el("td", {}, node.name),
    el("td", {}, `${ROLES[node.role] || node.role}${leads ? " — leads" : ""}`),
    el("td", {}, node.url || "—"),
    el("td", {}, localTime(node.last_seen)),
  );
}

function cameraRow(camera) {
  return el(
    "tr",
    { "data-camera": camera.id, "data-owner": camera.owner || "" },
    el("td", {}, camera.id),
    el("td", { class: camera.owner ? "" : "muted" }, camera.owner || "no worker"),
    el("td", {}, camera.status),
  );
}

/** Fill the cluster section and keep it current; returns a function that reloads it now. */
export function setUpCluster(section) {
  const nodes = section.querySelector("#cluster-nodes");
  const owners = section.querySelector("#cluster-cameras");
  const leader = section.querySelector("#cluster-leader");
  const lag = section.querySelector("#cluster-lag");
  const load = async () => {
    try {
      const cluster = await api("/api/cluster");
      clearError(nodes);
      leader.textContent = cluster.engine.leader || "none: no API node holds the lead";
      nodes.tBodies[0].replaceChildren(...cluster.nodes.map((n) => nodeRow(n, cluster.engine.leader)));
      owners.tBodies[0].replaceChildren(...cluster.cameras.map(cameraRow));
      lag.replaceChildren(
        ...(cluster.streams || []).map((c) => el("li", { "data-consumer": c.consumer }, `${c.stream} / ${c.consumer}: ${c.pending} pending`)),
      );
      lag.hidden = !(cluster.streams || []).length;
      section.dataset.loaded = "true";
    } catch (error) {
      showError(nodes, error);
    }
  };
  load();
  setInterval(load, REFRESH_MS);
  return load;
}
