"""A minimal HTTP/1.1 keep-alive JSON client on asyncio streams, for thousands of simulated agents.

One `Connection` per simulated agent, as each real agent keeps one `http.client`
connection: the coordinator sees as many keep-alive sockets as there are agents.
Plain asyncio streams rather than an HTTP library: on a 2-core machine shared with
the coordinator the clients' CPU per request is what matters, and the coordinator
only ever answers with a Content-Length body.
"""

import asyncio
import json
import time
import urllib.parse

TIMEOUT_S = 30.0  # as farmworker.client.Client's default timeout_s


class HttpError(Exception):
    """No usable answer: the connection failed, timed out, or the reply was not HTTP we read."""


class Connection:
    """A keep-alive connection to one coordinator; opened on first use and after a failure."""

    def __init__(self, url: str, token: str):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self._headers = (f'Host: {self.host}:{self.port}\r\nAuthorization: Bearer {token}\r\n'
                         'Content-Type: application/json\r\nAccept: application/json\r\n')
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """Send one request; (status, JSON body). HttpError when no answer came in TIMEOUT_S."""
        payload = b'' if body is None else json.dumps(body).encode()
        try:
            return await asyncio.wait_for(self._exchange(method, path, payload), TIMEOUT_S)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            self.close()  # a half-used connection cannot be reused
            raise HttpError(f'{type(exc).__name__}: {exc}'[:200]) from None

    async def _exchange(self, method: str, path: str, payload: bytes) -> tuple[int, dict]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(f'{method} {path} HTTP/1.1\r\n{self._headers}'
                           f'Content-Length: {len(payload)}\r\n\r\n'.encode() + payload)
        status_line = await self._reader.readline()
        if not status_line:
            raise ValueError('connection closed before an answer')
        status = int(status_line.split(b' ', 2)[1])
        length, closing = 0, False
        while (line := await self._reader.readline()) not in (b'\r\n', b'\n', b''):
            name, _, value = line.decode('latin-1').partition(':')
            name = name.strip().lower()
            if name == 'content-length':
                length = int(value)
            elif name == 'connection' and value.strip().lower() == 'close':
                closing = True
            elif name == 'transfer-encoding':
                raise ValueError(f'unexpected Transfer-Encoding: {value.strip()}')
        raw = await self._reader.readexactly(length) if length else b''
        if closing:
            self.close()
        data = json.loads(raw) if raw else {}
        return status, data if isinstance(data, dict) else {'body': data}

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class Timings:
    """Client-side latency (ms) and statuses of each kind of request, and connection failures."""

    def __init__(self):
        self.latency_ms: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[int, int]] = {}
        self.failures: dict[str, int] = {}
        self.examples: list[str] = []  # the first few unexpected answers, for the report

    async def call(self, conn: Connection, kind: str, method: str, path: str,
                   body: dict | None = None) -> tuple[int, dict]:
        """`conn.call`, timed and counted under `kind`; HttpError counted and raised."""
        started = time.perf_counter()
        try:
            status, data = await conn.call(method, path, body)
        except HttpError as exc:
            self.failures[kind] = self.failures.get(kind, 0) + 1
            self.note(f'{kind}: {exc}')
            raise
        self.latency_ms.setdefault(kind, []).append(1000 * (time.perf_counter() - started))
        counts = self.statuses.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1
        return status, data

    def note(self, example: str) -> None:
        if len(self.examples) < 20:
            self.examples.append(example)

    def as_dict(self) -> dict:
        return {'latency_ms': self.latency_ms, 'statuses': self.statuses,
                'failures': self.failures, 'examples': self.examples}
