#!/usr/bin/env python3
"""Login with OpenID Connect in a real browser (issue 16): the test OpenID provider
(sluis_test_oidc_provider, path in SLUIS_TEST_OIDC_PROVIDER) and `sluis serve` on its own copy of
config/demo with admin.web.oidc added. The provider's login page is on http://localhost, the
daemon on http://127.0.0.1: two different sites, as with a real provider, so the cookies must
survive the way back. Flows: a directeur logs in with "Aanmelden met Testschool" and lands on the
overview with the mapped role (audited web_login, method oidc; no name in the log); a user
without a mapped role is refused with the Dutch message; a tampered callback (wrong state) is
refused; refusing at the provider gives a clear page. Shared pieces: browser_kit.py.
"""
import json
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_kit import By, http_request, run, wait_for  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daemon(t, port):
    """As Sluis.start, on a fixed port: the redirect URI registered at the provider names it."""
    s = t.sluis
    env = dict(os.environ, SLUIS_ENABLE_TEST_CLOCK="1")
    s.log = open(os.path.join(t.out_dir, "sluis.log"), "w")
    s.proc = subprocess.Popen(
        [s.exe, "serve", "--config", s.config, "--data-dir", s.data, "--admin-port", str(port),
         "--test-clock", t.clock.path],
        cwd=s.source_dir, env=env, stdout=s.log, stderr=subprocess.STDOUT)

    def ready():
        if s.proc.poll() is not None:
            raise SystemExit(f"sluis serve stopped: exit {s.proc.returncode}")
        status, _, _ = http_request(port, "GET", "/health")
        return status == 200

    wait_for("sluis serve to listen", ready)
    s.port = t.port = port
    t.base = f"http://127.0.0.1:{port}"


def flow(t):
    exe = os.environ.get("SLUIS_TEST_OIDC_PROVIDER", "")
    assert exe and os.path.exists(exe), "SLUIS_TEST_OIDC_PROVIDER names no program"
    secret_file = os.path.join(t.work, "oidc.secret")
    with open(secret_file, "w") as f:
        f.write("oidc-browser-geheim-42\n")
    os.chmod(secret_file, 0o600)
    provider = subprocess.Popen(
        [exe, "--client-id", "sluis-browser", "--client-secret-file", secret_file,
         "--browser-host", "localhost"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = provider.stdout.readline().strip()
        assert line.startswith("port="), line
        provider_port = int(line[5:])
        run_flow(t, provider_port, secret_file)
    finally:
        provider.stdin.close()
        provider.terminate()
        provider.wait(timeout=30)


def run_flow(t, provider_port, secret_file):
    port = free_port()
    config = os.path.join(t.work, "config")
    shutil.copytree(t.sluis.config, config)
    with open(os.path.join(config, "daemon.json")) as f:
        daemon = json.load(f)
    daemon["admin"]["web"]["oidc"] = {
        "issuer": f"http://127.0.0.1:{provider_port}",
        "name": "Testschool",
        "client_id": "sluis-browser",
        "client_secret_file": secret_file,
        "redirect_uri": f"http://127.0.0.1:{port}/web/login/oidc/callback",
        "role_claim": "roles",
        "role_map": {"Sluis.Directeur": "directeur", "Sluis.Mentor": "mentor"},
        "allowed_domains": ["school.example"],
    }
    with open(os.path.join(config, "daemon.json"), "w") as f:
        json.dump(daemon, f, indent=2)
    t.sluis.config = config
    t.token = t.sluis.run("token", "create", "--name", "test-beheer", "--role",
                          "beheerder").strip()
    start_daemon(t, port)
    d = t.open_browser()

    def to_provider():
        t.get("/web/login")
        button = d.find_element(By.ID, "oidc")
        assert button.text == "Aanmelden met Testschool", button.text
        button.click()
        wait_for("the provider's login page", lambda: "Kies een testgebruiker" in d.page_source)
        assert d.current_url.startswith(f"http://localhost:{provider_port}/authorize?")

    # --- A directeur logs in with the school's provider. ---
    t.get("/web/login")
    t.shot("aanmelden-met-knop")
    to_provider()
    t.shot("provider-kies-gebruiker")
    d.find_element(By.ID, "user-directeur").click()
    d.find_element(By.ID, "aanmelden").click()
    wait_for("the overview after the OIDC login",
             lambda: t.path() == "/web/" and "Overzicht" in d.title)
    assert "Dirk Directeur (directeur)" in d.page_source
    assert d.find_elements(By.LINK_TEXT, "Goedkeuren")
    t.shot("overzicht-na-oidc")
    cookie = t.session_cookie()
    assert len(cookie) == 64
    records = t.api("/api/v1/audit?limit=5000")["records"]
    logins = [r for r in records if r["event"] == "web_login"]
    assert logins and logins[-1]["actor"] == "oidc:u-dir-1", logins
    assert logins[-1]["details"] == {"method": "oidc", "role": "directeur"}, logins[-1]
    t.logout()

    # --- No mapped role: refused in Dutch, not logged in. ---
    to_provider()
    d.find_element(By.ID, "user-zonder-rol").click()
    d.find_element(By.ID, "aanmelden").click()
    wait_for("the refusal without a role", lambda: "geen rol in Sluis" in d.page_source)
    assert "Aanmelden niet gelukt" in d.title
    t.shot("geweigerd-geen-rol")
    t.get("/web/")
    wait_for("the login page", lambda: t.path() == "/web/login")
    records = t.api("/api/v1/audit?limit=5000")["records"]
    refused = [r for r in records if r["event"] == "web_login_refused"]
    assert refused and refused[-1]["actor"] == "oidc:u-geen-1", refused
    assert refused[-1]["details"] == {"method": "oidc", "reason": "no_role"}, refused[-1]

    # --- A callback with another state is refused (and ends that login attempt). ---
    to_provider()
    t.get("/web/login/oidc/callback?code=verzonnen&state=verkeerd")
    wait_for("the refusal of a wrong state",
             lambda: "hoort niet bij de aanmelding" in d.page_source)
    t.shot("geweigerd-verkeerde-state")
    t.get("/web/login/oidc/callback?code=verzonnen&state=verkeerd")
    wait_for("the refusal of a replay", lambda: "is verlopen" in d.page_source)

    # --- Refusing at the provider (error=access_denied). ---
    to_provider()
    d.find_element(By.ID, "weigeren").click()
    wait_for("the page after refusing", lambda: "geannuleerd" in d.page_source)
    t.shot("geweigerd-bij-provider")

    # --- Someone from another domain, with a mapped role: refused. ---
    to_provider()
    d.find_element(By.ID, "user-elders").click()
    d.find_element(By.ID, "aanmelden").click()
    wait_for("the refusal of another domain", lambda: "hoort niet bij een school" in d.page_source)

    # The log names ids, never names, e-mail addresses or tokens.
    t.sluis.log.flush()
    log = open(os.path.join(t.out_dir, "sluis.log")).read()
    assert '"method":"oidc"' in log.replace(" ", ""), "web.login with method oidc is logged"
    for secret in ("Dirk", "dirk@school.example", "zeno@", "Sluis.Directeur", "Personeel",
                   "oidc-browser-geheim-42", "verzonnen"):
        assert secret not in log, f"{secret} in the daemon log"


if __name__ == "__main__":
    sys.exit(run("browser_oidc_test", flow))
