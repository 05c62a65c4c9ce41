#!/usr/bin/python3
"""Helpers of run_email.sh (the e-mail fan-out benchmark). Standard library only.

  email_bench.py csv N FILE            a customer list of N opted-in customers
  email_bench.py messages N DIR        N messages (one per customer) for msmtp,
                                       what shopannounce would send them
  email_bench.py record                an "opened" critical incident record, now
  email_bench.py ceiling PORT N CONNS  the SMTP server's ceiling: N messages as fast
                                       as one client can push them, pipelined, over
                                       CONNS connections at once; prints msgs/s
  email_bench.py summary RAW.tsv       the Markdown table of run_email.sh's numbers
"""

import csv
import datetime
import email.message
import email.policy
import email.utils
import json
import os
import socket
import statistics
import sys
import threading
import time

SHOP = "ベンチ商店"
FROM = "shop@bench.example"


def name(i):
    return f"顧客 {i:05}"


def address(i):
    return f"c{i:05}@bench.example"


def cmd_csv(n, path):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("email,name,segment,opted_in\r\n")
        for i in range(n):
            f.write(f"{address(i)},{name(i)},news,yes\r\n")


def cmd_messages(n, directory):
    os.makedirs(directory, exist_ok=True)
    now = email.utils.format_datetime(datetime.datetime.now().astimezone())
    for i in range(n):
        m = email.message.EmailMessage(policy=email.policy.SMTP)
        m["Date"] = now
        m["From"] = email.utils.formataddr((SHOP, FROM))
        m["To"] = email.utils.formataddr((name(i), address(i)))
        m["Subject"] = f"【障害のお知らせ】{SHOP}のカートがご利用いただけません"
        m["Message-ID"] = f"<bench.{i:05}@bench.example>"
        m["List-Unsubscribe"] = "<https://shop.bench.example/unsubscribe>"
        m["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        m.set_content(body(i), charset="utf-8", cte="base64")
        with open(os.path.join(directory, f"{i:05}.eml"), "wb") as f:
            f.write(m.as_bytes())
        with open(os.path.join(directory, f"{i:05}.rcpt"), "w") as f:
            f.write(address(i) + "\n")


def body(i):
    return (f"{name(i)} 様\n\nいつも{SHOP}をご利用いただき、ありがとうございます。\n"
            "ただいま公式オンラインショップのカートがご利用いただけません。\n"
            "楽天市場店は通常どおりご利用いただけます。\n"
            "配信停止: https://shop.bench.example/unsubscribe\n")


def cmd_record():
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    print(json.dumps({"v": 1, "type": "incident", "event": "opened",
                      "id": "own-" + now.strftime("%Y%m%dT%H%M%S"), "channel": "own",
                      "severity": "critical", "checks": ["cart"],
                      "since": now.isoformat(), "time": now.isoformat()}))


def push(port, count, results, index):
    """`count` messages on one connection, every command of a message written at
    once (pipelined) and its four replies read after; returns when all are accepted."""
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = FROM
    msg["To"] = address(0)
    msg["Subject"] = "ceiling"
    msg.set_content(body(0), charset="utf-8", cte="base64")
    data = msg.as_bytes()
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError("server closed the connection")
            if line[3:4] != b"-":
                return line

    reply()  # 220
    s.sendall(b"EHLO bench\r\n")
    reply()
    ok = 0
    batch = (b"MAIL FROM:<" + FROM.encode() + b">\r\nRCPT TO:<" + address(0).encode()
             + b">\r\nDATA\r\n")
    for _ in range(count):
        s.sendall(batch)
        codes = [reply()[:3] for _ in range(3)]
        s.sendall(data + b".\r\n")
        codes.append(reply()[:3])
        ok += codes == [b"250", b"250", b"354", b"250"]
    s.sendall(b"QUIT\r\n")
    s.close()
    results[index] = ok


def cmd_ceiling(port, n, conns):
    results = [0] * conns
    per = [n // conns + (1 if i < n % conns else 0) for i in range(conns)]
    threads = [threading.Thread(target=push, args=(port, per[i], results, i))
               for i in range(conns)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    print(f"{sum(results)} {wall:.3f} {sum(results) / wall:.1f}")


def cmd_summary(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    tools = []
    for r in rows:
        if r["tool"] not in tools:
            tools.append(r["tool"])
    names = {"shopannounce": "**shopannounce** (one connection)",
             "msmtp": "msmtp, one process per message",
             "ceiling-1conn": "server ceiling: pipelined client, 1 connection",
             "ceiling-2conn": "server ceiling: pipelined client, 2 connections"}

    def med(rs, key):
        vals = [float(r[key]) for r in rs if r[key] not in ("", None)]
        return statistics.median(vals) if vals else None

    rate = {}
    print("| sender | N | runs | wall s | msg/s | CPU s (user+sys) | CPU ms/msg | peak RSS MiB "
          "| delivered | server CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for tool in tools:
        rs = [r for r in rows if r["tool"] == tool]
        n = int(rs[0]["n"])
        wall = med(rs, "wall_s")
        delivered = min(int(r["delivered"] or 0) for r in rs)
        cpu = None
        if rs[0]["user_s"]:
            cpu = statistics.median(float(r["user_s"]) + float(r["sys_s"]) for r in rs)
        rss = med(rs, "rss_kib")
        rate[tool] = n / wall
        print("| {} | {} | {} | {:.2f} | {:.0f} | {} | {} | {} | {} | {} |".format(
            names.get(tool, tool), n, len(rs), wall, n / wall,
            "%.2f" % cpu if cpu is not None else "–",
            "%.3f" % (cpu * 1000 / n) if cpu is not None else "–",
            "%.1f" % (rss / 1024) if rss else "–", delivered,
            "%.2f" % med(rs, "server_cpu_s")))
    if "shopannounce" in rate and "msmtp" in rate:
        print()
        print("shopannounce / msmtp, messages per second: **%.1f×** (target ≥ 10×)"
              % (rate["shopannounce"] / rate["msmtp"]))


def main():
    args = sys.argv[1:]
    if args[:1] == ["csv"] and len(args) == 3:
        cmd_csv(int(args[1]), args[2])
    elif args[:1] == ["messages"] and len(args) == 3:
        cmd_messages(int(args[1]), args[2])
    elif args == ["record"]:
        cmd_record()
    elif args[:1] == ["summary"] and len(args) == 2:
        cmd_summary(args[1])
    elif args[:1] == ["ceiling"] and len(args) == 4:
        cmd_ceiling(int(args[1]), int(args[2]), int(args[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main())
