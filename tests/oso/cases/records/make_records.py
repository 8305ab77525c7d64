#!/usr/bin/env python3
"""Writes the synthetic full canonical records (<profile>_full.json) used as test bases.

All data is invented for Sluis's tests: BSNs are test numbers that pass the elfproef, names,
addresses and documents are made up. Nothing is taken from the official OSO example files.
Run from anywhere: python3 tests/oso/cases/records/make_records.py
"""
import base64
import copy
import io
import json
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def elfproef(bsn: str) -> bool:
    d = [int(c) for c in bsn]
    return len(d) == 9 and (sum(d[i] * (9 - i) for i in range(8)) - d[8]) % 11 == 0


def make_bsn(prefix: str) -> str:
    """First valid 9-digit number starting with the 8-digit prefix."""
    for last in range(10):
        b = prefix + str(last)
        if elfproef(b):
            return b
    raise ValueError(prefix)


def doc(name: str, text: str, omschrijving: str | None = None) -> dict:
    """A small valid ZIP (one text file) as base64."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name.rsplit(".", 1)[0] + ".txt", date_time=(2025, 1, 1, 0, 0, 0))
        z.writestr(info, text)
    d = {"bestandsnaam": name}
    if omschrijving:
        d["omschrijving"] = omschrijving
    d["inhoud"] = base64.b64encode(buf.getvalue()).decode()
    return d


def adres(soort, straat, nummer, postcode, plaats, **extra):
    a = {"soortadres": soort, "straat": straat, "nummer": nummer}
    a.update({k: v for k, v in extra.items() if k in ("toevoeging", "aanduiding", "locatieomschrijving")})
    a["postcode"] = postcode
    a["plaats"] = plaats
    if "gemeente" in extra:
        a["gemeente"] = extra["gemeente"]
    if "land" in extra:
        a["land"] = extra["land"]
        a["landomschrijving"] = extra.get("landomschrijving", "Nederland")
    return a


def school(naam, brin, vest, plaats, soort=None, typ=None):
    s = {
        "naam": naam,
        "adressen": [
            adres("bezoek", "Lindelaan", "14", "3511AB", plaats, gemeente=plaats, land="6030"),
            adres("post", "Postbus", "220", "3500AE", plaats),
        ],
        "communicatie": [
            {"soort": "telefoon", "aanduiding": "werk", "nummer": "0302345678"},
            {"soort": "e-mail", "aanduiding": "werk", "nummer": "administratie@school.example"},
        ],
        "brincode": brin,
        "vestigingscode": vest,
        "aanleverpunt": "1",
    }
    if soort:
        s["soort"] = soort
    if typ:
        s["type"] = typ
    s["naamdirecteur"] = "K. Verbeek"
    s["website"] = "https://www.school.example"
    return s


def leerling(po: bool, swv: bool):
    ll = {
        "voornamenlijst": ["Floor", "Annelies"] if po else ["Daan", "Pieter", "Jozef"],
        "voorletters": "F.A." if po else "D.P.J.",
        "voorvoegsel": "van der",
        "achternaam": "Wetering" if po else "Kampen",
        "roepnaam": "Floor" if po else "Daan",
        "geboortedatum": "2013-09-14" if po else "2011-02-03",
        "geslacht": "2" if po else "1",
        "adresgeheim": False,
        "adressen": [
            adres("gba", "Kastanjelaan", "27", "3512CD", "Utrecht", toevoeging="bis",
                  gemeente="Utrecht", land="6030"),
            adres("post", "Kastanjelaan", "27", "3512CD", "Utrecht", toevoeging="bis"),
        ],
        "communicatie": [
            {"soort": "telefoon", "aanduiding": "prive", "nummer": "0612345678", "geheim": False, "noodnummer": True},
            {"soort": "e-mail", "aanduiding": "prive", "nummer": "leerling@thuis.example", "geheim": True},
            {"soort": "telefoon", "aanduiding": "overig", "nummer": "0301112233", "geheim": False, "noodnummer": False},
        ],
        "gba": {
            "voornamenlijst": ["Floor", "Annelies"] if po else ["Daan", "Pieter", "Jozef"],
            "voorvoegsel": "van der",
            "achternaam": "Wetering" if po else "Kampen",
            "gbageboortedatum": "14-09-2013" if po else "03-02-2011",
        },
    }
    if not swv:
        ll["bsn"] = make_bsn("10000007"[:8] if po else "20000004"[:8])
    ll["leerlingid"] = "SL-4711" if po else "SL-8150"
    ll["onderwijssinds"] = "2017-08-21" if po else "2015-08-24"
    ll["startdatumhuidigonderwijs"] = "2017-08-21" if po else "2023-08-21"
    ll["datuminschrijving"] = "2017-08-21" if po else "2023-08-21"
    ll["leerlinggewicht"] = "0.30" if po else "0.00"
    ll["nncacode"] = "1"
    ll["tehuis"] = False
    ll["huisarts"] = {
        "voorletters": "M.",
        "achternaam": "Huisman",
        "adresgeheim": False,
        "adressen": [adres("bezoek", "Gezondheidsplein", "3", "3514EF", "Utrecht")],
        "communicatie": [{"soort": "telefoon", "aanduiding": "werk", "nummer": "0309876543"}],
    }
    return ll


def verzorgers():
    return [
        {
            "voornamenlijst": ["Marloes"],
            "voorletters": "M.",
            "voorvoegsel": "van der",
            "achternaam": "Wetering",
            "roepnaam": "Marloes",
            "geslacht": "2",
            "adresgeheim": False,
            "adressen": [adres("post", "Kastanjelaan", "27", "3512CD", "Utrecht", toevoeging="bis")],
            "communicatie": [
                {"soort": "telefoon", "aanduiding": "prive", "nummer": "0623456789", "geheim": False, "noodnummer": True},
                {"soort": "e-mail", "aanduiding": "prive", "nummer": "ouder.een@thuis.example", "geheim": False},
            ],
            "relatietotkindcode": "2",
            "overleden": False,
            "gezag": True,
            "iban": "NL00TEST0123456789",
        },
        {
            "voornamenlijst": ["Hendrik", "Jan"],
            "voorletters": "H.J.",
            "achternaam": "Bosman",
            "roepnaam": "Henk",
            "geslacht": "1",
            "adresgeheim": True,
            "adressen": [adres("post", "Verborgenweg", "5", "3515GH", "Utrecht")],
            "communicatie": [
                {"soort": "telefoon", "aanduiding": "werk", "nummer": "0204567890", "geheim": True},
                {"soort": "e-mail", "aanduiding": "werk", "nummer": "ouder.twee@werk.example", "geheim": True},
            ],
            "relatietotkindcode": "1",
            "gezag": True,
        },
        {
            "voorletters": "A.",
            "achternaam": "Smit",
            "geslacht": "0",
            "communicatie": [{"soort": "telefoon", "aanduiding": "overig", "nummer": "0305551234", "noodnummer": True}],
            "relatietotkindcode": "3",
            "gezag": False,
        },
    ]


def loopbaan_po():
    out = []
    for i, jaar in enumerate(range(2017, 2025)):
        jg = str(i + 1)
        out.append({
            "schooljaar": f"{jaar}-{jaar + 1}",
            "groepscode": f"{jg}B",
            "groepsnaam": f"Groep {jg}B",
            "jaargroep": jg,
            "begindatum": f"{jaar}-08-21",
            "einddatum": f"{jaar + 1}-07-10",
            "brincode": "07XY",
            "vestigingscode": "01",
        })
    del out[-1]["einddatum"]
    return out


def loopbaan_vo():
    return [
        {"schooljaar": "2023-2024", "groepscode": "1H2", "groepsnaam": "Klas 1 havo", "jaargroep": "11",
         "begindatum": "2023-08-21", "einddatum": "2024-07-12", "brincode": "21QR", "vestigingscode": "00",
         "schoolsoort": "VO", "voelementcode": "0170", "voelementomschrijving": "havo leerjaar 1"},
        {"schooljaar": "2024-2025", "groepscode": "2H1", "groepsnaam": "Klas 2 havo", "jaargroep": "12",
         "begindatum": "2024-08-19", "brincode": "21QR", "vestigingscode": "00",
         "schoolsoort": "VO", "voelementcode": "0171", "voelementomschrijving": "havo leerjaar 2"},
    ]


def ondersteuning(extra_vo: bool):
    o = {
        "onderwijsbehoeften": {"document": doc("onderwijsbehoeften.zip", "Behoefte aan structuur en korte instructie.",
                                               "Toelichting onderwijsbehoeften")},
        "diagnoselijst": [
            {"code": ["F81.0", "F81.2"], "naam": "Dyslexie en dyscalculie", "datum": "2021-03-15",
             "doorwie": "Orthopedagoog", "instantie": "Centrum Leren Voorbeeld",
             "documenten": [doc("diagnose.zip", "Verslag van het onderzoek (verzonnen).", "Onderzoeksverslag")]},
            {"code": ["HB"], "naam": "Hoogbegaafd", "datum": "2022-05-02"},
        ],
        "medicijngebruikaanwezig": False,
        "handelingsplannen": [
            {"startdatum": "2023-10-02", "einddatum": "2024-01-26", "isgerichtop": "technisch lezen",
             "document": doc("hp-lezen.zip", "Plan voor technisch lezen.", "Handelingsplan lezen")},
            {"startdatum": "2024-02-05", "isgerichtop": "rekenen: breuken"},
        ],
        "opp": {"opp_ingangdatum": "2023-09-01", "opp_einddatum": "2025-07-31",
                "documenten": [doc("opp.zip", "Ontwikkelingsperspectief (verzonnen).", "OPP")]},
        "tlvlijst": [
            {"tlvingangdatum": "2024-08-01", "tlvswvnummer": "PO2601", "tlvcategorie": "M",
             "tlvbeschikkingsnummer": "B-2024-0815", "tlveinddatum": "2025-07-31",
             "document": doc("tlv.zip", "Toelaatbaarheidsverklaring (verzonnen).")},
        ],
        "arrangement_cluster12": [{"arrangement_datum": "2022-01-10", "arrangement_brin": "33ZZ", "arrangement_vestigingscode": "02"}],
        "arrangement_pao": [{"arrangement_datum": "2023-04-01", "arrangement_kenmerk": "ARR-77",
                             "arrangement_beschikkingsnr": "BS-2023-12", "arrangement_einddatum": "2024-07-31"}],
    }
    if extra_vo:
        o["lwootoewijzing"] = {"lwoo_ingangdatum": "2023-08-01", "lwoo_swvnummer": "VO2602",
                               "lwoo_beschikkingsnummer": "LW-2023-3", "lwoo_einddatum": "2027-07-31",
                               "document": doc("lwoo.zip", "Beschikking lwoo (verzonnen).")}
    o["rvcadvies"] = {"centraleproblematiek": "Werkhouding en planning", "maatregelen": "Begeleiding in kleine groep",
                      "signaleringlwoopro": {"deelgenomenaanonderzoek": True, "leerachterstand": True, "lagescoreeindtoets": False},
                      "rvcdatum": "2024-03-11", "rvcindicatie": "LWOO",
                      "documenten": [doc("rvc.zip", "Advies RVC (verzonnen).")]}
    return o


def verzuim():
    return {"dagdelengeoorloofd": 6, "dagdelenongeoorloofd": 1, "urengeoorloofd": 14, "urenongeoorloofd": 2,
            "meerdan25percent": False, "frequentie": 3, "contactleerplicht": False, "rmcmelding": False,
            "documenten": [doc("verzuim.zip", "Verzuimoverzicht (verzonnen).", "Verzuimoverzicht")]}


def eindtoets():
    return {
        "eindtoetsresultaat": {
            "toetssoort": "0012", "toetsniveau": "G", "toetsomschrijving": "Eindtoets (verzonnen afname)",
            "datum_afname": "2025-04-15", "wettelijke_ontheffing": "N", "standaardscore": 538,
            "toets_advies": "40",
            "onderdelen": [
                {"onderdeelcode": "8000", "onderdeelomschrijving": "Taal", "ond_referentieniveau": "03",
                 "domeinen": [{"domeincode": "8050", "domeinomschrijving": "Lezen", "dom_referentieniveau": "03"}]},
                {"onderdeelcode": "8001", "onderdeelomschrijving": "Rekenen", "ond_referentieniveau": "02",
                 "domeinen": [{"domeincode": "8051", "domeinomschrijving": "Getallen", "dom_referentieniveau": "02"}]},
            ],
        },
        "deelgenomen": True,
        "documenten": [doc("eindtoets.zip", "Rapport eindtoets (verzonnen).", "Rapport eindtoets")],
    }


def toetsen(po: bool):
    jg = "7" if po else "12"
    return [
        {
            "toetsidentificatie": {"eldtoetscode": "SL-REK-M7", "leergebied": "rekenen", "toetsnaam": "Rekenen midden",
                                   "toetsversie": "3"},
            "afname": {"afnamedatum": "2024-01-22", "jaargroep": jg, "dl": 35,
                       "afgenomendoor": {"naammedewerker": "J. de Groot", "functie": "leerkracht",
                                         "werktbijinstelling": {"school": {"naam": "Testschool", "brincode": "07XY",
                                                                           "vestigingscode": "01", "aanleverpunt": "1"}}}},
            "resultaat": {
                "toetsscore": {"aantalopgaven": 40, "aantalgoed": 31, "aantalfout": 9, "tijd": "45",
                               "vaardigheidsscore": "87", "codevaardigheidsschaal": "VS2",
                               "betrouwbaarheidsinterval": {"bivlaag": "82", "bivhoog": "92"}},
                "referentiescore": [{"codereferentiescore": "Percentiel", "codevergelijkingsgroep": "Landelijk",
                                     "waarde": "68", "kwalificatie": "B"}],
                "document": doc("toets-rekenen.zip", "Toetsrapport rekenen (verzonnen)."),
            },
            "toetsonderdeel": [
                {"eldonderdeelcode": "SL-REK-M7-G", "onderdeelnaam": "Getallen",
                 "resultaat": {"toetsscore": {"aantalopgaven": 20, "aantalgoed": 17}}},
                {"eldonderdeelcode": "SL-REK-M7-V", "onderdeelnaam": "Verhoudingen",
                 "resultaat": {"referentiescore": [{"codereferentiescore": "Stanine", "codevergelijkingsgroep": "Landelijk", "waarde": "6"}]}},
            ],
            "opmerking": "Afgenomen in twee delen.",
        },
        {
            "toetsidentificatie": {"eldtoetscode": "SL-TBL-E6", "leergebied": "technisch lezen"},
            "afname": {"afnamedatum": "2023-06-12", "jaargroep": "6" if po else "11",
                       "afgenomendoor": {"naammedewerker": "P. Lammers",
                                         "werktbijinstelling": {"instelling": {"naam": "Bureau Toetsing Voorbeeld"}}}},
            "resultaat": {"toetsscore": {"aantalgelezen": 62, "aantalfout": 3}},
        },
    ]


def cijferlijsten(po: bool):
    jg = "8" if po else "12"
    return [
        {"cijferlijstTypelijst": {"naam": "Rapport",
                                  "onderdeel": [
                                      {"naam": "Rekenen", "score": {"waarde": "7.5"}, "afnamedatum": "2025-01-31", "jaargroep": jg, "periode": "1"},
                                      {"naam": "Begrijpend lezen", "score": {"waarde": "8", "kwalificatie": "goed"}, "periode": "1"},
                                      {"naam": "Gedrag", "score": {"kwalificatie": "voldoende"}},
                                  ],
                                  "score": [{"waarde": "7.6"}]},
         "afnamedatum": "2025-01-31", "jaargroep": jg, "periode": "1"},
        {"cijferlijstTypelijst": {"naam": "Eindrapport vorig jaar", "score": [{"kwalificatie": "goed"}, {"waarde": "7.9"}]},
         "jaargroep": str(int(jg) - 1)},
    ]


def bijlagen():
    return [doc("portfolio.zip", "Portfolio van de leerling (verzonnen).", "Portfolio"),
            doc("verslag-gesprek.zip", "Verslag van het overdrachtsgesprek (verzonnen).")]


def vve():
    return {"vanpeuterspeelzaal": True, "naampeuterspeelzaal": "Peuterhuis Het Klavertje",
            "voorschools": {"codevoorschoolsehistorie": 2, "codevoorschoolsprogramma": 3, "voorschoolsemaanden": 18,
                            "codevoorschoolsetoeleider": 1, "codevoorschoolsedeelname": 4, "voorschoolseaanwezigheid": 90},
            "vroegschools": [{"codevroegschoolsprogramma": 3, "vroegschoolsdatumingang": "2017-08-21",
                              "vroegschoolseinddatum": "2019-07-12"}]}


def vombo():
    return {
        "bevordering": {"elementcode": "0171", "leerjaar": "2"},
        "examenresultaat": {"soortdiploma": "havo", "examenjaar": 2024, "datumuitslag": "2024-06-12", "examenuitslag": "geslaagd"},
        "vakken": [
            {"vakcode": "NE", "vakleergebied": "Nederlands", "afgerond": True, "datumafgerond": "2024-06-12",
             "examenvak": True, "exameneindcijfer": 7},
            {"vakcode": "LO", "afgerond": True, "examenvak": True, "beoordelingexamenvak": "voldoende"},
            {"vakcode": "WI", "afgerond": False, "examenvak": True, "cijferselijst": ["6.4", "7.1"]},
            {"vakcode": "PWS", "afgerond": True, "examenvak": True,
             "werkstuk": {"werkstuktitel": "Waterbeheer in de polder", "werkstukbeoordeling": "goed"}},
            {"vakcode": "EN", "afgerond": False, "examenvak": False, "rapportcijfer": "7.2"},
        ],
        "certificaten": ["Cambridge English (verzonnen)", "EHBO junior"],
        "competenties": [{"competentiereferentie": "C-01", "competentiecategorie": "samenwerken",
                          "competentiebeschrijving": "Werkt goed samen in projecten", "competentiestatus": "behaald"}],
        "stage": [{"begindatum": "2024-03-04", "einddatum": "2024-03-15", "soortstage": "snuffelstage",
                   "functierol": "assistent", "instelling": {"naam": "Bakkerij De Korenschoof",
                                                              "adressen": [adres("bezoek", "Marktstraat", "8", "3516JK", "Utrecht")],
                                                              "communicatie": [{"soort": "telefoon", "nummer": "0306667788"}]},
                   "beoordeling": "goed"}],
        "overigvombo": {"keuzevervolgopleiding": "vwo 4", "beroepskeuzetest": True, "portfolio": True, "pop": False,
                        "motivatiebrief": False, "lobdossier": True},
    }


def overstapadvies(po: bool):
    a = {"advies": ["40"] if po else ["60"], "wensouders": "40" if po else "60", "wensleerling": "41" if po else "60",
         "profiel": "basis",
         "argumentatie": "Werkt zelfstandig en plant goed (verzonnen).",
         "contactnodig": True, "contactpersoon": "E. Mulder", "contacttelefoon": "0302345679",
         "contactemail": "e.mulder@school.example", "aandachtspunten": "Extra tijd bij toetsen."}
    if po:
        a["herzienadvies"] = "41"
        a["motivatie_herzienadvies"] = "Eindtoets hoger dan verwacht."
    return a


def metadata():
    return {"pakketnaam": "Sluis", "pakketversie": "0.1.0", "datum": "2025-05-20", "deeldossier": "LAS"}


def record(profile: str) -> dict:
    po = profile in ("POPO", "POVO", "BB", "POSWV")
    swv = profile in ("POSWV", "VOSWV")
    r = {
        "school": school("Basisschool De Lindeboom" if po else "Het Voorbeeld College",
                         "07XY" if po else "21QR", "01" if po else "00", "Utrecht",
                         soort="BAO" if po else "VO"),
        "leerling": leerling(po, swv),
        "inzage": {"voorlopigdossier": False, "inzage": True, "inzagedatum": "2025-05-12", "akkoord": "Nee",
                   "redennietakkoord": "Ouders vinden het advies te laag.", "toestemming": "Ja"},
        "verzorgersaansprakelijk": True,
        "verzorgers": verzorgers(),
        "schoolloopbaan": loopbaan_po() if po else loopbaan_vo(),
        "overstapadvies": overstapadvies(po),
        "onderwijsondersteuning": ondersteuning(not po),
        "verzuim": verzuim(),
        "toetsresultaten": toetsen(po),
        "cijferlijsten": cijferlijsten(po),
        "bijlagen": bijlagen(),
        "metadata": metadata(),
    }
    if profile != "POSWV":
        r["eindtoets"] = eindtoets()
    if profile in ("POPO", "BB", "POSWV"):
        r["vve"] = vve()
    if profile in ("VOVO", "BB", "VOSWV"):
        r["vombo"] = vombo()
    if profile == "VOSWV":
        # A pupil for whom an institution, not the guardians, is liable.
        r["verzorgersaansprakelijk"] = False
        r["aansprakelijkeinstelling"] = {
            "naam": "Stichting Jeugdzorg Voorbeeld",
            "adressen": [adres("post", "Zorgstraat", "10", "3517LM", "Utrecht")],
            "communicatie": [{"soort": "e-mail", "aanduiding": "werk", "nummer": "voogdij@zorg.example"}],
        }
    if swv:
        r["inzage"] = {"voorlopigdossier": False}
    return r


def main():
    for p in ("POVO", "POPO", "VOVO", "BB", "POSWV", "VOSWV"):
        path = os.path.join(HERE, f"{p.lower()}_full.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(record(p), f, ensure_ascii=False, indent=2)
            f.write("\n")
        print(path)


if __name__ == "__main__":
    main()
