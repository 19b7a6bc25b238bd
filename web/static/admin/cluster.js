// The cluster as the administrator sees it: the nodes alive, the API node that leads (incident
// engine, scheduled jobs), and which worker serves each camera. Read again every few seconds:
// a worker that dies disappears within a lease and its cameras move.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { has, t } from "/static/common/i18n.js";
import { localTime } from "/static/oversight/gate.js";

const REFRESH_MS = 5000;

/** A camera's state (online, degraded, offline) in the page's language. */
export function statusName(status) {
  return has(`admin.camera_status.${status}`) ? t(`admin.camera_status.${status}`) : status;
}

function roleText(role) {
  return has(`admin.cluster.role.${role}`) ? t(`admin.cluster.role.${role}`) : role;
}

function nodeRow(node, leader) {
  const leads = node.name === leader && node.role !== "worker";
  const role = roleText(node.role);
  return el(
    "tr",
    { "data-node": node.name, "data-role": node.role },
    el("td", {}, node.name),
    el("td", {}, leads ? t("admin.cluster.leads", { role }) : role),
    el("td", {}, node.url || "—"),
    el("td", {}, localTime(node.last_seen)),
  );
}

function cameraRow(camera) {
  return el(
    "tr",
    { "data-camera": camera.id, "data-owner": camera.owner || "" },
    el("td", {}, camera.id),
    el("td", { class: camera.owner ? "" : "muted" }, camera.owner || t("admin.cluster.no_worker")),
    el("td", {}, statusName(camera.status)),
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
      leader.textContent = cluster.engine.leader || t("admin.cluster.no_leader");
      nodes.tBodies[0].replaceChildren(...cluster.nodes.map((n) => nodeRow(n, cluster.engine.leader)));
      owners.tBodies[0].replaceChildren(...cluster.cameras.map(cameraRow));
      lag.replaceChildren(
        ...(cluster.streams || []).map((c) => el("li", { "data-consumer": c.consumer }, t("admin.cluster.lag", { stream: c.stream, consumer: c.consumer, pending: c.pending }))),
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
