"""A local SMTP sink for the benchmark: accepts every message on a loopback port, keeps
nothing, and counts what it received (development tool; stdlib asyncio only).

    python -m demo.smtp_sink PORT_FILE

It binds 127.0.0.1 on a free port, writes the port to PORT_FILE, and on SIGTERM writes
`{"messages": n, "connections": n}` to PORT_FILE + ".json" and exits. It speaks just enough
SMTP for Django's SMTP backend (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); no TLS, no
authentication. Run in its own process, so that receiving costs the sender nothing.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

counts = {"messages": 0, "connections": 0}


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    counts["connections"] += 1
    writer.write(b"220 sink ESMTP\r\n")
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(
                    b"250-sink\r\n250 8BITMIME\r\n" if verb == b"EHLO" else b"250 sink\r\n"
                )
            elif verb == b"DATA":
                writer.write(b"354 end with .\r\n")
                await writer.drain()
                while True:
                    data = await reader.readline()
                    if not data or data in (b".\r\n", b".\n"):
                        break
                counts["messages"] += 1
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # MAIL, RCPT, RSET, NOOP
                writer.write(b"250 ok\r\n")
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(port_file: str) -> None:
    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    with open(port_file, "w") as out:
        out.write(str(port))
    async with server:
        await stop.wait()
    with open(port_file + ".json", "w") as out:
        json.dump(counts, out)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
