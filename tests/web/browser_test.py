#!/usr/bin/env python3
"""The web interface in a real browser (issue 16), first flows: local login with password + TOTP
(the code is computed here), a mentor registers an inzage, a mentor is refused approval (no
button, and a POST with a valid session and CSRF token is 403), a forged POST without CSRF token
is 403, a stale payload hash is refused, a directeur previews and approves, logout, lockout, and
a session that expires after its idle time. Shared pieces: browser_kit.py.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_kit import By, http_request, run, wait_for  # noqa: E402


def flow(t):
    mentor_secret = t.sluis.add_account("mentor1", "mentor", "mentor-wachtwoord-1")
    directeur_secret = t.sluis.add_account("directeur1", "directeur", "directeur-wachtwoord-1")
    t.sluis.add_account("fg1", "fg", "fg-wachtwoord-123")
    # Two pupils of group 8 as a Magister-style export: they wait for the parents' inzage.
    t.magister_export(2, 8)
    t.start()

    def transfers(state):
        return t.api(f"/api/v1/transfers?state={state}&route=povo-groep8")["transfers"]

    waiting = wait_for("two dossiers awaiting the inzage",
                       lambda: (lambda x: x if len(x) == 2 else None)(
                           transfers("awaiting_consent")))
    pupil = waiting[0]["subject"]
    transfer_id = waiting[0]["id"]
    d = t.open_browser()

    # The security headers of every page.
    status, headers, _ = http_request(t.port, "GET", "/web/login")
    assert status == 200
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'none'" in csp, csp
    assert "frame-ancestors 'none'" in csp, csp
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Cache-Control") == "no-store"
    assert "HttpOnly" in headers.get("Set-Cookie", "")
    assert "SameSite=Strict" in headers.get("Set-Cookie", "")

    # A wrong password is refused with a message that does not say which part was wrong.
    t.get("/web/login")
    d.find_element(By.ID, "naam").send_keys("mentor1")
    d.find_element(By.ID, "wachtwoord").send_keys("fout-wachtwoord")
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for("the refusal", lambda: "onjuist wachtwoord" in d.page_source)
    t.shot("aanmelden-fout")

    # --- The mentor registers the parents' inzage. ---
    t.login("mentor1", "mentor-wachtwoord-1", mentor_secret)
    assert "wachten op toestemming of inzage" in d.page_source
    assert "povo-groep8" in d.page_source
    t.shot("overzicht-mentor")
    d.find_element(By.LINK_TEXT, "Toestemming en inzage").click()
    wait_for("the inzage form", lambda: t.path() == "/web/inzage")
    d.find_element(By.ID, "pupil").send_keys(pupil)
    d.find_element(By.CSS_SELECTOR, "input[name=akkoord][value=Ja]").click()
    t.shot("inzage-formulier")
    d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for("the inzage confirmation", lambda: "De inzage is vastgelegd. 1" in d.page_source)
    t.shot("inzage-vastgelegd")
    wait_for("the dossier to wait for approval",
             lambda: any(t["id"] == transfer_id for t in transfers("awaiting_approval")))

    # --- The mentor sees what waits, but cannot approve it. ---
    t.get("/web/goedkeuren")
    assert "Uw rol keurt geen overdrachten goed" in d.page_source
    t.get(f"/web/goedkeuren/{transfer_id}")
    assert d.find_elements(By.ID, "geen-besluit"), "the mentor is told why"
    assert not d.find_elements(By.ID, "goedkeuren"), "no approve button for a mentor"
    assert not d.find_elements(By.CSS_SELECTOR, "pre.payload"), "no values for a mentor"
    payload_hash = d.find_element(By.CSS_SELECTOR, "code.hash").text
    t.shot("overdracht-mentor")
    cookie = t.session_cookie()
    csrf = t.csrf()
    # A forged approve with the mentor's valid session and CSRF token: the gate says no.
    status, _, body = t.form_post(f"/web/goedkeuren/{transfer_id}",
                                {"csrf": csrf, "besluit": "goedkeuren",
                                 "payload_hash": payload_hash}, cookie)
    assert status == 403, (status, body)
    assert "mag niet goedkeuren" in body, body
    # A forged POST without (or with a wrong) CSRF token is refused before anything else.
    status, _, body = t.form_post(f"/web/inzage", {"pupil": pupil, "purpose": "povo",
                                                 "inzagedatum": "2026-11-20",
                                                 "akkoord": "Ja"}, cookie)
    assert status == 403, (status, body)
    status, _, _ = t.form_post(f"/web/inzage", {"csrf": "0" * 64, "pupil": pupil,
                                              "purpose": "povo", "inzagedatum": "2026-11-20",
                                              "akkoord": "Ja"}, cookie)
    assert status == 403
    t.logout()
    t.shot("afgemeld")
    # The old session is gone: its cookie no longer counts, even with its CSRF token.
    status, _, _ = t.form_post("/web/inzage", {"csrf": csrf, "pupil": pupil}, cookie)
    assert status == 403

    # --- The directeur previews and approves exactly what was shown. ---
    t.clock.advance(30)
    t.login("directeur1", "directeur-wachtwoord-1", directeur_secret)
    assert "wachten op uw goedkeuring" in d.page_source
    t.shot("overzicht-directeur")
    d.find_element(By.LINK_TEXT, "Goedkeuren").click()
    wait_for("the queue", lambda: t.path() == "/web/goedkeuren")
    t.shot("goedkeuren-wachtrij")
    d.find_element(By.CSS_SELECTOR, f"a[href='/web/goedkeuren/{transfer_id}']").click()
    wait_for("the preview", lambda: t.path() == f"/web/goedkeuren/{transfer_id}")
    page = d.page_source
    assert "Wat verlaat het gebouw" in page and "Velden die achterblijven" in page
    assert "wettelijke verplichting" in page  # the legal basis
    payload = d.find_element(By.CSS_SELECTOR, "pre.payload").text
    assert "<?xml" in payload or "<" in payload, payload[:200]
    assert d.find_element(By.CSS_SELECTOR, "code.hash").text == payload_hash
    assert d.find_element(By.ID, "goedkeuren")
    t.shot("overdracht-directeur")
    # A decision bound to another hash than the one shown is refused.
    cookie = t.session_cookie()
    csrf = t.csrf()
    status, _, body = t.form_post(f"/web/goedkeuren/{transfer_id}",
                                {"csrf": csrf, "besluit": "goedkeuren",
                                 "payload_hash": "0" * 64}, cookie)
    assert status == 409, (status, body)
    assert "gewijzigd sinds deze preview" in body
    # Keyboard: the approve button is reachable and pressed like any button.
    d.find_element(By.ID, "goedkeuren").click()
    wait_for("the approval", lambda: "is goedgekeurd" in d.page_source)
    t.shot("goedgekeurd")
    state = wait_for("the transfer to leave the queue",
                     lambda: (lambda t: t["state"] if t["state"] != "awaiting_approval"
                              else None)(t.api(f"/api/v1/transfers/{transfer_id}")))
    assert state in ("scheduled", "delivering", "delivered"), state
    audit = t.api("/api/v1/audit?limit=1000")
    records = audit.get("records", audit.get("audit", []))
    text = json.dumps(records)
    assert "directeur1" in text and "previewed" in text, "the preview is audited"

    # --- Lockout: after 5 failures even the right password is refused until the lock ends. ---
    def plain_login(name, password):
        status, headers, body = http_request(t.port, "GET", "/web/login")
        cookie = re.search(r"sluis_sessie=([0-9a-f]+)", headers["Set-Cookie"]).group(1)
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)
        return t.form_post("/web/login", {"csrf": csrf, "naam": name, "wachtwoord": password},
                         cookie)
    for _ in range(5):
        status, _, body = plain_login("fg1", "fout")
        assert status == 401 and "onjuist wachtwoord" in body, (status, body)
    status, _, body = plain_login("fg1", "fg-wachtwoord-123")
    assert status == 401 and "tijdelijk geblokkeerd" in body, (status, body)
    t.clock.advance(61)
    status, headers, _ = plain_login("fg1", "fg-wachtwoord-123")
    assert status == 303 and headers["Location"] == "/web/login/totp", status

    # --- The session expires after its idle time (15 minutes by default). ---
    t.get("/web/")
    assert t.path() == "/web/"
    t.clock.advance(16 * 60)
    wait_for("the expired session to send us to the login page",
             lambda: t.get("/web/") or t.path() == "/web/login", timeout=30,
             interval=0.2)
    t.shot("sessie-verlopen")


if __name__ == "__main__":
    sys.exit(run("browser test", flow))
