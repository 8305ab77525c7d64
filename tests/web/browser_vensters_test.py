#!/usr/bin/env python3
"""Vensters for the bevoegd gezag in a real browser (issue 16): the demo's survey export makes one
delivery per school; a board member (local account + TOTP) opens the board view, walks one school
through the six steps (report with its hash, level, delivery date with refused dates, questions,
akkoord after a preview, save), sees it saved and scheduled, and withdraws it after a confirmation.
A mentor sees no Vensters menu or buttons and forged POSTs with a valid session and CSRF token
are 403. A second school is saved too; after the test clock passes its withdrawal deadline the
withdraw button is gone and a forged withdraw is refused. Shared pieces: browser_kit.py.
"""
import datetime
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_kit import By, http_request, run, wait_for  # noqa: E402


def flow(t):
    bg_secret = t.sluis.add_account("bestuur1", "bevoegd-gezag", "bestuur-wachtwoord-1")
    mentor_secret = t.sluis.add_account("mentor1", "mentor", "mentor-wachtwoord-1")
    # The board's survey export: one delivery per school (12AB00 and 34CD00).
    shutil.copy(os.path.join(t.args.source_dir, "config", "demo", "vensters-seed",
                             "enquete-2026-2027.csv"),
                os.path.join(t.sluis.data, "vensters-inbox", "enquete.csv"))
    t.start()

    def procedures():
        return {p["subject"]: p for p in t.api("/api/v1/procedures")["procedures"]}

    def procedure(school):
        return procedures()[school]

    wait_for("both schools awaiting the akkoord",
             lambda: (lambda ps: len(ps) == 2 and all(
                 p["state"] == "awaiting_approval" for p in ps.values()))(procedures()))
    id1 = procedure("12AB00")["transfer_id"]
    id2 = procedure("34CD00")["transfer_id"]
    d = t.open_browser()

    # --- A mentor: no menu item, no page, and forged decisions are refused. ---
    t.login("mentor1", "mentor-wachtwoord-1", mentor_secret)
    assert not d.find_elements(By.LINK_TEXT, "Vensters"), "no Vensters menu for a mentor"
    t.get("/web/vensters")
    assert "mag niet leveringen inzien" in d.page_source, d.page_source[:2000]
    assert not d.find_elements(By.CSS_SELECTOR, "main form"), "no decision forms for a mentor"
    t.shot("vensters-mentor")
    cookie, csrf = t.session_cookie(), t.csrf()
    for step, fields in (("opslaan", {}), ("niveau", {"keuze_niveau": "onderwijssoort"}),
                         ("datum", {"leverdatum": "2030-01-10"}), ("intrekken", {}),
                         ("vragen", {"vraag_afnamegroep": "alle leerlingen"})):
        status, _, body = t.form_post(f"/web/vensters/{id1}/{step}", {"csrf": csrf, **fields},
                                      cookie)
        assert status == 403, (step, status, body[:500])
        assert "mag niet" in body, body
    assert procedure("12AB00")["state"] == "awaiting_approval"
    t.logout()

    # --- The board member: board view. ---
    t.login("bestuur1", "bestuur-wachtwoord-1", bg_secret)
    d.find_element(By.LINK_TEXT, "Vensters").click()
    wait_for("the board view", lambda: t.path() == "/web/vensters")
    rows = d.find_elements(By.CSS_SELECTOR, "main table tbody tr")
    assert len(rows) == 2, len(rows)
    page = d.page_source
    assert "12AB00" in page and "34CD00" in page
    assert "Kies een leverdatum" in page, "the next step of a fresh school"
    assert "nog niet gekozen" in page
    t.shot("vensters-bestuur")

    def status_of(n):
        return d.find_element(By.ID, f"stap-{n}-status").text

    def open_school(tid):
        t.get(f"/web/vensters/{tid}")
        wait_for("the school page", lambda: d.find_elements(By.ID, "stap-1"))

    def view_report(tid):
        """Step 1: the HTML report in the browser shows the hash the page shows; downloads."""
        open_school(tid)
        shown = d.find_element(By.ID, "rapport-hash").text
        assert shown == procedure_by_id(tid)["payload_hash"], shown
        d.find_element(By.ID, "rapport-bekijken").click()
        wait_for("the report", lambda: shown in d.page_source)
        t.shot(f"rapport-{tid[:8]}")
        cookie = t.session_cookie()
        for fmt, magic in (("html", "<"), ("pdf", "%PDF")):
            status, headers, body = http_request(
                t.port, "GET", f"/web/vensters/{tid}/rapport?formaat={fmt}&download=1",
                headers={"Cookie": f"sluis_sessie={cookie}"})
            assert status == 200, (fmt, status)
            assert headers["X-Sluis-Payload-Sha256"] == shown
            assert headers["Content-Disposition"].startswith("attachment"), headers
            assert body.lstrip().startswith(magic), (fmt, body[:40])
        open_school(tid)
        assert status_of(1) == "(gedaan)"
        return shown

    def procedure_by_id(tid):
        return next(p for p in procedures().values() if p["transfer_id"] == tid)

    def submit(button_id, flash):
        d.find_element(By.ID, button_id).click()
        wait_for(flash, lambda: flash in d.page_source)

    today = t.clock.now.date()
    deliver1 = (today + datetime.timedelta(days=12)).isoformat()
    deliver2 = (today + datetime.timedelta(days=10)).isoformat()

    # --- School 1: the six steps. ---
    open_school(id1)
    for n in (1, 3, 4, 5, 6):
        assert status_of(n) == "(nog niet gedaan)", (n, status_of(n))
    assert status_of(2) == "(gedaan)", "the level has a default (school)"
    assert not d.find_elements(By.ID, "opslaan"), "no save before the akkoord"
    t.shot("school-begin")
    first_hash = view_report(id1)

    # Step 2: another level renders the report again (a new hash to check).
    d.find_element(By.CSS_SELECTOR, "input[name=keuze_niveau][value=onderwijssoort]").click()
    t.shot("niveau-kiezen")
    submit("niveau-opslaan", "Het niveau is vastgelegd")
    wait_for("the report at the new level",
             lambda: (lambda p: p["state"] == "awaiting_approval"
                      and p["choices"]["niveau"] == "onderwijssoort"
                      and p["payload_hash"] != first_hash)(procedure_by_id(id1)))
    open_school(id1)
    assert status_of(1) == "(nog niet gedaan)", "the new report was not seen yet"
    view_report(id1)

    # Step 3: a date in the past, one more than a year ahead (a typing error, almost always) and a
    # malformed date are refused, in Dutch; then the real one.
    too_far = (today + datetime.timedelta(days=400)).isoformat()
    for wrong, expect in (("2020-01-01", "kies een leverdatum na"), (too_far, "tikfout"),
                          ("2026-13-45", "Leverdatum:")):
        field = d.find_element(By.ID, "leverdatum-invoer")
        field.clear()
        field.send_keys(wrong)
        d.find_element(By.ID, "datum-opslaan").click()
        wait_for("the refusal", lambda: expect in d.page_source)
        assert d.find_element(By.CSS_SELECTOR, "p.fout[role=alert]")
        t.shot("leverdatum-geweigerd")
    assert procedure_by_id(id1)["deliver_on"] is None
    field = d.find_element(By.ID, "leverdatum-invoer")
    field.clear()
    field.send_keys(deliver1)
    submit("datum-opslaan", "De leverdatum is vastgelegd")
    assert status_of(3) == "(gedaan)"
    assert procedure_by_id(id1)["deliver_on"] == deliver1

    # Step 4: the questions.
    d.find_element(By.CSS_SELECTOR, "input[name=vraag_afnamegroep][value='alle leerlingen']").click()
    d.find_element(By.ID, "vraag_afnamecondities").send_keys("Klassikaal, in de mentorles")
    t.shot("vragen")
    submit("vragen-opslaan", "De antwoorden zijn vastgelegd")
    assert status_of(4) == "(gedaan)"

    # Step 5: the akkoord, after a preview, bound to the hash shown.
    hash1 = d.find_element(By.ID, "rapport-hash").text
    d.find_element(By.ID, "naar-akkoord").click()
    wait_for("the akkoord page", lambda: t.path() == f"/web/vensters/{id1}/akkoord")
    assert d.find_element(By.ID, "akkoord-hash").text == hash1
    t.shot("akkoord")
    submit("akkoord-geven", "Uw akkoord is vastgelegd")
    assert status_of(5) == "(gedaan)"
    assert "bestuur1" in d.find_element(By.ID, "akkoord-door").text

    # Step 6: save.
    t.shot("voor-opslaan")
    submit("opslaan", "De levering is opgeslagen")
    assert status_of(6) == "(gedaan)"
    p1 = wait_for("school 1 scheduled",
                  lambda: (lambda p: p if p["state"] == "scheduled" else None)(procedure_by_id(id1)))
    assert p1["saved"] and p1["akkoord"] and p1["deliver_on"] == deliver1
    assert p1["choices"]["niveau"] == "onderwijssoort" and p1["answered"]
    assert "opgeslagen" in d.find_element(By.ID, "status").text
    t.shot("opgeslagen")
    d.find_element(By.LINK_TEXT, "Vensters").click()
    wait_for("the board view", lambda: t.path() == "/web/vensters")
    assert "opgeslagen en ingepland" in d.page_source and deliver1 in d.page_source
    t.shot("vensters-na-opslaan")

    # Withdraw school 1 before its deadline, after a confirmation stating the consequence.
    open_school(id1)
    d.find_element(By.ID, "naar-intrekken").click()
    wait_for("the confirmation", lambda: t.path() == f"/web/vensters/{id1}/intrekken")
    consequence = d.find_element(By.ID, "gevolg").text
    assert "niet ongedaan maken" in consequence and deliver1 in consequence, consequence
    t.shot("intrekken-bevestigen")
    submit("intrekken-bevestigen", "De levering is ingetrokken")
    assert d.find_element(By.ID, "ingetrokken")
    assert not d.find_elements(By.ID, "naar-intrekken")
    assert procedure_by_id(id1)["state"] == "withdrawn"
    t.shot("ingetrokken")

    # --- School 2: saved with the default level, then past its deadline. ---
    view_report(id2)
    field = d.find_element(By.ID, "leverdatum-invoer")
    field.send_keys(deliver2)
    submit("datum-opslaan", "De leverdatum is vastgelegd")
    d.find_element(By.CSS_SELECTOR,
                   "input[name=vraag_afnamegroep][value='een representatieve steekproef']").click()
    d.find_element(By.ID, "vraag_afnamecondities").send_keys("Thuis, zonder begeleiding")
    submit("vragen-opslaan", "De antwoorden zijn vastgelegd")
    d.find_element(By.ID, "naar-akkoord").click()
    wait_for("the akkoord page", lambda: d.find_elements(By.ID, "akkoord-geven"))
    submit("akkoord-geven", "Uw akkoord is vastgelegd")
    submit("opslaan", "De levering is opgeslagen")
    wait_for("school 2 scheduled", lambda: procedure_by_id(id2)["state"] == "scheduled")
    assert d.find_elements(By.ID, "naar-intrekken"), "withdrawable before the deadline"

    # The clock passes the deadline (local midnight the day before delivery), not the delivery.
    d2 = datetime.date.fromisoformat(deliver2)
    target = datetime.datetime(d2.year, d2.month, d2.day, tzinfo=datetime.timezone.utc) - \
        datetime.timedelta(hours=12)
    t.clock.advance(int((target - t.clock.now).total_seconds()))
    t.login("bestuur1", "bestuur-wachtwoord-1", bg_secret)  # the old session expired meanwhile
    open_school(id2)
    assert not d.find_elements(By.ID, "naar-intrekken"), "no withdraw after the deadline"
    assert "intrekken kon tot" in d.find_element(By.ID, "niet-intrekken").text
    assert not d.find_elements(By.ID, "datum-opslaan"), "no date change after the deadline"
    t.shot("na-de-deadline")
    status, _, body = t.form_post(f"/web/vensters/{id2}/intrekken",
                                  {"csrf": t.csrf(), "reden": "te laat"}, t.session_cookie())
    assert status == 409 and "intrekken kon tot" in body, (status, body[:500])
    t.get(f"/web/vensters/{id2}/intrekken")
    assert "intrekken kon tot" in d.page_source
    assert not d.find_elements(By.ID, "intrekken-bevestigen")
    assert procedure_by_id(id2)["state"] == "scheduled"
    t.get("/web/vensters")
    t.shot("vensters-na-de-deadline")


if __name__ == "__main__":
    sys.exit(run("browser vensters test", flow))
