"""Peer benchmark: wechatpy's enterprise client sending N distinct text messages to the emulator.

Usage: python peer_wechatpy.py EMULATOR_URL N T1[,T2,...]
Prints one line per thread count: threads=T sent=N errors=E secs=S msgs_per_sec=R
"""
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from wechatpy.enterprise import WeChatClient

EMULATOR = sys.argv[1].rstrip("/")


class EmulatorClient(WeChatClient):
    """wechatpy's client pointed at the emulator (its token URL is hard-coded upstream)."""

    API_BASE_URL = EMULATOR + "/cgi-bin/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=EMULATOR + "/cgi-bin/gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )


local = threading.local()


def client():
    if not hasattr(local, "client"):
        local.client = EmulatorClient("wwyizhandemo", "yizhan-demo-secret")
    return local.client


def send(i, rnd):
    res = client().message.send_text(1000002, "u%d" % (i % 1000), "peer bench %d-%d" % (rnd, i))
    return res.get("errcode", 0) == 0


def main():
    n = int(sys.argv[2])
    levels = [int(x) for x in sys.argv[3].split(",")]
    for rnd, threads in enumerate(levels):
        started = time.perf_counter()
        errors = 0
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for ok in pool.map(lambda i: send(i, rnd), range(n)):
                errors += 0 if ok else 1
        secs = time.perf_counter() - started
        print("threads=%d sent=%d errors=%d secs=%.3f msgs_per_sec=%.0f" % (threads, n, errors, secs, n / secs),
              flush=True)


main()
