"""Target 9: the web workspace under load, with 100,000 items, on SQLite and on PostgreSQL.

The issue: "search answers in under 100 ms at the 95th percentile, the item list in under 50 ms,
both under 20 concurrent users, measured with a load generator on loopback against `gavah
serve`". For each database:

1. Build a real workspace: ``init_workspace``, then ``sizes.web_items`` items, each a small
   distinct text blob staged and committed to the blob store (fsynced, in threads, as ingest
   does) and recorded through the vault 1,000 to a write transaction (custody events, a signed
   checkpoint and the search rows, as every ingest does). File names mix synthetic Persian
   words (some written with a ZWNJ) and English ones over 5 collections, with notes and
   sources. The build time is reported. PostgreSQL gets a new schema in the ``test`` database
   on 127.0.0.1:5432, dropped afterwards, and a ``VACUUM ANALYZE`` once built (autovacuum would
   do the same shortly after a bulk load; the planner needs the statistics).
2. One viewer account granted all 5 collections, with an API token (``Authorization: Bearer``
   for the JSON API) and a browser session cookie (for the HTML pages).
3. ``gavah serve`` as a subprocess on a free loopback port; then, per endpoint:

   - 1 user: ``wrk -c 1 -t 1``, the single-user baseline of the same run;
   - 20 users, closed loop: ``wrk -c 20 -t 2``, each connection sends its next request the
     moment the last one is answered (no think time): a stress figure;
   - 20 users with think time: an asyncio + httpx load generator in which 20 simulated people
     each wait 0.5-1.5 s between requests (what people do) and pick an endpoint at random: the
     realistic figure. (wrk shares the machine's 2 cores with the server in the other runs.)

   Endpoints: API search (``/api/v1/items?q=...``, queries drawn from Persian and English
   words, prefixes, two-word queries, rare numbers and SHA-256 prefixes), the HTML search as
   the page's search box sends it (htmx, the results fragment), the API list (first page), the
   API list deep in the list (a ``before=`` cursor), and the HTML list page (``/items``).

Each p95 is reported against its target (100 ms search, 50 ms list) with the single-user p95
of the same run as the baseline, so the ratio is what 20 users cost over one. ``gavah serve``
runs its default, one worker process per core; each closed-loop figure also carries, in its
notes (``one_worker_process``), the same load against ``gavah serve --workers 1`` in the same
run.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
from sqlalchemy import create_engine, text

from bench._timing import Result, Say, clean_env, stopwatch
from bench.sizes import Sizes
from gavah.accounts import Accounts
from gavah.custody.log import Appender
from gavah.settings import Settings
from gavah.store import BlobStore
from gavah.vault import Acquired, Vault
from gavah.workspace import Workspace, init_workspace

SEARCH_TARGET_MS = 100.0
LIST_TARGET_MS = 50.0
USERS = 20
BATCH = 1_000  # items recorded per write transaction
STAGING_THREADS = 16  # blobs staged and committed at once (fsync-bound)
THINK_SECONDS = (0.5, 1.5)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GAVAH = [sys.executable, "-m", "gavah"]
COLLECTIONS = ("tehran-1401", "zahedan", "evin", "کردستان", "workers-strikes")


# --- synthetic names, notes and sources ------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()


FA_WORDS = _words(
    "گزارش شاهد اعتراض بازداشت زندان دادگاه خیابان تجمع ویدیو عکس مصاحبه بیمارستان دانشگاه "
    "کارگران معلمان شبانه میدان ماموران شعار پرستار"
)
ZWNJ = "\u200c"
FA_ZWNJ_WORDS = [
    w.replace("+", ZWNJ)
    for w in _words("بازداشت+شدگان خانواده+ها گزارش+ها می+گوید زخمی+ها دانشجو+ها کشته+شدگان")
]
FA_CITIES = _words("تهران اصفهان شیراز مشهد تبریز زاهدان سنندج رشت اهواز کرمانشاه")
EN_WORDS = _words(
    "witness statement protest arrest prison court street gathering video photo interview "
    "hospital university workers teachers night square agents slogan nurse"
)
EN_CITIES = _words("tehran isfahan shiraz mashhad tabriz zahedan sanandaj rasht ahvaz kermanshah")
SOURCES = (
    "تلگرام",
    "شاهد عینی",
    "خبرنگار شهروندی",
    "telegram",
    "whatsapp",
    "instagram",
    "citizen journalist",
    "family of the victim",
    "hospital staff",
    "1500tasvir",
)
EXTENSIONS = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "pdf": "application/pdf",
    "txt": "text/plain",
}
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _filename(i: int, rng: random.Random) -> str:
    ext = rng.choice(list(EXTENSIONS))
    style = i % 5
    if style == 0:
        words = rng.sample(FA_WORDS, 2)
        return f"{words[0]}_{words[1]}_{rng.choice(FA_CITIES)}_{str(i).translate(_FA_DIGITS)}.{ext}"
    if style == 1:
        return f"{rng.choice(FA_ZWNJ_WORDS)} {rng.choice(FA_CITIES)} {i}.{ext}"
    if style == 2:
        words = rng.sample(EN_WORDS, 2)
        return f"{words[0]}_{words[1]}_{rng.choice(EN_CITIES)}_{i}.{ext}"
    if style == 3:
        return f"{rng.choice(EN_WORDS).title()}-{rng.choice(EN_CITIES).title()}-{i}.{ext}"
    return f"{'VID' if ext == 'mp4' else 'IMG'}_2022{rng.randint(9, 12):02d}{rng.randint(1, 28):02d}_{i}.{ext}"


def _note(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return " ".join(
            [*rng.sample(FA_WORDS, 3), rng.choice(FA_ZWNJ_WORDS), rng.choice(FA_CITIES)]
        )
    return " ".join([*rng.sample(EN_WORDS, 3), "in", rng.choice(EN_CITIES).title()])


@dataclass(frozen=True)
class Planned:
    """One synthetic item: its name, where it goes, and its bytes."""

    path: bytes
    mime: str
    data: bytes
    collection: str
    source: str
    note: str | None
    metadata: dict[str, Any]


def _plan(i: int, seed: int) -> Planned:
    rng = random.Random(seed * 1_000_003 + i)
    name = _filename(i, rng)
    ext = name.rsplit(".", 1)[1]
    note = _note(rng) if rng.random() < 0.7 else None
    words = " ".join(rng.choices([*FA_WORDS, *EN_WORDS], k=30))
    data = f"gavah web benchmark item {i}\n{name}\n{note or ''}\n{words}\n".encode()
    metadata: dict[str, Any] = {"synthetic": True, "title": " ".join(rng.sample(EN_WORDS, 2))}
    if EXTENSIONS[ext].startswith("image/"):
        metadata["exif"] = {"Make": rng.choice(["Apple", "Samsung", "Xiaomi"]), "Orientation": 1}
    return Planned(
        path=f"/evidence/{COLLECTIONS[i % len(COLLECTIONS)]}/{name}".encode(),
        mime=EXTENSIONS[ext],
        data=data,
        collection=COLLECTIONS[i % len(COLLECTIONS)],
        source=rng.choice(SOURCES),
        note=note,
        metadata=metadata,
    )


def _acquire(store: BlobStore, plan: Planned) -> Acquired:
    """Stage and commit the blob (fsynced, as ingest does) and describe the acquisition."""
    staged = store.stage(io.BytesIO(plan.data))
    try:
        store.commit(staged)
    finally:
        store.discard(staged)
    return Acquired(plan.path, None, None, staged.info, plan.mime, plan.metadata)


@dataclass
class Built:
    items: int
    seconds: float
    sha256_sample: list[str]


def build(ws: Workspace, items: int, say: Say, seed: int = 1401) -> Built:
    """Record ``items`` synthetic items, ``BATCH`` to a write transaction, as ``Vault.record``
    does (one call of ``record_one`` per item, so each item keeps its own collection, source and
    note), while threads stage and commit the next blobs."""
    vault = Vault(ws, actor="bench")
    hashes: list[str] = []
    start = time.perf_counter()
    with stopwatch() as lap, ThreadPoolExecutor(STAGING_THREADS) as pool:
        plans = (_plan(i, seed) for i in range(items))
        acquired = pool.map(lambda p: (p, _acquire(ws.store, p)), plans)
        done = 0
        while done < items:
            chunk = [next(acquired) for _ in range(min(BATCH, items - done))]
            with ws.db.write() as session:
                appender = Appender(session)
                for plan, acq in chunk:
                    vault.record_one(
                        session, appender, acq, plan.collection, plan.source, plan.note
                    )
                vault.finish(session, appender)
            hashes += [acq.blob.sha256 for _, acq in chunk[:: max(1, BATCH // 10)]]
            done += len(chunk)
            if done % (BATCH * 20) == 0:
                say(f"9.   {done:,} items recorded ({time.perf_counter() - start:.0f} s)")
    return Built(items, lap.seconds, hashes)


# --- the account the load generators act as --------------------------------------------------
@dataclass(frozen=True)
class Viewer:
    token: str  # API token (Authorization: Bearer)
    cookie: str  # browser session (gavah_session)


def make_viewer(ws: Workspace) -> Viewer:
    """A viewer of all 5 collections (viewers need no second factor), signed in, with a token."""
    accounts = Accounts(ws)
    link = accounts.create("bench-viewer", "viewer", list(COLLECTIONS), "bench")
    password = "bench-" + uuid.uuid4().hex
    accounts.complete_setup(link.token, password, None)
    signed = accounts.sign_in("bench-viewer", password, "127.0.0.1", "gavah bench")
    principal = accounts.principal_for_session(signed.token)
    if principal is None:
        raise RuntimeError("the benchmark account's session does not work")
    return Viewer(accounts.create_token(principal, "bench"), signed.token)


# --- endpoints -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    key: str
    what: str
    prefix: str  # the path; each request appends one of ``values``, percent-encoded
    values: tuple[str, ...]
    target_ms: float
    html: bool = False  # signed in with the session cookie (a browser), else the API token
    htmx: bool = False  # sent as the page's search box sends it (the results fragment)


def search_queries(hashes: Sequence[str], items: int) -> tuple[str, ...]:
    """What people type: common and rarer words in both scripts, prefixes, two words, a
    ZWNJ word typed three ways, item numbers, a SHA-256 prefix, and words found nowhere."""
    rng = random.Random(7)
    numbers = [str(rng.randrange(items)) for _ in range(6)]
    queries = [
        *FA_WORDS[:8],
        *FA_CITIES[:4],
        *EN_WORDS[:8],
        *EN_CITIES[:4],
        "گزار",
        "بازدا",
        "witn",
        "pro",
        "شاهد تهران",
        "اعتراض خیابان",
        "witness tehran",
        "video zahedan",
        "protest street night",
        f"بازداشت{ZWNJ}شدگان",
        "بازداشت شدگان",
        "بازداشتشدگان",
        "خانواده‌ها",
        "Tabriz",
        "تلگرام",
        "citizen journalist",
        *numbers,
        *(n.translate(_FA_DIGITS) for n in numbers[:2]),
        "IMG_2022",
        *(h[:10] for h in hashes[:6]),
        "ناموجود",
        "nonexistentword",
    ]
    return tuple(queries)


def endpoints(hashes: Sequence[str], items: int) -> list[Endpoint]:
    queries = search_queries(hashes, items)
    rng = random.Random(11)
    cursors = tuple(str(rng.randint(items // 10 + 1, 9 * items // 10 + 1)) for _ in range(200))
    return [
        Endpoint(
            "api-search", "API search", "/api/v1/items?limit=50&q=", queries, SEARCH_TARGET_MS
        ),
        Endpoint(
            "html-search",
            "HTML search (htmx results)",
            "/items?q=",
            queries,
            SEARCH_TARGET_MS,
            html=True,
            htmx=True,
        ),
        Endpoint(
            "api-list", "API list, first page", "/api/v1/items?limit=50", ("",), LIST_TARGET_MS
        ),
        Endpoint(
            "api-list-deep",
            "API list, deep page (before=)",
            "/api/v1/items?limit=50&before=",
            cursors,
            LIST_TARGET_MS,
        ),
        Endpoint("html-list", "HTML list page /items", "/items", ("",), LIST_TARGET_MS, html=True),
    ]


def headers_for(endpoint: Endpoint, viewer: Viewer) -> dict[str, str]:
    if endpoint.html:
        found = {"Cookie": f"gavah_session={viewer.cookie}"}
        if endpoint.htmx:
            found |= {"HX-Request": "true", "HX-Target": "results"}
        return found
    return {"Authorization": f"Bearer {viewer.token}"}


# --- wrk -------------------------------------------------------------------------------------
def _lua_string(value: str) -> str:
    """A Lua string literal: printable ASCII as is, every other byte as a decimal escape."""
    out = []
    for byte in value.encode("utf-8"):
        c = chr(byte)
        out.append(c if 32 <= byte < 127 and c not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


_LUA = """\
local prefix = {prefix}
local values = {{ {values} }}
local headers = {{ {headers} }}

