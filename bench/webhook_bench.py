"""Write throughput with active webhooks against the same server without any.

Deliveries are made from the event outbox after commit, never on the request path; this measures
what they cost the writes that cause them. One ``vingt serve`` (one worker) on a throwaway
PostgreSQL database, a receiver in its own process on loopback (an aiohttp app that answers 200 and
counts), and alternating rounds of ``POST /rest/people`` under load: with no webhook, then with two
``*.*`` webhooks (so each create makes two deliveries). After each round with webhooks it reports how
many deliveries had arrived when the load stopped and how long the rest took.

    .venv/bin/python bench/webhook_bench.py --rounds 3 --duration 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rest_bench as rb  # noqa: E402 - the shared servers, database and loaders

RESULTS = rb.RESULTS


def receiver_main(port: int) -> None:
    """The receiver process: ``POST`` anything → 200 ``ok``; ``GET`` anything → the number of
    POSTs received so far. A bare asyncio protocol (keep-alive, Content-Length bodies): on a
    2-core machine the receiver shares the CPU with the server it measures, so it does as little
    as an HTTP server can."""
    import uvloop

    count = 0

    class Receiver(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: asyncio.Transport = transport  # type: ignore[assignment]
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            nonlocal count
            self.buffer += data
            while True:
                head_end = self.buffer.find(b"\r\n\r\n")
                if head_end < 0:
                    return
                head = self.buffer[:head_end].lower()
                length = 0
                at = head.find(b"content-length:")
                if at >= 0:
                    length = int(head[at + 15:].split(b"\r\n", 1)[0])
                end = head_end + 4 + length
                if len(self.buffer) < end:
                    return
                self.buffer = self.buffer[end:]
                if head.startswith(b"post"):
                    count += 1
                    body = b"ok"
                else:
                    body = json.dumps({"count": count}).encode()
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                     + str(len(body)).encode() + b"\r\n\r\n" + body)

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Receiver, rb.HOST, port)
        async with server:
            await server.serve_forever()

    uvloop.run(serve())


async def received(receiver: str) -> int:
    async with aiohttp.ClientSession() as s, s.get(receiver + "/count") as r:
        return int((await r.json())["count"])


async def set_webhooks(base: str, token: str, receiver: str, n: int) -> None:
    """Delete every webhook, then create ``n`` (``*.*``) pointing at the receiver."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as s:
        async with s.get(base + "/rest/webhooks") as r:
            for w in await r.json():
                async with s.delete(f"{base}/rest/webhooks/{w['id']}") as d:
                    assert d.status == 200, await d.text()
        for i in range(n):
            body = {"targetUrl": f"{receiver}/hook-{i}", "operations": ["*.*"]}
            async with s.post(base + "/rest/webhooks", json=body) as r:
                assert r.status == 201, await r.text()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Vingt write throughput with and without webhooks.")
    p.add_argument("--receiver", type=int, help=argparse.SUPPRESS)  # internal: run the receiver on this port
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--webhooks", type=int, default=2)
    p.add_argument("--loader", choices=("auto", "wrk", "aiohttp"), default="auto")
    p.add_argument("--pg", default=f"postgresql://postgres@{rb.HOST}:5432")
    p.add_argument("--output", type=Path, default=RESULTS / "webhooks-latest.json")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    if args.receiver:
        receiver_main(args.receiver)
        return 0
    loader = args.loader if args.loader != "auto" else ("wrk" if shutil.which("wrk") else "aiohttp")
    python = sys.executable
    vingt_bin = str(Path(python).parent / "vingt")
    db_name = f"vingt_bench_{secrets.token_hex(4)}"
    admin_dsn, dsn = f"{args.pg}/postgres", f"{args.pg}/{db_name}"
    workdir = Path(tempfile.mkdtemp(prefix="vingt-hooks-bench-"))
    servers: list[rb.Server] = []
    asyncio.run(rb.create_database(admin_dsn, db_name))
    try:
        out = subprocess.run([vingt_bin, "workspace", "create", "Bench", "--database", dsn],
                             capture_output=True, text=True, timeout=120, cwd=workdir, check=True)
        token = json.loads(out.stdout.strip().splitlines()[-1])["apiKey"]
        rport, vport = rb.free_port(), rb.free_port()
        servers.append(rb.start_server("receiver", [python, __file__, "--receiver", str(rport)], rport, workdir))
        receiver = f"http://{rb.HOST}:{rport}"
        os.environ["VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"  # the receiver is on loopback
        rb.unlimited_rates()
        vingt = rb.start_server("vingt", [vingt_bin, "serve", "--database", dsn, "--port", str(vport),
                                          "--host", rb.HOST, "--workers", "1"], vport, workdir)
        servers.append(vingt)
        create = rb.Scenario("create", "POST", "/rest/people", body=json.dumps(rb.CREATE_BODY).encode())
        runs: dict[int, list[rb.Result]] = {0: [], args.webhooks: []}
        drains: list[dict[str, float]] = []
        for r in range(args.rounds):
            for n in ((0, args.webhooks) if r % 2 == 0 else (args.webhooks, 0)):
                asyncio.run(set_webhooks(vingt.url, token, receiver, n))
                if args.warmup:
                    rb.load(loader, vingt.url, create, token, args.warmup, args, workdir)
                time.sleep(1.0)  # the warm-up's deliveries out of the way
                before = asyncio.run(received(receiver))
                result = rb.load(loader, vingt.url, create, token, args.duration, args, workdir)
                runs[n].append(result)
                rb.log(f"round {r + 1}, {n} webhook(s): {result.rps:.0f} creates/s, p99 {result.p99_ms:.1f} ms")
                if n:
                    expected = result.requests * n
                    at_stop = asyncio.run(received(receiver)) - before
                    t0 = time.monotonic()
                    while asyncio.run(received(receiver)) - before < expected and time.monotonic() - t0 < 120:
                        time.sleep(0.1)
                    drains.append({"expected": expected, "atStop": at_stop,
                                   "drainSeconds": round(time.monotonic() - t0, 2),
                                   "delivered": asyncio.run(received(receiver)) - before})
                    rb.log(f"  deliveries: {at_stop}/{expected} when the load stopped, "
                           f"all {drains[-1]['delivered']} after {drains[-1]['drainSeconds']} s more")
        none_rps = statistics.median(x.rps for x in runs[0])
        with_rps = statistics.median(x.rps for x in runs[args.webhooks])
        # the two rounds of a pair ran one after the other: their ratio shares the machine's state
        pairs = [round(w.rps / n.rps, 2) for n, w in zip(runs[0], runs[args.webhooks], strict=True)]
        in_window = [round(d["atStop"] / d["expected"], 2) for d in drains if d["expected"]]
        print(f"\ncreates/s without webhooks: {none_rps:.0f}; with {args.webhooks}: {with_rps:.0f}; "
              f"ratio {with_rps / none_rps:.2f} (rounds paired: {', '.join(map(str, pairs))}; "
              f"deliveries arrived while the load ran: {', '.join(f'{x:.0%}' for x in in_window)})")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps({
            "loader": loader, "connections": args.connections, "duration": args.duration,
            "withoutWebhooks": [x.rps for x in runs[0]], "withWebhooks": [x.rps for x in runs[args.webhooks]],
            "ratio": round(with_rps / none_rps, 3), "pairedRatios": pairs, "deliveries": drains,
        }, indent=2))
    finally:
        for s in reversed(servers):
            s.stop()
        asyncio.run(rb.drop_database(admin_dsn, db_name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
