namespace AptP2P.Tests.Fixtures;

/// <summary>The Python side of <see cref="LibtorrentCluster"/>: N libtorrent DHT nodes on one loopback address (127.0.0.1 or ::1) driven by JSON lines on stdin.</summary>
internal static class LibtorrentScript
{
    public const string Source = """
# Runs N libtorrent DHT nodes on one address (argv[2], 127.0.0.1 or ::1) and answers JSON commands on stdin, one JSON line
# each, for AptP2P's interop tests.
import hashlib, json, os, shutil, sys, tempfile, time

try:
    import libtorrent as lt
except ImportError as e:
    print(json.dumps({"fatal": "python3-libtorrent is not importable: %r" % (e,)}), flush=True)
    sys.exit(2)

count = int(sys.argv[1])
host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
listen = "[%s]:0" % host if ":" in host else "%s:0" % host
workdir = tempfile.mkdtemp(prefix="aptp2p-lt-")
mask = (lt.alert.category_t.dht_notification | lt.alert.category_t.dht_operation_notification
        | lt.alert.category_t.error_notification | lt.alert.category_t.status_notification)
settings = {
    "enable_dht": True, "dht_bootstrap_nodes": "", "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "dht_restrict_routing_ips": False, "dht_restrict_search_ips": False, "dht_enforce_node_id": False,
    "dht_ignore_dark_internet": False, "listen_interfaces": listen, "alert_mask": int(mask),
    "dht_announce_interval": 5, "enable_incoming_utp": False, "enable_outgoing_utp": False,
}
sessions = [lt.session(settings) for _ in range(count)]
ports = []
for s in sessions:
    deadline = time.time() + 10
    while s.listen_port() == 0 and time.time() < deadline:
        time.sleep(0.05)
    ports.append(s.listen_port())
for s in sessions:
    for p in ports:
        s.add_dht_node((host, p))
pending = [[] for _ in sessions]  # alerts popped while waiting for another kind


def wait_for(i, accept, timeout):
    # Returns the first alert of session i that accept() likes, keeping the others.
    deadline = time.time() + timeout
    while True:
        for a in list(pending[i]):
            if accept(a):
                pending[i].remove(a)
                return a
        left = deadline - time.time()
        if left <= 0:
            return None
        sessions[i].wait_for_alert(int(min(left, 0.2) * 1000) + 1)
        pending[i].extend(sessions[i].pop_alerts())
        del pending[i][:-2000]


def expanded_secret(seed):
    sk = bytearray(hashlib.sha512(seed).digest())
    sk[0] &= 248
    sk[31] &= 63
    sk[31] |= 64
    return bytes(sk)


def handle(cmd):
    op, i = cmd["op"], cmd.get("node", 0)
    s = sessions[i] if i < len(sessions) else None
    if op == "add_node":
        for x in sessions:
            x.add_dht_node((cmd["host"], cmd["port"]))
        return {"ok": True}
    if op == "announce":
        p = lt.add_torrent_params()
        p.info_hashes = lt.info_hash_t(lt.sha1_hash(bytes.fromhex(cmd["ih"])))
        p.save_path = workdir
        h = s.add_torrent(p)
        h.force_dht_announce()
        return {"port": ports[i]}
    if op == "get_peers":
        ih = lt.sha1_hash(bytes.fromhex(cmd["ih"]))
        want = cmd.get("want_port")
        found = set()
        deadline = time.time() + cmd.get("timeout", 20)
        while time.time() < deadline:
            s.dht_get_peers(ih)
            end = min(deadline, time.time() + 2)
            while time.time() < end:
                a = wait_for(i, lambda a: isinstance(a, lt.dht_get_peers_reply_alert), end - time.time())
                if a is None:
                    break
                for ip, port in a.peers():
                    found.add((ip, port))
            if want is None or any(port == want for _, port in found):
                break
        return {"peers": sorted([ip, port] for ip, port in found)}
    if op == "put":
        seed = bytes.fromhex(cmd["seed"])
        s.dht_put_mutable_item(expanded_secret(seed), bytes.fromhex(cmd["pk"]), bytes.fromhex(cmd["data"]), b"")
        a = wait_for(i, lambda a: isinstance(a, lt.dht_put_alert), cmd.get("timeout", 20))
        return {"stored": a.num_success if a else -1, "seq": a.seq if a else -1}
    if op == "get":
        pk = bytes.fromhex(cmd["pk"])
        best = None
        deadline = time.time() + cmd.get("timeout", 20)
        while time.time() < deadline and best is None:
            s.dht_get_mutable_item(pk, b"")
            a = wait_for(i, lambda a: isinstance(a, lt.dht_mutable_item_alert), min(5, deadline - time.time()))
            while a is not None:
                # An alert is only valid until the next pop_alerts(): copy what it says at once. An answer may carry only
                # seq (the asker already had the item): such an alert has no item; keep the full ones.
                message = a.message()
                if a.seq > 0 and any(bytes(a.signature)) and "<uninitialized>" not in message:
                    try:
                        value = lt.bencode(a.item).hex()
                    except RuntimeError:
                        value = None  # the binding only hands back string values
                    best = {"found": True, "seq": a.seq, "value": value, "sig": bytes(a.signature).hex(), "message": message}
                if a.authoritative:
                    break
                a = wait_for(i, lambda a: isinstance(a, lt.dht_mutable_item_alert), 3)
        return best or {"found": False}
    if op == "routing":
        state = s.dht_state()
        nodes = []
        for raw in state.get(b"nodes", []) + state.get(b"nodes6", []):
            if len(raw) == 6:
                nodes.append(["%d.%d.%d.%d" % tuple(raw[:4]), raw[4] * 256 + raw[5]])
            elif len(raw) == 18:
                import ipaddress
                nodes.append([str(ipaddress.IPv6Address(bytes(raw[:16]))), raw[16] * 256 + raw[17]])
        return {"nodes": nodes}
    if op == "quit":
        return {"ok": True}
    return {"error": "unknown op " + op}


print(json.dumps({"ready": True, "ports": ports}), flush=True)
for line in sys.stdin:
    if not line.strip():
        continue
    try:
        cmd = json.loads(line)
        result = handle(cmd)
    except Exception as e:  # report, keep serving
        result = {"error": repr(e)}
    print(json.dumps(result), flush=True)
    if cmd.get("op") == "quit":
        break
del sessions
shutil.rmtree(workdir, ignore_errors=True)
""";
}
