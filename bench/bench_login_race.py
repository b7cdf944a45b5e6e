"""40 simultaneous wrong passwords for one user against `paperfeed serve --login` (real argon2 cost).

    .venv/bin/python bench/bench_login_race.py [--db /tmp/paperfeed-login.db] [--port 8731]

Prints the status codes: at most 5 (MAX_FAILURES) may be 401 (reached the password check); the rest 429.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

PAPERFEED = str(Path(sys.executable).parent / "paperfeed")
PASSWORD = "correct horse battery"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/paperfeed-login.db")
    ap.add_argument("--port", type=int, default=8731)
    args = ap.parse_args()
    if not Path(args.db).exists():
        subprocess.run([PAPERFEED, "--db", args.db, "user", "add", "alice"], input=f"{PASSWORD}\n{PASSWORD}\n",
                       text=True, check=True, capture_output=True)
    srv = subprocess.Popen([PAPERFEED, "--db", args.db, "serve", "--login", "--port", str(args.port)],
                           stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/login")
                break
            except httpx.TransportError:
                time.sleep(0.2)

        def attempt(i: int) -> int:
            with httpx.Client(base_url=base, timeout=60) as c:
                token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
                form = {"name": "alice", "password": f"wrong{i}", "csrf_token": token}
                return c.post("/login", data=form).status_code

        start = time.time()
        with ThreadPoolExecutor(40) as pool:
            codes = list(pool.map(attempt, range(40)))
        print("40 parallel wrong passwords:", {c: codes.count(c) for c in sorted(set(codes))},
              f"in {time.time() - start:.1f} s")
    finally:
        srv.terminate()
        srv.wait()


if __name__ == "__main__":
    main()
