"""Cluster alarms: alarms a second end to end through JetStream to the incident engine, receipt to
console latency, and the time the standby takes to run the engine when the leader is killed.

Run: `python -m bench.cluster_alarms [--rate 10000] [--seconds 10] [--http-rate 0] [--nodes 2]
[--failovers 2] [--failover-rate 1000] [--postgres URL]`; prints one JSON line per figure.

Every node is a real `csu serve` API node (bench._cluster) on a private `nats-server -js`, a
private Mosquitto and a fresh database on the PostgreSQL server `--postgres`. The site has one
MQTT alarm source in a share group (MQTT 5): each node subscribes, the broker splits the feed.
The broker queues without bound for a member that is away (`max_queued_messages 0`): Mosquitto's
default, 1,000, drops the rest of a killed node's share, acknowledged to the publisher already.

Throughput: mosquitto_pub publishes `--rate` csu-JSON alarms a second (bench.alarms' mix, 2 %
re-sends) at QoS 1 for `--warmup` + `--seconds`; with `--http-rate`, bench.alarms' HTTP load
(aiohttp) also posts to every node (one process a node, that rate in all). A payload goes: a node's
feed or route -> JetStream -> the leader's consumer -> its engine (PostgreSQL) -> AlarmsStored,
live over NATS -> the WebSocket /api/events of a console on another node than the leader. Receipt
is the raw row's received_at (when a node took it). The engine gives raw ids in stream order and
every `alarms` frame adds to a running total (bench.alarms.console), so the payload of rank r
reached the console with the first frame whose total reaches r. Measured: what was received after
the warm-up; `achieved_per_s` is that over the time from its first receipt to its last push. CPU,
user + system (psutil) over that time: each API node, nats-server, Mosquitto, PostgreSQL (every
postgres process), the load and the console; `machine` is the whole machine's busy time: it is
shared, so other work shows there, as in the load averages given.

Failover: on the same cluster, MQTT at `--failover-rate`; the leader is killed (SIGKILL) after
`--kill-after` s; GET /api/cluster on a standby is polled every 0.1 s until it names itself
(`lease_s`), and its console's first push after the kill tells that its engine stores alarms
again (`engine_s`). The killed node starts again at once (as systemd would) and takes up its MQTT
session, where the broker queued its share meanwhile. Once all is stored: `lost` payloads (sent,
never stored), `twice` (raw rows over payloads sent) and `alarms_ok` (one alarm row per id).

Modules: `stack` (the cluster), `throughput` (with the engine alone), `failover`.
"""
