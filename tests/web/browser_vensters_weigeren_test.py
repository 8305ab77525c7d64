#!/usr/bin/env python3
"""Refusing a Vensters delivery on the akkoord page (issue 16): the demo's survey export makes one
delivery per school; a board member (bevoegd gezag) opens a school's akkoord page, tries to refuse
without a reason (asked for next to the field, nothing recorded), then refuses with a reason. The
refusal goes through the same shared decision as the Goedkeuren page and the API (a rejection
bound to the report's hash, audited `rejected`), and the school's page says so in plain Dutch. A
directeur (may look, may not decide) and a mentor see no refuse button, and their forged POSTs
(refusal and akkoord) with a valid session and CSRF token are 403. Shared pieces: browser_kit.py.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_kit import By, run, wait_for  # noqa: E402


def flow(t):
    bg_secret = t.sluis.add_account("bestuur1", "bevoegd-gezag", "bestuur-wachtwoord-1")
    dir_secret = t.sluis.add_account("directeur1", "directeur", "directeur-wachtwoord-1")
    mentor_secret = t.sluis.add_account("mentor1", "mentor", "mentor-wachtwoord-1")
    shutil.copy(os.path.join(t.args.source_dir, "config", "demo", "vensters-seed",
                             "enquete-2026-2027.csv"),
                os.path.join(t.sluis.data, "vensters-inbox", "enquete.csv"))
    t.start()

    def procedures():
        return {p["subject"]: p for p in t.api("/api/v1/procedures")["procedures"]}

    wait_for("both schools awaiting the akkoord",
             lambda: (lambda ps: len(ps) == 2 and all(
                 p["state"] == "awaiting_approval" for p in ps.values()))(procedures()))
    school = procedures()["12AB00"]
    tid, report_hash = school["transfer_id"], school["payload_hash"]
    assert school["refusal"] is None, school
    d = t.open_browser()

    # --- Roles that may not decide: no button, and a forged refusal is 403. ---
    for name, password, secret in (("directeur1", "directeur-wachtwoord-1", dir_secret),
                                   ("mentor1", "mentor-wachtwoord-1", mentor_secret)):
        t.login(name, password, secret)
        t.get(f"/web/vensters/{tid}")
        assert not d.find_elements(By.ID, "naar-akkoord"), name
        assert not d.find_elements(By.ID, "weigeren"), name
        t.get(f"/web/vensters/{tid}/akkoord")
        assert not d.find_elements(By.ID, "weigeren"), name
        t.shot(f"weigeren-{name}")
        status, _, body = t.form_post(f"/web/vensters/{tid}/weigeren",
                                      {"csrf": t.csrf(), "payload_hash": report_hash,
                                       "reden": "vervalst"}, t.session_cookie())
        assert status == 403, (name, status, body[:500])
        assert "mag niet" in body, body[:500]
        # A forged akkoord is refused the same way: 403, not a "not found".
        status, _, body = t.form_post(f"/web/vensters/{tid}/akkoord",
                                      {"csrf": t.csrf(), "payload_hash": report_hash},
                                      t.session_cookie())
        assert status == 403, (name, status, body[:500])
        assert "mag niet" in body, body[:500]
        t.logout()
    assert procedures()["12AB00"]["state"] == "awaiting_approval"

    # --- The board member: the akkoord page offers "Weigeren" with a required reason. ---
    t.login("bestuur1", "bestuur-wachtwoord-1", bg_secret)
    t.get(f"/web/vensters/{tid}")
    d.find_element(By.ID, "naar-akkoord").click()
    wait_for("the akkoord page", lambda: t.path() == f"/web/vensters/{tid}/akkoord")
    assert d.find_element(By.ID, "akkoord-hash").text == report_hash
    field = d.find_element(By.ID, "reden-weigeren")
    assert field.get_attribute("required") is not None
    assert d.find_element(By.CSS_SELECTOR, "label[for=reden-weigeren]").text == "Reden van weigering"
    t.shot("akkoord-met-weigeren")
    # Without a reason (the browser would not send it; the server asks for it all the same).
    status, _, body = t.form_post(f"/web/vensters/{tid}/weigeren",
                                  {"csrf": t.csrf(), "payload_hash": report_hash, "reden": "  "},
                                  t.session_cookie())
    assert status == 400 and "vul de reden van uw weigering in" in body, (status, body[:800])
    assert 'aria-describedby="reden-weigeren-hint reden-weigeren-fout"' in body
    assert procedures()["12AB00"]["state"] == "awaiting_approval", "nothing recorded"
    # With a reason, in the browser.
    reason = "De afname was te klein; eerst opnieuw afnemen"
    t.get(f"/web/vensters/{tid}/akkoord")
    d.find_element(By.ID, "reden-weigeren").send_keys(reason)
    d.find_element(By.ID, "weigeren").click()
    wait_for("the refusal", lambda: "U hebt de levering geweigerd" in d.page_source)
    assert t.path() == f"/web/vensters/{tid}"
    said = d.find_element(By.ID, "geweigerd-door").text
    assert said.startswith("Geweigerd door bestuur1 (bevoegd-gezag) op "), said
    assert "gaat niet naar de Inspectie" in said, said
    assert d.find_element(By.ID, "weigering-reden").text == reason
    assert d.find_element(By.ID, "volgende").text == "Niets: geweigerd"
    assert not d.find_elements(By.ID, "naar-akkoord")
    t.shot("geweigerd")

    # The same record as the Goedkeuren page and the API make.
    p = wait_for("the refused delivery",
                 lambda: (lambda p: p if p["state"] == "rejected" else None)(procedures()["12AB00"]))
    assert p["refusal"]["by"] == "bestuur1 (bevoegd-gezag)" and p["refusal"]["reason"] == reason, p
    assert not p["akkoord"]
    detail = t.api(f"/api/v1/transfers/{tid}")
    assert detail["state"] == "rejected", detail["state"]
    audit = t.api(f"/api/v1/audit?transfer_id={tid}&limit=1000")["records"]
    rejected = [r for r in audit if r["event"] == "rejected"]
    assert rejected and rejected[0]["actor"] == "bestuur1", json.dumps(audit)[:2000]
    assert rejected[0]["details"]["payload_hash"] == report_hash, rejected[0]
    assert procedures()["34CD00"]["state"] == "awaiting_approval", "the other school is untouched"
    t.get("/web/vensters")
    assert "Niets: geweigerd" in d.page_source
    t.shot("vensters-na-weigeren")


if __name__ == "__main__":
    sys.exit(run("browser vensters weigeren test", flow))
