#!/usr/bin/env python3
"""The web interface in a real browser (issue 16): Selenium drives headless Chromium against a
real `sluis serve` on the demo configuration, started here with its own data directory, a free
port and a test clock (so sessions expire and TOTP codes change without waiting).

Flows: local login with password + TOTP (the code is computed here), a mentor registers an
inzage, a mentor is refused approval (no button, and a POST with a valid session and CSRF token
is 403), a forged POST without CSRF token is 403, a stale payload hash is refused, a directeur
previews and approves, logout, and a session that expires after its idle time. Each page is saved
as a screenshot in --out-dir.

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluis", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    shutil.rmtree(args.out_dir, ignore_errors=True)
    os.makedirs(args.out_dir)
    work = tempfile.mkdtemp(prefix="sluis-web-")
    sluis = Sluis(args.sluis, args.source_dir, work)
    driver = None
    ok = False
    try:
        clock = Clock(os.path.join(work, "clock"))
        mentor_secret = sluis.add_account("mentor1", "mentor", "mentor-wachtwoord-1")
        directeur_secret = sluis.add_account("directeur1", "directeur", "directeur-wachtwoord-1")
        sluis.add_account("fg1", "fg", "fg-wachtwoord-123")
        token = sluis.run("token", "create", "--name", "test-beheer", "--role", "beheerder").strip()
        # Two pupils of group 8 as a Magister-style export: they wait for the parents' inzage.
        export = os.path.join(work, "export")
        subprocess.run([args.sluis, "demo", "generate-magister", export, "--pupils", "2",
                        "--seed", "8", "--brin", "12AB", "--bundle"], check=True,
                       capture_output=True, cwd=args.source_dir)
        shutil.copy(os.path.join(export, "export.bundle"),
                    os.path.join(sluis.data, "povo-inbox", "groep8.bundle"))
        sluis.start(clock.path, os.path.join(args.out_dir, "sluis.log"))
        port = sluis.port
        base = f"http://127.0.0.1:{port}"

        def api(path):
            status, _, body = http_request(port, "GET", path,
                                           headers={"Authorization": f"Bearer {token}"})
            assert status == 200, (path, status, body)
            return json.loads(body)

        def transfers(state):
            return api(f"/api/v1/transfers?state={state}&route=povo-groep8")["transfers"]

        waiting = wait_for("two dossiers awaiting the inzage",
                           lambda: (lambda t: t if len(t) == 2 else None)(
                               transfers("awaiting_consent")))
        pupil = waiting[0]["subject"]
        transfer_id = waiting[0]["id"]

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                  "--window-size=1280,1100", "--lang=nl-NL"):
            opts.add_argument(a)
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
        driver.set_page_load_timeout(60)
        shots = [0]

        def shot(name):
            shots[0] += 1
            driver.save_screenshot(os.path.join(args.out_dir, f"{shots[0]:02d}-{name}.png"))

        def path():
            return urllib.parse.urlparse(driver.current_url).path

        def login(name, password, secret):
            driver.get(base + "/web/")
            wait_for("the login page", lambda: path() == "/web/login")
            assert driver.find_element(By.CSS_SELECTOR, "label[for=naam]").text == "Gebruikersnaam"
            shot(f"aanmelden-{name}")
            driver.find_element(By.ID, "naam").send_keys(name)
            driver.find_element(By.ID, "wachtwoord").send_keys(password)
            driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
            wait_for("the TOTP step", lambda: path() == "/web/login/totp")
            shot(f"code-{name}")
            driver.find_element(By.ID, "code").send_keys(clock.totp(secret))
            driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
            wait_for("the overview", lambda: path() == "/web/" and "Overzicht" in driver.title)

        def logout():
            driver.find_element(By.CSS_SELECTOR, "nav form button").click()
            wait_for("the login page after logout", lambda: path() == "/web/login")
            assert "U bent afgemeld." in driver.page_source

        def session_cookie():
            c = driver.get_cookie("sluis_sessie")
            assert c and c["httpOnly"] and c.get("sameSite") == "Strict", c
            return c["value"]

        def form_post(path_, fields, cookie):
            body = urllib.parse.urlencode(fields)
            return http_request(port, "POST", path_, body=body,
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         "Cookie": f"sluis_sessie={cookie}"})

        # The security headers of every page.
        status, headers, _ = http_request(port, "GET", "/web/login")
        assert status == 200
        csp = headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "script-src 'none'" in csp, csp
        assert "frame-ancestors 'none'" in csp, csp
        assert headers.get("X-Frame-Options") == "DENY"
        assert headers.get("Cache-Control") == "no-store"
        assert "HttpOnly" in headers.get("Set-Cookie", "")
        assert "SameSite=Strict" in headers.get("Set-Cookie", "")

        # A wrong password is refused with a message that does not say which part was wrong.
        driver.get(base + "/web/login")
        driver.find_element(By.ID, "naam").send_keys("mentor1")
        driver.find_element(By.ID, "wachtwoord").send_keys("fout-wachtwoord")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait_for("the refusal", lambda: "onjuist wachtwoord" in driver.page_source)
        shot("aanmelden-fout")

        # --- The mentor registers the parents' inzage. ---
        login("mentor1", "mentor-wachtwoord-1", mentor_secret)
        assert "wachten op toestemming of inzage" in driver.page_source
        assert "povo-groep8" in driver.page_source
        shot("overzicht-mentor")
        driver.find_element(By.LINK_TEXT, "Toestemming en inzage").click()
        wait_for("the inzage form", lambda: path() == "/web/inzage")
        driver.find_element(By.ID, "pupil").send_keys(pupil)
        driver.find_element(By.CSS_SELECTOR, "input[name=akkoord][value=Ja]").click()
        shot("inzage-formulier")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_for("the inzage confirmation", lambda: "De inzage is vastgelegd. 1" in driver.page_source)
        shot("inzage-vastgelegd")
        wait_for("the dossier to wait for approval",
                 lambda: any(t["id"] == transfer_id for t in transfers("awaiting_approval")))

        # --- The mentor sees what waits, but cannot approve it. ---
        driver.get(base + "/web/goedkeuren")
        assert "Uw rol keurt geen overdrachten goed" in driver.page_source
        driver.get(base + f"/web/goedkeuren/{transfer_id}")
        assert driver.find_elements(By.ID, "geen-besluit"), "the mentor is told why"
        assert not driver.find_elements(By.ID, "goedkeuren"), "no approve button for a mentor"
        assert not driver.find_elements(By.CSS_SELECTOR, "pre.payload"), "no values for a mentor"
        payload_hash = driver.find_element(By.CSS_SELECTOR, "code.hash").text
        shot("overdracht-mentor")
        cookie = session_cookie()
        csrf = driver.find_element(By.CSS_SELECTOR, "nav input[name=csrf]").get_attribute("value")
        # A forged approve with the mentor's valid session and CSRF token: the gate says no.
        status, _, body = form_post(f"/web/goedkeuren/{transfer_id}",
                                    {"csrf": csrf, "besluit": "goedkeuren",
                                     "payload_hash": payload_hash}, cookie)
        assert status == 403, (status, body)
        assert "mag niet goedkeuren" in body, body
        # A forged POST without (or with a wrong) CSRF token is refused before anything else.
        status, _, body = form_post(f"/web/inzage", {"pupil": pupil, "purpose": "povo",
                                                     "inzagedatum": "2026-11-20",
                                                     "akkoord": "Ja"}, cookie)
        assert status == 403, (status, body)
        status, _, _ = form_post(f"/web/inzage", {"csrf": "0" * 64, "pupil": pupil,
                                                  "purpose": "povo", "inzagedatum": "2026-11-20",
                                                  "akkoord": "Ja"}, cookie)
        assert status == 403
        logout()
        shot("afgemeld")
        # The old session is gone: its cookie no longer counts, even with its CSRF token.
        status, _, _ = form_post("/web/inzage", {"csrf": csrf, "pupil": pupil}, cookie)
        assert status == 403

        # --- The directeur previews and approves exactly what was shown. ---
        clock.advance(30)
        login("directeur1", "directeur-wachtwoord-1", directeur_secret)
        assert "wachten op uw goedkeuring" in driver.page_source
        shot("overzicht-directeur")
        driver.find_element(By.LINK_TEXT, "Goedkeuren").click()
        wait_for("the queue", lambda: path() == "/web/goedkeuren")
        shot("goedkeuren-wachtrij")
        driver.find_element(By.CSS_SELECTOR, f"a[href='/web/goedkeuren/{transfer_id}']").click()
        wait_for("the preview", lambda: path() == f"/web/goedkeuren/{transfer_id}")
        page = driver.page_source
        assert "Wat verlaat het gebouw" in page and "Velden die achterblijven" in page
        assert "wettelijke verplichting" in page  # the legal basis
        payload = driver.find_element(By.CSS_SELECTOR, "pre.payload").text
        assert "<?xml" in payload or "<" in payload, payload[:200]
        assert driver.find_element(By.CSS_SELECTOR, "code.hash").text == payload_hash
        assert driver.find_element(By.ID, "goedkeuren")
        shot("overdracht-directeur")
        # A decision bound to another hash than the one shown is refused.
        cookie = session_cookie()
        csrf = driver.find_element(By.CSS_SELECTOR, "nav input[name=csrf]").get_attribute("value")
        status, _, body = form_post(f"/web/goedkeuren/{transfer_id}",
                                    {"csrf": csrf, "besluit": "goedkeuren",
                                     "payload_hash": "0" * 64}, cookie)
        assert status == 409, (status, body)
        assert "gewijzigd sinds deze preview" in body
        # Keyboard: the approve button is reachable and pressed like any button.
        driver.find_element(By.ID, "goedkeuren").click()
        wait_for("the approval", lambda: "is goedgekeurd" in driver.page_source)
        shot("goedgekeurd")
        state = wait_for("the transfer to leave the queue",
                         lambda: (lambda t: t["state"] if t["state"] != "awaiting_approval"
                                  else None)(api(f"/api/v1/transfers/{transfer_id}")))
        assert state in ("scheduled", "delivering", "delivered"), state
        audit = api("/api/v1/audit?limit=1000")
        records = audit.get("records", audit.get("audit", []))
        text = json.dumps(records)
        assert "directeur1" in text and "previewed" in text, "the preview is audited"

        # --- Lockout: after 5 failures even the right password is refused until the lock ends. ---
        def plain_login(name, password):
            status, headers, body = http_request(port, "GET", "/web/login")
            cookie = re.search(r"sluis_sessie=([0-9a-f]+)", headers["Set-Cookie"]).group(1)
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)
            return form_post("/web/login", {"csrf": csrf, "naam": name, "wachtwoord": password},
                             cookie)
        for _ in range(5):
            status, _, body = plain_login("fg1", "fout")
            assert status == 401 and "onjuist wachtwoord" in body, (status, body)
        status, _, body = plain_login("fg1", "fg-wachtwoord-123")
        assert status == 401 and "tijdelijk geblokkeerd" in body, (status, body)
        clock.advance(61)
        status, headers, _ = plain_login("fg1", "fg-wachtwoord-123")
        assert status == 303 and headers["Location"] == "/web/login/totp", status

        # --- The session expires after its idle time (15 minutes by default). ---
        driver.get(base + "/web/")
        assert path() == "/web/"
        clock.advance(16 * 60)
        wait_for("the expired session to send us to the login page",
                 lambda: driver.get(base + "/web/") or path() == "/web/login", timeout=30,
                 interval=0.2)
        shot("sessie-verlopen")
        ok = True
    finally:
        if driver is not None:
            if not ok:
                try:
                    driver.save_screenshot(os.path.join(args.out_dir, "zz-fout.png"))
                    with open(os.path.join(args.out_dir, "zz-fout.html"), "w") as f:
                        f.write(driver.page_source)
                except Exception:
                    pass
            driver.quit()
        sluis.stop()
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"browser test failed; daemon log in {args.out_dir}/sluis.log, data in {work}",
                  file=sys.stderr)
    print(f"browser test passed; screenshots in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
