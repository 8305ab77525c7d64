#!/usr/bin/env python3
"""The beheerder's page in a real browser (issue 16): a dossier that really failed to deliver
(its outbox is a symlink, then a symlink sits at its file name and the sink refuses it) is shown
as dead-lettered with its reason; the beheerder requeues it and it goes through the gates again
before it is delivered. The beheerder creates an API token (shown once; it works) and revokes it (then 401), and adds a web
account, which then logs in. That account is a directeur: no Beheer menu item, 403 on
/web/beheer, and a forged requeue POST with its valid session is 403. When the beheerder gives
the account another role, its open session ends and it logs in with the new role (a beheerder
cannot change their own role). When the beheerder removes the account, a session it left open ends at once (its next request goes to the login
page). Shared pieces: browser_kit.py.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_kit import By, http_request, run, wait_for  # noqa: E402


def flow(t):
    beheer_secret = t.sluis.add_account("beheer1", "beheerder", "beheer-wachtwoord-1")
    # One pupil on the demo route (no consent, no approval needed).
    seed = os.path.join(t.args.source_dir, "config", "demo", "inbox-seed", "groep8-demo.jsonl")
    with open(seed) as f:
        first = f.readline()
    # The outbox is a symlink to another directory: Sluis does not write through it, so the
    # delivery fails and is retried later.
    outbox = os.path.join(t.sluis.data, "outbox")
    os.makedirs(os.path.join(t.work, "andere-map"))
    os.symlink(os.path.join(t.work, "andere-map"), outbox)
    with open(os.path.join(t.sluis.data, "inbox", "een-leerling.jsonl"), "w") as f:
        f.write(first)
    t.start()

    def transfer():
        t.clock.advance(2)  # the inbox's settle time runs on the daemon's clock
        ts = t.api("/api/v1/transfers?route=demo-overstap")["transfers"]
        return ts[0] if ts and ts[0]["state"] == "failed" else None

    tid = wait_for("the delivery to fail", transfer)["id"]
    # Now the outbox is a directory, but the file's name is taken by a symlink: the sink refuses
    # the delivery for good, so the engine dead-letters it.
    os.remove(outbox)
    os.makedirs(outbox)
    target = os.path.join(t.work, "elders.txt")
    with open(target, "w") as f:
        f.write("ONAANGETAST")
    os.symlink(target, os.path.join(outbox, tid + ".json"))

    def dead():
        t.clock.advance(60)  # past the retry's back-off
        return t.api(f"/api/v1/transfers/{tid}")["state"] == "dead_lettered"

    wait_for("the transfer to be dead-lettered", dead)
    d = t.open_browser()

    # --- The beheerder sees the dead letter with its reason. ---
    t.login("beheer1", "beheer-wachtwoord-1", beheer_secret)
    d.find_element(By.LINK_TEXT, "Beheer").click()
    wait_for("the Beheer page", lambda: t.path() == "/web/beheer")
    row = d.find_element(By.XPATH, f"//table//tr[td/code[text()='{tid}']]").text
    assert "demo-overstap" in row and "vastgelopen" in row, row
    assert "symbolische link" in row, row  # the sink's reason
    # The configuration status, without secrets.
    assert "SQLite" in d.find_element(By.ID, "opslag").text
    assert d.find_element(By.ID, "tls").text.startswith("uit")
    assert d.find_element(By.ID, "config-map").text.endswith(os.path.join("config", "demo"))
    assert "demo-overstap" in d.find_element(By.CSS_SELECTOR, "#configuratie ~ table").text
    t.shot("beheer-vastgelopen")

    # --- The cause is fixed; requeue: through the gates again, then delivered. ---
    os.remove(os.path.join(outbox, tid + ".json"))
    d.find_element(By.ID, f"opnieuw-{tid}").click()
    wait_for("the requeue confirmation", lambda: "is opnieuw aangeboden" in d.page_source)
    t.shot("beheer-opnieuw-aangeboden")
    assert not d.find_elements(By.ID, f"opnieuw-{tid}") or \
        t.api(f"/api/v1/transfers/{tid}")["state"] in ("failed", "dead_lettered")
    detail = wait_for("the requeued transfer to be delivered",
                      lambda: (lambda x: x if x["state"] == "delivered" else None)(
                          t.api(f"/api/v1/transfers/{tid}")))
    hist = detail["history"]
    back = [i for i, h in enumerate(hist)
            if h["from"] == "dead_lettered" and h["to"] == "mapped"]
    assert back, hist
    assert hist[back[0]]["actor"] == "beheer1 (beheerder)", hist[back[0]]
    # After the requeue the gates decided again (mapped -> scheduled) before delivering.
    after = [(h["from"], h["to"]) for h in hist[back[0] + 1:]]
    assert after[0][0] == "mapped" and after[0][1] in ("scheduled", "awaiting_approval"), after
    assert after[-1] == ("delivering", "delivered"), after
    assert open(target).read() == "ONAANGETAST"
    audit = t.api(f"/api/v1/audit?transfer_id={tid}&event=requeued")["records"]
    assert [r["actor"] for r in audit] == ["beheer1 (beheerder)"], audit

    # --- An API token: created (shown once), it works, revoked, then 401. ---
    t.get("/web/beheer")
    d.find_element(By.ID, "token-naam").send_keys("koppeling-test")
    d.find_element(By.CSS_SELECTOR, "#token-rol option[value=mentor]").click()
    d.find_element(By.ID, "token-aanmaken").click()
    wait_for("the new token", lambda: d.find_elements(By.ID, "nieuw-token"))
    token = d.find_element(By.ID, "nieuw-token").text
    assert token.startswith("sluis_"), token
    t.shot("beheer-token-aangemaakt")
    auth = {"Authorization": f"Bearer {token}"}
    status, _, _ = http_request(t.port, "GET", "/api/v1/transfers", headers=auth)
    assert status == 200, status
    t.get("/web/beheer")
    assert token not in d.page_source, "the token is shown only once"
    link = d.find_element(By.XPATH, "//a[starts-with(@id,'intrekken-')][contains(., 'koppeling-test')]")
    link.click()
    wait_for("the confirmation", lambda: t.path() == "/web/beheer/tokens/intrekken")
    assert "kan niet ongedaan worden gemaakt" in d.page_source
    t.shot("beheer-token-intrekken")
    d.find_element(By.ID, "bevestigen").click()
    wait_for("the revocation", lambda: "Het token is ingetrokken" in d.page_source)
    status, _, _ = http_request(t.port, "GET", "/api/v1/transfers", headers=auth)
    assert status == 401, status
    row = d.find_element(By.XPATH, "//table//tr[td[text()='koppeling-test']]").text
    assert "ingetrokken" in row, row

    # --- A web account: added (password and TOTP secret shown once). ---
    d.find_element(By.ID, "account-naam").send_keys("dir.bos")
    d.find_element(By.CSS_SELECTOR, "#account-rol option[value=directeur]").click()
    d.find_element(By.ID, "account-toevoegen").click()
    wait_for("the new account", lambda: d.find_elements(By.ID, "nieuw-wachtwoord"))
    password = d.find_element(By.ID, "nieuw-wachtwoord").text
    secret = d.find_element(By.ID, "nieuw-totp").text
    assert d.find_element(By.ID, "nieuw-uri").text.startswith("otpauth://totp/Sluis:dir.bos")
    t.shot("beheer-account-toegevoegd")
    # The beheerder cannot remove their own account: no link, and a forged POST is refused.
    t.get("/web/beheer")
    assert not d.find_elements(By.ID, "verwijderen-beheer1")
    assert d.find_element(By.ID, "verwijderen-dir.bos")
    status, _, body = t.form_post("/web/beheer/accounts/verwijderen",
                                  {"csrf": t.csrf(), "naam": "beheer1"}, t.session_cookie())
    assert status == 409 and "eigen account" in body, (status, body)
    t.logout()

    # --- The new account logs in; as a directeur it has no Beheer. ---
    t.clock.advance(30)
    t.login("dir.bos", password, secret)
    assert not d.find_elements(By.LINK_TEXT, "Beheer"), "no Beheer menu item for a directeur"
    cookie = t.session_cookie()
    status, _, body = http_request(t.port, "GET", "/web/beheer",
                                   headers={"Cookie": f"sluis_sessie={cookie}"})
    assert status == 403 and "Alleen een beheerder" in body, status
    assert "token-aanmaken" not in body and "opnieuw-" not in body
    t.get("/web/beheer")
    t.shot("beheer-directeur-geweigerd")
    status, _, _ = t.form_post("/web/beheer/opnieuw", {"csrf": t.csrf(), "id": tid}, cookie)
    assert status == 403, status
    created = len(t.api("/api/v1/audit?event=token_created")["records"])
    status, _, _ = t.form_post("/web/beheer/tokens", {"csrf": t.csrf(), "naam": "x",
                                                      "rol": "beheerder"}, cookie)
    assert status == 403, status
    assert len(t.api("/api/v1/audit?event=token_created")["records"]) == created
    # The directeur leaves this session open (another browser, say: the cookie leaves this one)
    # and logs in once more here, then logs out; the open session must end with the account.
    open_session = cookie
    d.delete_cookie("sluis_sessie")
    t.clock.advance(30)
    t.login("dir.bos", password, secret)
    t.logout()
    status, _, _ = http_request(t.port, "GET", "/web/",
                                headers={"Cookie": f"sluis_sessie={open_session}"})
    assert status == 200, status

    # --- The beheerder changes the account's role: its open session ends at once. ---
    t.clock.advance(30)
    t.login("beheer1", "beheer-wachtwoord-1", beheer_secret)
    t.get("/web/beheer")
    assert not d.find_elements(By.ID, "rol-beheer1"), "no role change of one's own account"
    status, _, body = t.form_post("/web/beheer/accounts/rol",
                                  {"csrf": t.csrf(), "naam": "beheer1", "rol": "fg"},
                                  t.session_cookie())
    assert status == 409 and "eigen account" in body, (status, body[:500])
    d.find_element(By.ID, "rol-dir.bos").click()
    wait_for("the role page", lambda: t.path() == "/web/beheer/accounts/rol")
    assert d.find_element(By.ID, "huidige-rol").text == "directeur"
    d.find_element(By.CSS_SELECTOR, "#nieuwe-rol option[value=zorgcoordinator]").click()
    t.shot("beheer-rol-wijzigen")
    d.find_element(By.ID, "bevestigen").click()
    wait_for("the role change", lambda: "De rol van het account is gewijzigd" in d.page_source)
    status, headers, _ = http_request(t.port, "GET", "/web/",
                                      headers={"Cookie": f"sluis_sessie={open_session}"})
    assert status == 303 and headers.get("Location") == "/web/login", (status, headers)
    t.logout()
    # Logged in again, the account works with its new role, and leaves a session open.
    t.clock.advance(30)
    t.login("dir.bos", password, secret)
    assert "dir.bos (zorgcoordinator)" in d.page_source
    open_session = t.session_cookie()
    d.delete_cookie("sluis_sessie")

    # --- The beheerder removes the account (with confirmation); it cannot log in any more. ---
    t.clock.advance(30)
    t.login("beheer1", "beheer-wachtwoord-1", beheer_secret)
    t.get("/web/beheer")
    d.find_element(By.ID, "verwijderen-dir.bos").click()
    wait_for("the confirmation", lambda: t.path() == "/web/beheer/accounts/verwijderen")
    d.find_element(By.ID, "bevestigen").click()
    wait_for("the removal", lambda: "Het account is verwijderd" in d.page_source)
    assert not d.find_elements(By.ID, "verwijderen-dir.bos")
    t.shot("beheer-account-verwijderd")
    # Its open session ended at once: the next request lands on the login page.
    status, headers, _ = http_request(t.port, "GET", "/web/",
                                      headers={"Cookie": f"sluis_sessie={open_session}"})
    assert status == 303 and headers.get("Location") == "/web/login", (status, headers)
    events = [r["event"] for r in t.api("/api/v1/audit?actor=beheer1")["records"]]
    for e in ("requeued", "token_created", "token_revoked", "account_added", "account_role_changed",
              "account_removed"):
        assert e in events, (e, events)


if __name__ == "__main__":
    sys.exit(run("browser beheer test", flow))
