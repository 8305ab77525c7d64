#!/usr/bin/env python3
"""The spring run in a real browser (issue 16): a mentor prepares a batch of the demo's group 8
(POVO route), a directeur cannot approve it before previewing every dossier, previews each,
approves the batch, and the dossiers are delivered; a zorgcoordinator registers a consent with an
evidence file (multipart upload; a first try with a missing field is answered in the form's own
words, next to the field), sees it in the pupil's register, withdraws it after seeing how many
transfers it stops, and those transfers are stopped; a mentor cannot download the evidence, the
directeur can; a pupil's register lists every inzage, newest first; the Leerling page of a
delivered pupil lists the delivery and prints without the menu.

The batch is prepared by the mentor, not by the directeur who approves it: whoever prepares a
batch may not approve it (four eyes, the same rule as the API's).

The consent part runs on the demo's route `swv-zorg` (a dossier to the samenwerkingsverband on
the parents' consent, in the canonical format; purpose `swv`, seen by zorgcoordinator and
directeur). Shared pieces: browser_kit.py.
"""
import hashlib
import json
import os
import re
import shutil
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_kit import By, http_request, run, wait_for  # noqa: E402


def flow(t):
    mentor_secret = t.sluis.add_account("mentor1", "mentor", "mentor-wachtwoord-1")
    zorg_secret = t.sluis.add_account("zorg1", "zorgcoordinator", "zorg-wachtwoord-1")
    directeur_secret = t.sluis.add_account("directeur1", "directeur", "directeur-wachtwoord-1")
    # Three pupils of group 8 for the POVO route (they wait for the parents' inzage) ...
    t.magister_export(3, 16)
    # ... and two dossiers for the samenwerkingsverband (they wait for consent).
    seed = os.path.join(t.args.source_dir, "config", "demo", "inbox-seed", "groep8-demo.jsonl")
    with open(seed) as f:
        lines = f.read().splitlines()[:2]
    os.makedirs(os.path.join(t.sluis.data, "swv-inbox"), exist_ok=True)
    with open(os.path.join(t.sluis.data, "swv-inbox", "zorg.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")
    t.start()

    def transfers(route, state=None):
        q = f"/api/v1/transfers?route={route}" + (f"&state={state}" if state else "")
        return t.api(q)["transfers"]

    def exactly(n, f):
        return lambda: (lambda x: x if len(x) == n else None)(f())

    povo = wait_for("three POVO dossiers awaiting the inzage",
                    exactly(3, lambda: transfers("povo-groep8", "awaiting_consent")))
    today = t.clock.now.strftime("%Y-%m-%d")
    for tr in povo:  # the parents' inzage (the browser flow for it is in browser_test.py)
        t.api("/api/v1/inzage", "POST", {"pupil": tr["subject"], "purpose": "povo",
                                         "inzagedatum": today, "akkoord": "Ja"})
    povo = wait_for("the POVO dossiers to wait for approval",
                    exactly(3, lambda: transfers("povo-groep8", "awaiting_approval")))
    povo_ids = sorted(tr["id"] for tr in povo)
    swv = wait_for("two swv dossiers awaiting consent",
                   exactly(2, lambda: transfers("swv-zorg", "awaiting_consent")))
    pupil = swv[0]["subject"]
    swv_id = swv[0]["id"]
    d = t.open_browser()

    # --- The mentor prepares the batch of group 8. ---
    t.login("mentor1", "mentor-wachtwoord-1", mentor_secret)
    d.find_element(By.LINK_TEXT, "Batches").click()
    wait_for("the batches page", lambda: t.path() == "/web/batches")
    assert "Er zijn nog geen batches." in d.page_source
    d.find_element(By.ID, "naam").send_keys("groep 8")
    d.find_element(By.CSS_SELECTOR, "#route option[value='povo-groep8']").click()
    assert "povo-groep8 (3 wachten op goedkeuring)" in d.page_source
    t.shot("batch-klaarzetten")
    d.find_element(By.ID, "klaarzetten-knop").click()
    wait_for("the batch page", lambda: "De batch is klaargezet." in d.page_source)
    batch_path = t.path()
    batch_id = batch_path.rsplit("/", 1)[1]
    assert batch_id.startswith("bt_"), batch_path
    assert d.find_element(By.ID, "geen-besluit"), "the preparer is told why she does not decide"
    assert not d.find_elements(By.ID, "batch-goedkeuren")
    t.shot("batch-mentor")
    batch = t.api(f"/api/v1/batches/{batch_id}")
    assert sorted(i["transfer_id"] for i in batch["items"]) == povo_ids, batch

    t.logout()

    # --- The zorgcoordinator registers a consent with an evidence file (multipart upload). ---
    t.login("zorg1", "zorg-wachtwoord-1", zorg_secret)
    evidence = b"%PDF-1.4\n% toestemmingsformulier, ondertekend door de moeder\n%%EOF\n"
    evidence_path = os.path.join(t.work, "toestemmingsformulier.pdf")
    with open(evidence_path, "wb") as f:
        f.write(evidence)
    d.find_element(By.LINK_TEXT, "Toestemmingen").click()
    wait_for("the consent form", lambda: t.path() == "/web/toestemming")
    # Mistakes first: no relation for a parent and a malformed "valid until" date. The errors
    # use the form's labels (not the API's field names), sit next to their fields (which name
    # them in aria-describedby), are listed with links, and what was typed is kept.
    d.find_element(By.ID, "pupil").send_keys(pupil)
    d.find_element(By.CSS_SELECTOR, "#purpose option[value='swv']").click()
    d.find_element(By.ID, "method").clear()
    d.find_element(By.ID, "method").send_keys("ouderportaal")
    d.find_element(By.ID, "valid_until").send_keys("31-12-2027")
    d.find_element(By.ID, "evidence").send_keys("Getekend op de ouderavond")
    d.find_element(By.ID, "bewijs").send_keys(evidence_path)
    d.find_element(By.ID, "toestemming-vastleggen").click()
    wait_for("the field errors", lambda: d.find_elements(By.ID, "fouten"))
    page = d.page_source
    assert "relation:" not in page and "valid_until:" not in page, "no API field names"
    relation_error = d.find_element(By.ID, "relation-fout").text
    assert relation_error == "Relatie tot de leerling: vul dit in", relation_error
    assert d.find_element(By.ID, "relation").get_attribute("aria-describedby") == \
        "relation-hint relation-fout"
    assert d.find_element(By.ID, "relation").get_attribute("aria-invalid") == "true"
    assert "Geldig tot: schrijf de datum als JJJJ-MM-DD" in d.find_element(By.ID, "valid_until-fout").text
    assert "valid_until-fout" in d.find_element(By.ID, "valid_until").get_attribute("aria-describedby")
    assert d.find_element(By.ID, "method").get_attribute("aria-invalid") is None, "no error there"
    summary = d.find_element(By.ID, "fouten")
    assert summary.get_attribute("role") == "alert"
    links = [a.get_attribute("href").rsplit("#", 1)[1]
             for a in summary.find_elements(By.TAG_NAME, "a")]
    assert links == ["relation", "valid_until"], links
    # What was typed is kept (a file input never is).
    assert d.find_element(By.ID, "pupil").get_attribute("value") == pupil
    assert d.find_element(By.ID, "method").get_attribute("value") == "ouderportaal"
    assert d.find_element(By.ID, "valid_until").get_attribute("value") == "31-12-2027"
    assert d.find_element(By.ID, "evidence").get_attribute("value") == "Getekend op de ouderavond"
    assert d.find_element(By.CSS_SELECTOR, "#purpose option[value='swv']").is_selected()
    assert t.api(f"/api/v1/pupils/{pupil}/consents")["consents"] == [], "nothing half-written"
    t.shot("toestemming-fout")
    # The API keeps its field paths.
    status, _, body = http_request(t.port, "POST", "/api/v1/consents", body=json.dumps(
        {"pupil": pupil, "purpose": "swv", "given_by": "ouder", "decision": "gegeven",
         "decided_on": t.clock.now.strftime("%Y-%m-%d"), "method": "formulier"}),
        headers={"Authorization": f"Bearer {t.token}", "Content-Type": "application/json"})
    assert status == 400 and "relation: verplicht" in body, (status, body)
    # Keyboard: the summary's link moves the focus to the field.
    summary.find_element(By.CSS_SELECTOR, "a[href='#relation']").click()
    assert d.switch_to.active_element.get_attribute("id") == "relation"
    d.find_element(By.ID, "valid_until").clear()
    d.find_element(By.ID, "relation").send_keys("moeder")
    d.find_element(By.ID, "bewijs").send_keys(evidence_path)  # a file input is never kept
    t.shot("toestemming-formulier")
    d.find_element(By.ID, "toestemming-vastleggen").click()
    wait_for("the pupil's register",
             lambda: "De toestemming is vastgelegd. 1 wachtende overdracht(en) gaan verder."
             in d.page_source)
    assert t.path() == "/web/register"
    assert "toestemmingsformulier.pdf" in d.page_source
    assert d.find_elements(By.CSS_SELECTOR, "a.bewijs"), "a zorgcoordinator may read evidence"
    t.shot("register-zorgcoordinator")
    consents = t.api(f"/api/v1/pupils/{pupil}/consents")["consents"]
    assert len(consents) == 1 and consents[0]["evidence_file"]["filename"] == \
        "toestemmingsformulier.pdf", consents
    consent_id = consents[0]["id"]
    assert consents[0]["recorded_by"] == "zorg1"
    assert consents[0]["method"] == "ouderportaal" and consents[0]["valid_until"] == ""
    wait_for("the swv dossier to move on",
             lambda: t.api(f"/api/v1/transfers/{swv_id}")["state"] == "awaiting_approval")
    cookie = t.session_cookie()
    csrf = t.csrf()
    # A file larger than the evidence limit is refused before anything is read.
    # (Only the announced length is sent: the answer comes before the body is read.)
    with socket.create_connection(("127.0.0.1", t.port), timeout=30) as s:
        s.sendall((f"POST /web/toestemming HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Content-Type: multipart/form-data; boundary=b\r\n"
                   f"Cookie: sluis_sessie={cookie}\r\nContent-Length: {6 << 20}\r\n"
                   f"Connection: close\r\n\r\n").encode())
        answer = b""
        while b"</html>" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n", 1)[0].decode()
    assert " 413 " in head and "Het bestand is te groot" in answer.decode("utf-8", "replace"), head

    # --- The zorgcoordinator withdraws the consent, seeing first what it stops. ---
    undelivered = [tr for tr in transfers("swv-zorg") if tr["subject"] == pupil
                   and tr["state"] not in ("delivered", "withdrawn", "rejected")]
    assert len(undelivered) > 0
    d.find_element(By.CSS_SELECTOR, f"a[href='/web/toestemming/{consent_id}/intrekken']").click()
    wait_for("the consequences", lambda: t.path().endswith("/intrekken"))
    shown = d.find_element(By.ID, "gevolg").text
    n = len(undelivered)
    assert shown.startswith(f"{n} overdracht"), (shown, n)
    assert swv_id in d.page_source
    assert t.api(f"/api/v1/transfers/{swv_id}")["state"] == "awaiting_approval", \
        "nothing happens before the confirmation"
    t.shot("intrekken-gevolgen")
    # A withdrawal whose consequences changed since the page was shown is shown again.
    status, _, body = t.form_post(f"/web/toestemming/{consent_id}/intrekken",
                                  {"csrf": csrf, "verwacht": str(n + 5)}, cookie)
    assert status == 200 and "De gevolgen zijn veranderd" in body, status
    d.find_element(By.ID, "intrekken-bevestigen").click()
    wait_for("the withdrawal", lambda: f"De toestemming is ingetrokken. {n} overdracht(en) zijn "
             "gestopt." in d.page_source)
    assert t.api(f"/api/v1/transfers/{swv_id}")["state"] == "withdrawn"
    assert "ingetrokken op" in d.page_source
    t.shot("ingetrokken")
    t.logout()

    # --- A mentor's forged evidence download is refused by the shared decision. ---
    t.clock.advance(30)  # a new TOTP step: a code is accepted once
    t.login("mentor1", "mentor-wachtwoord-1", mentor_secret)
    status, _, _ = http_request(t.port, "GET", f"/web/toestemming/{consent_id}/bewijs",
                                headers={"Cookie": f"sluis_sessie={t.session_cookie()}"})
    assert status == 403, status
    t.logout()

    # --- The directeur: the batch needs a preview of every dossier first. ---
    t.clock.advance(30)
    t.login("directeur1", "directeur-wachtwoord-1", directeur_secret)
    d.find_element(By.LINK_TEXT, "Batches").click()
    wait_for("the batches page", lambda: t.path() == "/web/batches")
    d.find_element(By.LINK_TEXT, "groep 8").click()
    wait_for("the batch", lambda: t.path() == batch_path)
    assert d.find_element(By.ID, "te-bekijken").text == "3"
    assert "Nog te bekijken: 3 van 3" in d.find_element(By.ID, "nog-bekijken").text
    assert not d.find_elements(By.ID, "batch-goedkeuren"), "no approve button before previews"
    t.shot("batch-directeur-nog-bekijken")
    cookie = t.session_cookie()
    csrf = t.csrf()
    status, _, body = t.form_post(batch_path, {"csrf": csrf, "besluit": "goedkeuren"}, cookie)
    assert status == 409 and "bekijk eerst de preview" in body, (status, body)
    for i, tid in enumerate(povo_ids):
        d.find_element(By.CSS_SELECTOR, f"a[href='/web/goedkeuren/{tid}']").click()
        wait_for("the preview", lambda: t.path() == f"/web/goedkeuren/{tid}")
        assert "Wat verlaat het gebouw" in d.page_source
        if i == 0:
            t.shot("batch-preview")
        t.get(batch_path)
        assert d.find_element(By.ID, "te-bekijken").text == str(len(povo_ids) - i - 1)
    t.shot("batch-alles-bekeken")
    d.find_element(By.ID, "batch-goedkeuren").click()
    wait_for("the batch approval",
             lambda: "De batch is goedgekeurd: 3 overdracht(en) goedgekeurd." in d.page_source)
    assert d.find_element(By.ID, "batch-status").text in ("goedgekeurd", "afgehandeld")
    t.shot("batch-goedgekeurd")

    def delivered():
        states = [t.api(f"/api/v1/transfers/{tid}")["state"] for tid in povo_ids]
        return states if all(s == "delivered" for s in states) else None
    wait_for("the three dossiers to be delivered", delivered)
    outbox = os.path.join(t.sluis.data, "oso-outbox")
    files = wait_for("three files in the outbox",
                     lambda: (lambda f: f if len(f) == 3 else None)(
                         [x for x in os.listdir(outbox) if not x.startswith(".")]))
    assert len(files) == 3, files

    # --- The directeur downloads the evidence from the pupil's register. ---
    t.get(f"/web/register?leerling={pupil}")
    link = d.find_element(By.CSS_SELECTOR, "a.bewijs")
    assert link.get_attribute("href").endswith(f"/web/toestemming/{consent_id}/bewijs")
    t.shot("register-directeur")
    status, headers, _ = http_request(t.port, "GET", f"/web/toestemming/{consent_id}/bewijs",
                                      headers={"Cookie": f"sluis_sessie={t.session_cookie()}"})
    assert status == 200, status
    assert headers.get("Content-Type") == "application/pdf", headers
    assert "attachment" in headers.get("Content-Disposition", "")
    assert headers.get("X-Sluis-Sha256") == hashlib.sha256(evidence).hexdigest()
    audit = json.dumps(t.api("/api/v1/audit?limit=1000"))
    assert "consent_evidence_viewed" in audit and "directeur1" in audit

    # --- A pupil's register lists every inzage registered, newest first. ---
    delivered_pupil = povo[0]["subject"]
    t.clock.advance(60)
    t.api("/api/v1/inzage", "POST", {"pupil": delivered_pupil, "purpose": "povo",
                                     "inzagedatum": today, "akkoord": "Nee",
                                     "redennietakkoord": "Het advies is te laag"})
    t.get(f"/web/register?leerling={delivered_pupil}")
    rows = d.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=inzage] tbody tr")
    cells = [[td.text for td in r.find_elements(By.CSS_SELECTOR, "td, th")] for r in rows]
    assert len(cells) == 2, cells
    assert [c[0] for c in cells] == ["povo", "povo"], cells
    assert [c[2] for c in cells] == ["Nee", "Ja"], "both, the newest first"
    assert "Het advies is te laag" not in d.page_source, "the parents' view is not listed"
    listed = t.api(f"/api/v1/pupils/{delivered_pupil}/consents")["inzage"]
    assert [z["akkoord"] for z in listed] == ["Nee", "Ja"], listed
    assert all(z["authentic"] and z["purpose"] == "povo" for z in listed), listed
    assert listed[0]["recorded_at"] > listed[1]["recorded_at"], listed
    t.shot("register-inzage-geschiedenis")

    # --- The Leerling page of a delivered pupil lists the delivery, and prints without menu. ---
    delivered_id = povo[0]["id"]
    t.get(f"/web/register?leerling={delivered_pupil}")
    d.find_element(By.ID, "naar-verstrekkingen").click()
    wait_for("the Leerling page", lambda: t.path() == f"/web/leerling/{delivered_pupil}")
    page = d.page_source
    assert delivered_id in page, "the delivery is listed"
    assert "Verstuurd op" in page and "wettelijke verplichting" in page
    assert "directeur1" in page, "who approved it"
    assert re.search(r"<code>[a-z_./]+</code>", page), "the fields that were sent"
    t.shot("leerling")
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not d.find_element(By.CSS_SELECTOR, "header nav").is_displayed(), "no menu in print"
    t.shot("leerling-afdruk")
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


if __name__ == "__main__":
    sys.exit(run("browser spring test", flow))
