#!/usr/bin/env python3
"""The FG's audit page in a real browser (issue 16): the FG sees the chain intact and its
checkpoints, filters the log by a pupil and pages through it; asks for a full check; a record
rewritten while the daemon runs is not seen by the quick check of a view (the trade-off the page
explains) and is found by the next full check; then the test stops the daemon,
changes one audit record directly in the SQLite file (as someone with database access would),
starts the daemon again, and the FG sees the chain reported broken at exactly that record. A
mentor has no Audit menu item and gets 403 on /web/audit. Shared pieces: browser_kit.py.
"""
import datetime
import os
import re
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_kit import By, http_request, run, wait_for  # noqa: E402


def flow(t):
    fg_secret = t.sluis.add_account("fg1", "fg", "fg-wachtwoord-123")
    mentor_secret = t.sluis.add_account("mentor1", "mentor", "mentor-wachtwoord-1")
    # The demo route (no consent, no approval): 30 dossiers delivered to the outbox, each
    # leaving several audit records, so the log has more than one page.
    shutil.copy(os.path.join(t.args.source_dir, "config", "demo", "inbox-seed",
                             "groep8-demo.jsonl"),
                os.path.join(t.sluis.data, "inbox", "groep8-demo.jsonl"))
    t.start()

    def delivered():
        t.clock.advance(2)  # the inbox's settle time runs on the daemon's clock
        ts = t.api("/api/v1/transfers?route=demo-overstap&state=delivered&limit=100")["transfers"]
        return ts if len(ts) == 30 else None

    transfers = wait_for("30 delivered demo dossiers", delivered)
    pupil = transfers[0]["subject"]
    pupil_transfers = {x["id"] for x in transfers if x["subject"] == pupil}
    # An hour later the daemon signs a checkpoint of the chain's head (and one at its start).
    t.clock.advance(3601)
    checkpoint_file = os.path.join(t.sluis.data, "audit-checkpoints.jsonl")
    wait_for("two checkpoints", lambda: os.path.exists(checkpoint_file) and
             len(open(checkpoint_file).read().splitlines()) >= 2)
    d = t.open_browser()

    # --- A mentor: no menu item, and the page itself is refused. ---
    t.login("mentor1", "mentor-wachtwoord-1", mentor_secret)
    assert not d.find_elements(By.LINK_TEXT, "Audit"), "no Audit menu item for a mentor"
    assert not d.find_elements(By.LINK_TEXT, "Beheer")
    status, _, body = http_request(t.port, "GET", "/web/audit",
                                   headers={"Cookie": f"sluis_sessie={t.session_cookie()}"})
    assert status == 403, status
    assert "mag het auditlog niet bekijken" in body
    assert "keten-status" not in body
    # Nor may a mentor start a full check, with a valid CSRF token or without.
    status, _, body = t.form_post("/web/audit/controleren", {"csrf": t.csrf()}, t.session_cookie())
    assert status == 403, status
    assert "keten-status" not in body
    t.get("/web/audit")
    t.shot("audit-mentor-geweigerd")
    t.logout()

    # --- The FG: chain intact, checkpoints, the log newest first. ---
    t.clock.advance(30)
    t.login("fg1", "fg-wachtwoord-123", fg_secret)
    d.find_element(By.LINK_TEXT, "Audit").click()
    wait_for("the audit page", lambda: t.path() == "/web/audit")
    status_el = d.find_element(By.ID, "keten-status")
    assert "De auditketen is intact" in status_el.text, status_el.text
    assert "klopt met alle" in status_el.text, status_el.text
    checkpoint_rows = d.find_elements(By.CSS_SELECTOR, "#checkpoints + p + table tbody tr")
    assert len(checkpoint_rows) >= 2, len(checkpoint_rows)
    for row in checkpoint_rows:
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        assert cells[2] == "geldig" and cells[3] == "ja", cells
    t.shot("audit-intact")

    def seqs():
        rows = d.find_elements(By.CSS_SELECTOR, "#log-kop ~ .tabel-scroll table tbody tr")
        return [int(r.find_element(By.TAG_NAME, "td").text) for r in rows]

    page1 = seqs()
    assert len(page1) == 50, len(page1)
    assert page1 == sorted(page1, reverse=True), "newest first"
    assert not d.find_elements(By.ID, "vorige")

    # --- Paging: the next page holds the 50 records before these, and back again. ---
    d.find_element(By.ID, "volgende").click()
    wait_for("page 2", lambda: "pagina=2" in d.current_url)
    page2 = seqs()
    assert len(page2) == 50 and max(page2) < min(page1), (page1[-1], page2[:3])
    assert d.find_element(By.ID, "vorige")
    t.shot("audit-pagina-2")
    d.find_element(By.ID, "vorige").click()
    wait_for("page 1 again", lambda: "pagina=1" in d.current_url)
    # Each view adds an audit_viewed record, but the pages stay anchored where page 1 began.
    assert seqs() == page1, (seqs()[:3], page1[:3])
    # Reading the log is itself audited: a fresh first page starts with the previous view.
    t.get("/web/audit")
    first_row = d.find_element(By.CSS_SELECTOR, "#log-kop ~ .tabel-scroll table tbody tr").text
    assert "audit_viewed" in first_row and "fg1" in first_row and "anker" not in first_row and \
        "offset: 0" in first_row, first_row

    # --- Filter by one pupil: only that pupil's records. ---
    d.find_element(By.ID, "leerling").send_keys(pupil)
    d.find_element(By.ID, "filteren").click()
    wait_for("the filtered log", lambda: "leerling=" in d.current_url)
    rows = d.find_elements(By.CSS_SELECTOR, "#log-kop ~ .tabel-scroll table tbody tr")
    assert rows, "the pupil's records are shown"
    kinds = set()
    for r in rows:
        cells = [c.text for c in r.find_elements(By.TAG_NAME, "td")]
        assert cells[4] in pupil_transfers or pupil in cells[6], cells
        kinds.add(cells[3])
    assert "delivered" in kinds, kinds
    assert len(rows) < 50 and not d.find_elements(By.ID, "volgende")
    assert d.find_element(By.ID, "leerling").get_attribute("value") == pupil
    t.shot("audit-filter-leerling")
    # A filter on the action kind and a date range around the daemon's today (local time).
    day = datetime.timedelta(days=1)
    van, tot = ((t.clock.now - day).strftime("%Y-%m-%d"), (t.clock.now + day).strftime("%Y-%m-%d"))
    t.get(f"/web/audit?soort=delivered&van={van}&tot={tot}")
    kinds = {r.find_elements(By.TAG_NAME, "td")[3].text
             for r in d.find_elements(By.CSS_SELECTOR, "#log-kop ~ .tabel-scroll table tbody tr")}
    assert kinds == {"delivered"}, kinds
    t.get("/web/audit?soort=delivered&van=2001-01-01&tot=2001-01-02")
    assert d.find_element(By.ID, "geen-records")

    # Pick a record in the middle of the chain: the delivery of our pupil's dossier.
    target = None
    for x in t.api(f"/api/v1/audit?transfer_id={next(iter(pupil_transfers))}")["records"]:
        if x["event"] == "delivered":
            target = x["seq"]
    assert target, "the delivery is audited"

    # --- A full check on request; later views check only what was added since. ---
    t.get("/web/audit")
    d.find_element(By.ID, "volledig-controleren").click()
    wait_for("the page after the full check", lambda: "melding=volledig-gecontroleerd" in d.current_url)
    assert "zojuist gecontroleerd" in t.page(), "the flash of the full check"
    status_el = d.find_element(By.ID, "keten-status")
    assert "De auditketen is intact" in status_el.text, status_el.text
    assert d.find_element(By.ID, "keten-volledig").text, "when the last full check ran"
    t.shot("audit-volledig-gecontroleerd")
    # A forged full-check request without the CSRF token is refused.
    status, _, _ = http_request(t.port, "POST", "/web/audit/controleren", body="",
                                headers={"Cookie": f"sluis_sessie={t.session_cookie()}",
                                         "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403, status

    # --- Someone with database access rewrites that record while the daemon runs. ---
    con = sqlite3.connect(os.path.join(t.sluis.data, "sluis.db"), timeout=30)
    original_actor = con.execute("SELECT actor FROM audit WHERE seq = ?", (target,)).fetchone()[0]
    con.execute("UPDATE audit SET actor = ? WHERE seq = ?", ("iemand anders", target))
    con.commit()
    con.close()
    # The quick check of a view does not read the old record again (the trade-off the page
    # explains) ...
    t.get("/web/audit")
    status_el = d.find_element(By.ID, "keten-status")
    assert "De auditketen is intact" in status_el.text, status_el.text
    assert "Volledig gecontroleerd op" in status_el.text, status_el.text
    # ... the full check the FG asks for does, at once.
    d.find_element(By.ID, "volledig-controleren").click()
    wait_for("the page after the second full check",
             lambda: "melding=volledig-gecontroleerd" in d.current_url)
    status_el = d.find_element(By.ID, "keten-status")
    assert "De auditketen is verbroken" in status_el.text, status_el.text
    assert d.find_element(By.ID, "keten-record").text == str(target)
    t.shot("audit-verbroken-volledige-controle")
    # Mended (the old value back), the next full check finds the chain intact again.
    con = sqlite3.connect(os.path.join(t.sluis.data, "sluis.db"), timeout=30)
    con.execute("UPDATE audit SET actor = ? WHERE seq = ?", (original_actor, target))
    con.commit()
    con.close()
    t.get("/web/audit")
    d.find_element(By.ID, "volledig-controleren").click()
    wait_for("the page after the third full check",
             lambda: "melding=volledig-gecontroleerd" in d.current_url)
    status_el = d.find_element(By.ID, "keten-status")
    assert "De auditketen is intact" in status_el.text, status_el.text
    t.logout()

    # --- Someone with database access rewrites that record while the daemon is down. ---
    t.sluis.stop()
    db = os.path.join(t.sluis.data, "sluis.db")
    assert os.path.exists(db), os.listdir(t.sluis.data)
    con = sqlite3.connect(db)
    before = con.execute("SELECT actor, details FROM audit WHERE seq = ?", (target,)).fetchone()
    assert before, target
    con.execute("UPDATE audit SET actor = ? WHERE seq = ?", ("iemand anders", target))
    con.commit()
    con.close()
    t.sluis.start(t.clock.path, os.path.join(t.out_dir, "sluis-2.log"))
    t.port = t.sluis.port
    t.base = f"http://127.0.0.1:{t.port}"

    # --- The FG sees the chain broken at exactly that record. ---
    t.clock.advance(30)
    t.login("fg1", "fg-wachtwoord-123", fg_secret)
    t.get("/web/audit")
    status_el = d.find_element(By.ID, "keten-status")
    assert "De auditketen is verbroken" in status_el.text, status_el.text
    assert d.find_element(By.ID, "keten-record").text == str(target)
    assert "achteraf gewijzigd" in status_el.text, status_el.text
    assert status_el.get_attribute("role") == "alert"
    t.shot("audit-verbroken")
    # The API's check says the same (the same shared function).
    v = t.api("/api/v1/audit/verify")
    assert not v["ok"] and v["first_bad_seq"] == target and v["kind"] == "rewritten", v


if __name__ == "__main__":
    sys.exit(run("browser audit test", flow))
