"""Alarm intake: alarms per second from receipt to stored, correlated and pushed on WS /api/events.

Run: `python -m bench.alarms [--seconds 10] [--http-rate 2000] [--mqtt-rate 10000]`; prints one
JSON line per scenario (`--scenarios http,http-max,mqtt,mqtt-max` by default).

Each scenario starts the real app (`csu.app.create_app`, uvicorn) in a child process on a fresh
database (SQLite in a temporary folder, or a fresh PostgreSQL database with `--postgres URL`) and a
site file whose one alarm source is an MQTT feed on a topic of its own at `--broker`; with
`--cameras demo` the site also has the demo's cameras (their scenes, masks, continuous recording
and the one camera's analytics), and measuring waits until every one of them is online. One
operator account is created before the start. Three more processes keep their CPU apart from the
server's:
- a console (`console`): one WebSocket on /api/events that timestamps every `alarms` frame;
- HTTP load (`load_http`): aiohttp over connections that keep alive, posting csu-JSON alarms (a mix
  of types and sources at random places around Angers, unique external ids, 2% re-sends of alarms
  answered a second before), paced at `--http-rate` a second (open loop: latency counts from the
  planned send time, so a server that falls behind is not hidden) or, in the `-max` scenarios, as
  fast as answers come back; its CPU is reported;
- MQTT load (`load_mqtt`): one publisher, QoS 1 (`--mqtt-qos`), `--mqtt-count` alarms at
  `--mqtt-rate` a second or flat out (`mqtt-max`), at most 200 awaiting their PUBACK: Debian's
  `mosquitto_pub -l` by default, or aiomqtt (`--mqtt-client`). The client's CPU (mosquitto_pub's
  included, apart in `client_child_cores`) counts from the first measured message, as the
  server's does.

Latency from receipt to push: the payload of rank r (its raw id over HTTP; its publish order over
MQTT, which one publisher and one subscriber keep) was pushed with the first frame whose running
total reaches r (`console`). Every alarm is timed this way; the alarms listed by external id in the
frames (the newest 50 of a window) give a cross-check (`sample_*`). The push includes the hub's
coalescing window (web.hub.FLUSH_S, 25 ms): the first event after a quiet window goes out at once,
later ones wait up to 25 ms to be merged, so `post_*` (HTTP answer: stored and correlated) is given
apart. Where the time goes: `receipt_*` runs from the planned send to the raw row's `received_at`
(the server had it), `engine_*` to the alarm row's `received_at` (the engine's batch began).
Throughput is the alarms measured over the time from the first measured send to the push of the
last one, so a backlog counts against it. Server CPU is user + system time over that same time,
sampled every 50 ms (psutil), of the server process (all threads) and its descendants
(`server_cores`; with `--cameras demo`, the analytics' one-off model export, when not cached yet)
and of the main process alone (`server_main_cores`). The incident engine, the MQTT feeds, the web
server and the cameras share that one process.

Modules: `payloads` (the alarms), `load_http` and `load_mqtt` (load generation), `server` (the
processes), `console` and `measure` (frames, CPU), `stored` (the database), `report` (the printed
figures), `scenario` (one run); bench.cluster_alarms reuses them.
"""