local function urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local paths = {{}}
for i, v in ipairs(values) do paths[i] = prefix .. urlencode(v) end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (tid or 0))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "GAVAH_WRK requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d "
    .. "p50_us=%.0f p95_us=%.0f p99_us=%.0f max_us=%.0f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk_script(endpoint: Endpoint, viewer: Viewer, folder: Path) -> Path:
    headers = headers_for(endpoint, viewer)
    script = _LUA.format(
        prefix=_lua_string(endpoint.prefix),
        values=", ".join(_lua_string(v) for v in endpoint.values),
        headers=", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
    )
    path = folder / f"wrk-{endpoint.key}.lua"
    path.write_text(script, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Latency:
    """One load run: percentiles in milliseconds, throughput, and what went wrong."""

    p50: float
    p95: float
    p99: float
    max: float
    requests: int
    per_second: float
    errors: int
    server_cpu_ms: float | None = None  # the server process's CPU time per request
    load: float | None = None  # the machine's 1-minute load average as the run began

    def notes(self) -> dict[str, Any]:
        found = {
            "p50_ms": round(self.p50, 1),
            "p95_ms": round(self.p95, 1),
            "p99_ms": round(self.p99, 1),
            "req_s": round(self.per_second, 1),
            "requests": self.requests,
        }
        if self.server_cpu_ms is not None:
            found["server_cpu_ms_per_req"] = round(self.server_cpu_ms, 2)
        if self.load is not None:
            found["load_avg"] = round(self.load, 1)
        return found


_WRK_LINE = re.compile(r"GAVAH_WRK (.*)")


def run_wrk(server: Server, script: Path, connections: int, threads: int, seconds: int) -> Latency:
    argv = ["wrk", "-c", str(connections), "-t", str(threads), "-d", f"{seconds}s"]
    argv += ["--timeout", "30s", "-s", str(script), server.base + "/"]
    load = os.getloadavg()[0]
    cpu_before = server.cpu_seconds()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    cpu_after = server.cpu_seconds()
    found = _WRK_LINE.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-1000:]}{done.stderr}")
    v = {k: float(x) for k, x in (pair.split("=") for pair in found.group(1).split())}
    errors = int(v["connect"] + v["read"] + v["write"] + v["status"] + v["timeout"])
    if errors:
        raise RuntimeError(f"wrk saw {errors} failed requests: {found.group(0)}")
    return Latency(
        p50=v["p50_us"] / 1000,
        p95=v["p95_us"] / 1000,
        p99=v["p99_us"] / 1000,
        max=v["max_us"] / 1000,
        requests=int(v["requests"]),
        per_second=v["requests"] / (v["duration_us"] / 1e6),
        errors=errors,
        server_cpu_ms=1000 * (cpu_after - cpu_before) / v["requests"]
        if cpu_before is not None and cpu_after is not None and v["requests"]
        else None,
        load=load,
    )


