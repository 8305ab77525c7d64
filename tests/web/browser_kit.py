"""Shared pieces of the browser tests (tests/web/browser_*_test.py): Selenium driving headless
Chromium against a real `sluis serve` on the demo configuration, with its own data directory, a
free port and a test clock (so sessions expire and TOTP codes change without waiting).

A browser test script calls `run(name, flow)`: it parses --sluis/--source-dir/--out-dir, makes
the work directory, runs `flow(t)` with a `Test` (daemon, clock, browser helpers), saves a
screenshot and the page on failure, stops everything and exits 0 or 1. Each page is saved as a
screenshot in --out-dir (README.md shows some of them).

Exit 77 (ctest SKIP_RETURN_CODE) when chromium, chromedriver or selenium are missing, unless
CI=true: then that is a failure.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)


def missing(what):
    if os.environ.get("CI", "").lower() == "true":
        print(f"FOUT: {what} ontbreekt (CI=true: de browsertest moet draaien); "
              "installeer met scripts/install-deps.sh", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: {what} ontbreekt; installeer met scripts/install-deps.sh", file=sys.stderr)
    sys.exit(77)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    # Debian's python3-selenium is installed for the system Python; another python3 first on
    # PATH (pyenv, a virtualenv) does not see it.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath(
            "/usr/bin/python3") and not os.environ.get("SLUIS_BROWSER_TEST_REEXEC"):
        os.environ["SLUIS_BROWSER_TEST_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    missing("python3-selenium")
if not CHROMIUM:
    missing("chromium")
if not CHROMEDRIVER:
    missing("chromium-driver (chromedriver)")


def wait_for(what, predicate, timeout=60.0, interval=0.1):
    """Polls `predicate` until it returns something truthy; fails naming `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # the daemon or page is not there yet
            last = e
        time.sleep(interval)
    raise AssertionError(f"timeout waiting for {what} (last: {last!r})")


class Clock:
    """The daemon's test clock: one ISO instant in a file, read on every call."""

    def __init__(self, path):
        self.path = path
        self.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.write()

    def write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        os.replace(tmp, self.path)

    def advance(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)
        self.write()

    def totp(self, secret_b32):
        key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
        step = int(self.now.timestamp()) // 30
        mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
        off = mac[-1] & 0x0F
        code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
        return f"{code:06d}"


class Sluis:
    def __init__(self, exe, source_dir, work):
        self.exe = exe
        self.source_dir = source_dir
        self.data = os.path.join(work, "data")
        self.config = os.path.join(source_dir, "config", "demo")
        os.makedirs(self.data)
        for d in ("inbox", "povo-inbox", "vensters-inbox"):
            os.makedirs(os.path.join(self.data, d))
        self.proc = None
        self.port = None

    def run(self, *args, stdin=None):
        r = subprocess.run([self.exe, *args, "--config", self.config, "--data-dir", self.data],
                           cwd=self.source_dir, input=stdin, capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"sluis {' '.join(args)}: exit {r.returncode}: {r.stderr}")
        return r.stdout

    def add_account(self, name, role, password):
        out = self.run("account", "add", "--name", name, "--role", role, "--password-stdin",
                       stdin=password + "\n")
        m = re.search(r"^totp-geheim: ([A-Z2-7]+)$", out, re.M)
        assert m, out
        assert re.search(r"^otpauth-uri: otpauth://totp/Sluis:", out, re.M), out
        return m.group(1)

    def start(self, clock_file, log_path):
        port_file = os.path.join(self.data, "admin.port")
        env = dict(os.environ, SLUIS_ENABLE_TEST_CLOCK="1")
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [self.exe, "serve", "--config", self.config, "--data-dir", self.data,
             "--admin-port", "0", "--test-clock", clock_file],
            cwd=self.source_dir, env=env, stdout=self.log, stderr=subprocess.STDOUT)

        def ready():
            if self.proc.poll() is not None:
                raise SystemExit(f"sluis serve stopped: exit {self.proc.returncode}")
            if not os.path.exists(port_file):
                return None
            port = int(open(port_file).read().strip() or 0)
            status, _, _ = http_request(port, "GET", "/health")
            return port if status == 200 else None

        self.port = wait_for("sluis serve to listen", ready)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def http_request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode("utf-8", "replace")
    finally:
        conn.close()



class Test:
    """One browser test: the daemon, its clock and a headless Chromium, with small helpers."""

    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.out_dir = args.out_dir
        self.sluis = Sluis(args.sluis, args.source_dir, work)
        self.clock = Clock(os.path.join(work, "clock"))
        self.driver = None
        self.token = None
        self._shots = 0

    # --- the daemon ---
    def start(self):
        """Starts `sluis serve` and makes a beheerder API token for checks behind the pages."""
        self.token = self.sluis.run("token", "create", "--name", "test-beheer", "--role",
                                    "beheerder").strip()
        self.sluis.start(self.clock.path, os.path.join(self.out_dir, "sluis.log"))
        self.port = self.sluis.port
        self.base = f"http://127.0.0.1:{self.port}"

    def api(self, path, method="GET", body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        status, _, text = http_request(self.port, method, path, body=body, headers=headers)
        assert 200 <= status < 300, (path, status, text)
        return json.loads(text) if text else {}

    def magister_export(self, pupils, seed, inbox="povo-inbox", name="groep8.bundle"):
        """A Magister-style export of `pupils` pupils of group 8, dropped in `inbox`."""
        export = os.path.join(self.work, f"export-{seed}")
        subprocess.run([self.args.sluis, "demo", "generate-magister", export, "--pupils",
                        str(pupils), "--seed", str(seed), "--brin", "12AB", "--bundle"],
                       check=True, capture_output=True, cwd=self.args.source_dir)
        shutil.copy(os.path.join(export, "export.bundle"),
                    os.path.join(self.sluis.data, inbox, name))

    # --- the browser ---
    def open_browser(self):
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                  "--window-size=1280,1100", "--lang=nl-NL"):
            opts.add_argument(a)
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
        self.driver.set_page_load_timeout(60)
        return self.driver

    def shot(self, name):
        self._shots += 1
        self.driver.save_screenshot(os.path.join(self.out_dir, f"{self._shots:02d}-{name}.png"))

    def path(self):
        return urllib.parse.urlparse(self.driver.current_url).path

    def get(self, path):
        self.driver.get(self.base + path)

    def page(self):
        return self.driver.page_source

    def login(self, name, password, secret):
        d = self.driver
        self.get("/web/")
        wait_for("the login page", lambda: self.path() == "/web/login")
        assert d.find_element(By.CSS_SELECTOR, "label[for=naam]").text == "Gebruikersnaam"
        self.shot(f"aanmelden-{name}")
        d.find_element(By.ID, "naam").send_keys(name)
        d.find_element(By.ID, "wachtwoord").send_keys(password)
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait_for("the TOTP step", lambda: self.path() == "/web/login/totp")
        self.shot(f"code-{name}")
        d.find_element(By.ID, "code").send_keys(self.clock.totp(secret))
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_for("the overview", lambda: self.path() == "/web/" and "Overzicht" in d.title)

    def logout(self):
        self.driver.find_element(By.CSS_SELECTOR, "nav form button").click()
        wait_for("the login page after logout", lambda: self.path() == "/web/login")
        assert "U bent afgemeld." in self.driver.page_source

    def session_cookie(self):
        c = self.driver.get_cookie("sluis_sessie")
        assert c and c["httpOnly"] and c.get("sameSite") == "Strict", c
        return c["value"]

    def csrf(self):
        """The session's CSRF token, from the logout form in the menu."""
        return self.driver.find_element(By.CSS_SELECTOR, "nav input[name=csrf]").get_attribute(
            "value")

    def form_post(self, path, fields, cookie):
        """A POST outside the browser (forged or replayed), with the session cookie `cookie`."""
        body = urllib.parse.urlencode(fields)
        return http_request(self.port, "POST", path, body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Cookie": f"sluis_sessie={cookie}"})


def run(name, flow):
    """Runs `flow(test)` as the browser test `name`; returns the process exit code."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluis", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    shutil.rmtree(args.out_dir, ignore_errors=True)
    os.makedirs(args.out_dir)
    work = tempfile.mkdtemp(prefix="sluis-web-")
    t = Test(args, work)
    ok = False
    try:
        flow(t)
        ok = True
    finally:
        if t.driver is not None:
            if not ok:
                try:
                    t.driver.save_screenshot(os.path.join(args.out_dir, "zz-fout.png"))
                    with open(os.path.join(args.out_dir, "zz-fout.html"), "w") as f:
                        f.write(t.driver.page_source)
                except Exception:
                    pass
            t.driver.quit()
        t.sluis.stop()
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"{name} failed; daemon log in {args.out_dir}/sluis.log, data in {work}",
                  file=sys.stderr)
    print(f"{name} passed; screenshots in {args.out_dir}")
    return 0