# --- the think-time load generator -----------------------------------------------------------
def _percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest rank, as :class:`bench._timing.Samples` takes its p95."""
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def think_time_run(
    base: str, viewer: Viewer, points: Sequence[Endpoint], seconds: float, seed: int = 3
) -> dict[str, Latency]:
    """20 simulated people, each on their own connection, each sending a request to an endpoint
    picked at random, then waiting 0.5-1.5 s; latency per endpoint."""
    return asyncio.run(_think_time(base, viewer, points, seconds, seed))


async def _think_time(
    base: str, viewer: Viewer, points: Sequence[Endpoint], seconds: float, seed: int
) -> dict[str, Latency]:
    seen: dict[str, list[float]] = {p.key: [] for p in points}
    failures: list[str] = []
    load = os.getloadavg()[0]
    start = time.perf_counter()
    deadline = start + seconds

    async def person(n: int) -> None:
        rng = random.Random(seed * 100 + n)
        async with httpx2.AsyncClient(base_url=base, timeout=30) as client:
            await asyncio.sleep(rng.uniform(0, THINK_SECONDS[1]))  # people arrive at random
            while time.perf_counter() < deadline:
                point = rng.choice(points)
                path = point.prefix + quote(rng.choice(point.values), safe="")
                began = time.perf_counter()
                response = await client.get(path, headers=headers_for(point, viewer))
                await response.aread()
                took = time.perf_counter() - began
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code}")
                seen[point.key].append(took * 1000)
                await asyncio.sleep(rng.uniform(*THINK_SECONDS))

    await asyncio.gather(*(person(n) for n in range(USERS)))
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, e.g. {failures[:3]}")
    out = {}
    for key, values in seen.items():
        ordered = sorted(values) or [0.0]
        out[key] = Latency(
            p50=_percentile(ordered, 50),
            p95=_percentile(ordered, 95),
            p99=_percentile(ordered, 99),
            max=ordered[-1],
            requests=len(values),
            per_second=len(values) / elapsed,
            errors=0,
            load=load,
        )
    return out


# --- the server ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds the server has used, its worker processes included (Linux;
        None elsewhere). With several workers the parent only supervises: reading it alone
        showed next to nothing."""
        stats = _process_stats()
        if self.pid not in stats:
            return None
        tree = {self.pid}
        for _ in range(4):  # uvicorn's supervisor, its workers, and what they start
            tree |= {pid for pid, (parent, _) in stats.items() if parent in tree}
        ticks = sum(stats[pid][1] for pid in tree)
        return ticks / os.sysconf("SC_CLK_TCK")


def _process_stats() -> dict[int, tuple[int, int]]:
    """Each process's parent and user + system ticks, from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        found[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


@contextmanager
def serving(
    workspace: Path, database_url: str | None, log: Path, workers: int | None = None
) -> Iterator[Server]:
    """``gavah serve`` on a free loopback port, until the block ends (its default number of
    worker processes, one per core, unless ``workers`` is given)."""
    port = free_port()
    env = clean_env(**({"GAVAH_DATABASE_URL": database_url} if database_url else {}))
    argv = [*GAVAH, "--workspace", str(workspace), "serve", "--port", str(port)]
    if workers is not None:
        argv += ["--workers", str(workers)]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"gavah serve exited {proc.returncode}: {log.read_text()[-2000:]}"
                )
            try:
                if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gavah serve did not answer /healthz within 300 s")
            time.sleep(0.2)
        yield Server(base, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def check_and_warm(base: str, viewer: Viewer, point: Endpoint, rounds: int = 30) -> int:
    """Every request answered 200 with content (a bad token would give fast 401s and flatter the
    figures); also warms the server's caches. Returns how many search requests found items."""
    found = 0
    with httpx2.Client(base_url=base, timeout=30) as client:
        for n in range(rounds):
            value = point.values[n % len(point.values)]
            response = client.get(
                point.prefix + quote(value, safe=""), headers=headers_for(point, viewer)
            )
            if response.status_code != 200:
                raise RuntimeError(f"{point.prefix}{value}: HTTP {response.status_code}")
            if point.html:
                found += "/items/ev-" in response.text
            else:
                found += bool(response.json()["items"])
    return found


# --- databases -------------------------------------------------------------------------------
def pg_base_url() -> str:
    return os.environ.get("GAVAH_BENCH_DATABASE_URL") or PG_URL


@contextmanager
def postgres_schema(say: Say) -> Iterator[str | None]:
    """A new schema in the test database for this run (dropped after); None if unreachable."""
    base = pg_base_url()
    schema = f"bench_web_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server, no database, no rights: skip, do not fail the run
        say(f"9. PostgreSQL skipped: {base.split('@')[-1]}: {str(exc).splitlines()[0]}")
        admin.dispose()
        yield None
        return
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def vacuum_analyze(url: str) -> float:
    """``VACUUM ANALYZE`` the workspace's tables (in its schema only: the database is shared)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with stopwatch() as lap, engine.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
            for table in list(tables):
                conn.execute(text(f'VACUUM ANALYZE "{table}"'))
    finally:
        engine.dispose()
    return lap.seconds


# --- one database, end to end ----------------------------------------------------------------
@dataclass
class Measured:
    database: str
    build: Built
    single: dict[str, Latency]
    closed: dict[str, Latency]
    think: dict[str, Latency]
    points: list[Endpoint]
    notes: dict[str, Any]
    one_worker: dict[str, Latency]  # closed loop against `serve --workers 1`, same run


def measure(tmp: Path, sizes: Sizes, say: Say, name: str, url: str | None) -> Measured:
    folder = tmp / f"web-{name.lower()}"
    folder.mkdir()
    workspace = folder / "ws"
    ws = init_workspace(Settings(workspace=workspace, database_url=url, actor="bench"))
    notes: dict[str, Any] = {}
    try:
        say(f"9. {name}: recording {sizes.web_items:,} items, {BATCH:,} to a transaction")
        built = build(ws, sizes.web_items, say)
        say(f"9. {name}: built in {built.seconds:.1f} s")
        viewer = make_viewer(ws)
    finally:
        ws.close()
    if url is not None:
        notes["vacuum_analyze_s"] = round(vacuum_analyze(url), 1)
    points = endpoints(built.sha256_sample, sizes.web_items)
    seconds = max(1, round(sizes.web_seconds))
    single_seconds = max(1, seconds // 2)
    think_seconds = 3 * sizes.web_seconds
    single: dict[str, Latency] = {}
    closed: dict[str, Latency] = {}
    with serving(workspace, url, folder / "serve.log") as server:
        for point in points:
            found = check_and_warm(server.base, viewer, point)
            if point.key.endswith("search"):
                notes[f"{point.key}_warmup_queries_with_hits"] = f"{found}/30"
            script = wrk_script(point, viewer, folder)
            say(f"9. {name}: {point.what}: 1 user {single_seconds} s, {USERS} users {seconds} s")
            single[point.key] = run_wrk(server, script, 1, 1, single_seconds)
            closed[point.key] = run_wrk(server, script, USERS, 2, seconds)
        say(f"9. {name}: {USERS} users with think time, all endpoints mixed, {think_seconds:g} s")
        think = think_time_run(server.base, viewer, points, think_seconds)
    one_worker: dict[str, Latency] = {}
    with serving(workspace, url, folder / "serve-1.log", workers=1) as server:
        for point in points:
            check_and_warm(server.base, viewer, point)
            say(f"9. {name}: {point.what}: {USERS} users, one worker process, {seconds} s")
            script = wrk_script(point, viewer, folder)
            one_worker[point.key] = run_wrk(server, script, USERS, 2, seconds)
    notes["workers"] = os.cpu_count() or 1
    return Measured(name, built, single, closed, think, points, notes, one_worker)


def run(tmp: Path, sizes: Sizes, say: Say) -> list[Result]:
    if shutil.which("wrk") is None:
        say("9. skipped: wrk is not installed (apt-get install wrk)")
        return []
    measured = [measure(tmp, sizes, say, "SQLite", None)]
    with postgres_schema(say) as url:
        if url is not None:
            measured.append(measure(tmp, sizes, say, "PostgreSQL", url))
    return results(measured, sizes)


def results(measured: Sequence[Measured], sizes: Sizes) -> list[Result]:
    full = sizes.web_items >= 100_000
    out = [
        Result(
            "9 web",
            f"{m.database}: build {m.build.items:,} items (blobs fsynced, {BATCH:,}/transaction)",
            m.build.seconds,
            "s",
            notes={"items_s": round(m.build.items / m.build.seconds), **m.notes},
        )
        for m in measured
    ]
    modes = (
        ("closed", f"{USERS} users, closed loop, no think time (stress, wrk)"),
        ("think", f"{USERS} users, think time 0.5-1.5 s (realistic, httpx)"),
    )
    for point in measured[0].points:
        for mode, label in modes:
            for m in measured:
                got = getattr(m, mode)[point.key]
                one = m.single[point.key]
                out.append(
                    Result(
                        "9 web",
                        f"{m.database}: {point.what}, p95, {label}",
                        got.p95,
                        "ms",
                        baseline="p95 with 1 user (wrk -c1), same run",
                        baseline_value=one.p95,
                        target=f"p95 < {point.target_ms:.0f} ms at 20 users, 100,000 items",
                        met=got.p95 < point.target_ms if full else None,
                        notes={
                            **got.notes(),
                            "of_target": round(got.p95 / point.target_ms, 2),
                            "one_user": one.notes(),
                            **(
                                {"one_worker_process": m.one_worker[point.key].notes()}
                                if mode == "closed"
                                else {}
                            ),
                        },
                    )
                )
    return out
