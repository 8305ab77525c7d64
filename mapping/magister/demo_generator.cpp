#include "mapping/magister/demo_generator.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mapping/magister/magister_import.h"

namespace sluis::mapping {

namespace {

// splitmix64: tiny, portable and deterministic across standard libraries.
uint64_t nextRandom(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
size_t pick(uint64_t& s, size_t n) { return static_cast<size_t>(nextRandom(s) % n); }
bool chance(uint64_t& s, unsigned percent) { return pick(s, 100) < percent; }

const char* const kBoys[] = {"Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Bram", "Noah", "Jesse",
                             "Thijs", "Ruben", "Luuk", "Mohammed", "Adam", "Julian", "Sven", "Thomas",
                             "Stijn", "Mees", "Jens", "Teun", "Gijs", "Ayoub", "Joël", "Sep"};
const char* const kGirls[] = {"Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora", "Anna",
                              "Evi", "Lotte", "Noor", "Fleur", "Lieke", "Saar", "Yara", "Fenna",
                              "Isa", "Liv", "Maud", "Amira", "Hanna", "Roos", "Chloë", "Esmée"};
const char* const kSecondBoys[] = {"Johannes", "Pieter", "Willem", "Hendrik", "Jan", "Karel"};
const char* const kSecondGirls[] = {"Maria", "Elisabeth", "Cornelia", "Johanna", "Catharina", "Anna"};
struct Surname {
    const char* prefix;
    const char* name;
};
const Surname kSurnames[] = {
    {"de", "Jong"}, {"", "Jansen"}, {"de", "Vries"}, {"van den", "Berg"}, {"van", "Dijk"},
    {"", "Bakker"}, {"", "Janssen"}, {"", "Visser"}, {"", "Smit"}, {"", "Meijer"}, {"de", "Boer"},
    {"", "Mulder"}, {"de", "Groot"}, {"", "Bos"}, {"", "Vos"}, {"", "Peters"}, {"", "Hendriks"},
    {"van", "Leeuwen"}, {"", "Dekker"}, {"", "Brouwer"}, {"de", "Wit"}, {"", "Dijkstra"},
    {"", "Smits"}, {"de", "Graaf"}, {"van der", "Meer"}, {"van der", "Linden"}, {"", "Kok"},
    {"", "Jacobs"}, {"de", "Haan"}, {"", "Vermeulen"}, {"van den", "Heuvel"}, {"van der", "Veen"},
    {"van den", "Broek"}, {"de", "Bruijn"}, {"van der", "Heijden"}, {"", "Schouten"},
    {"van", "Beek"}, {"", "Willems"}, {"van", "Vliet"}, {"van de", "Ven"}, {"", "Hoekstra"},
    {"", "Maas"}, {"", "Verhoeven"}, {"", "Koster"}, {"van", "Dam"}, {"van der", "Wal"},
    {"", "Prins"}, {"", "Blom"}, {"", "Huisman"}, {"", "Öztürk"}, {"El", "Amrani"},
    {"", "Çelik"}, {"", "Nguyen"}, {"in 't", "Veld"}, {"ter", "Horst"}, {"", "Müller"}};
const char* const kStreets[] = {"Dorpsstraat", "Kerkstraat", "Schoolstraat", "Molenweg",
                                "Beatrixlaan", "Julianastraat", "Wilhelminapark", "Eikenlaan",
                                "Lindelaan", "Prins Bernhardweg", "Sportlaan", "Vondelstraat",
                                "Rembrandtplein", "Oude Gracht", "Populierenhof", "Zonnebloemstraat"};
struct Place {
    const char* name;
    int pc;  // first two digits of the postcode
    const char* area;
};
const Place kPlaces[] = {{"Utrecht", 35, "030"},    {"Amersfoort", 38, "033"}, {"Zeist", 37, "030"},
                         {"Houten", 39, "030"},     {"Nieuwegein", 34, "030"}, {"De Bilt", 37, "030"},
                         {"Bunnik", 39, "030"},     {"'s-Hertogenbosch", 52, "073"}};
const char* const kVakken[] = {"Rekenen", "Taal", "Spelling", "Begrijpend lezen", "Wereldoriëntatie",
                               "Engels"};
const char* const kToetsen[] = {"Methodetoets", "Blok", "Dictee", "Topotoets", "Werkstuk",
                                "Spreekbeurt"};
struct Absence {
    const char* code;
    bool allowed;
};
const Absence kAbsences[] = {{"Z", true}, {"Z", true}, {"Z", true}, {"HA", true}, {"TA", true},
                             {"SP", true}, {"VL", true}, {"FO", true}, {"TL", false}, {"O", false}};

template <typename T, size_t N>
const T& pickFrom(uint64_t& s, const T (&arr)[N]) {
    return arr[pick(s, N)];
}

std::string date(int y, int m, int d) {
    char b[48];
    std::snprintf(b, sizeof b, "%02d-%02d-%04d", d, m, y);
    return b;
}

std::string digits(uint64_t& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += static_cast<char>('0' + pick(s, 10));
    return out;
}

std::string lowerAscii(const std::string& in) {
    std::string out;
    for (unsigned char c : in) {
        if (c >= 'A' && c <= 'Z') out += static_cast<char>(c + 32);
        else if (c < 0x80 && c != ' ' && c != '\'') out += static_cast<char>(c);
        else if (c >= 0x80 && c < 0xC0) {
            // Second byte of a two-byte Latin letter (after 0xC3): a plain stand-in.
            static const char kPlain[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
            out += kPlain[(c & 0x3F) % 32];
        }
    }
    return out;
}

// Writes one CSV row (`;`, CRLF), quoting where needed.
class CsvOut {
public:
    explicit CsvOut(const std::filesystem::path& p) : out_(p, std::ios::binary) {
        out_ << "\xEF\xBB\xBF";
    }
    bool ok() const { return static_cast<bool>(out_); }
    CsvOut& row(std::initializer_list<std::string> cells) {
        bool first = true;
        for (const auto& c : cells) {
            if (!first) buf_ += ';';
            first = false;
            if (c.find_first_of(";\"\r\n") != std::string::npos) {
                buf_ += '"';
                for (char ch : c) {
                    if (ch == '"') buf_ += '"';
                    buf_ += ch;
                }
                buf_ += '"';
            } else {
                buf_ += c;
            }
        }
        buf_ += "\r\n";
        if (buf_.size() > (1u << 16)) flush();
        return *this;
    }
    void flush() {
        out_ << buf_;
        buf_.clear();
    }

private:
    std::ofstream out_;
    std::string buf_;
};

}  // namespace

std::string demoBsn(uint64_t& s) {
    for (;;) {
        std::string d = std::to_string(1 + pick(s, 9)) + digits(s, 7);
        int sum = 0;
        for (int i = 0; i < 8; ++i) sum += (9 - i) * (d[static_cast<size_t>(i)] - '0');
        int last = sum % 11;  // 9*d1 + ... + 2*d8 - d9 must be divisible by 11
        if (last == 10) continue;
        return d + static_cast<char>('0' + last);
    }
}

Status generateMagisterExport(const std::filesystem::path& dir, const DemoOptions& o,
                              DemoSummary* summary) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status{ErrorCode::kIo, dir.string() + ": map kan niet worden gemaakt"};
    DemoSummary local;
    DemoSummary& sum = summary ? *summary : local;
    sum = {};
    int year1 = std::stoi(o.schooljaar.substr(0, 4));
    std::vector<std::string> names = {"leerlingen.csv", "ouders.csv", "cijfers.csv"};
    if (o.overstap) {
        names.push_back("overstap.csv");
        names.push_back("schoolloopbaan.csv");
    }
    if (o.absences) names.push_back("absenties.csv");
    if (o.plans) names.push_back("handelingsplannen.csv");
    {
        CsvOut leerlingen(dir / "leerlingen.csv");
        CsvOut ouders(dir / "ouders.csv");
        CsvOut cijfers(dir / "cijfers.csv");
        std::unique_ptr<CsvOut> absenties, plannen, overstap, loopbaan;
        if (o.overstap) {
            overstap = std::make_unique<CsvOut>(dir / "overstap.csv");
            loopbaan = std::make_unique<CsvOut>(dir / "schoolloopbaan.csv");
        }
        if (o.absences) absenties = std::make_unique<CsvOut>(dir / "absenties.csv");
        if (o.plans) plannen = std::make_unique<CsvOut>(dir / "handelingsplannen.csv");
        if (!leerlingen.ok() || !ouders.ok() || !cijfers.ok())
            return Status{ErrorCode::kIo, dir.string() + ": kan niet schrijven"};
        leerlingen.row({"Stamnr", "Achternaam", "Tussenv.", "Roepnaam", "Voornamen", "Voorletters",
                        "Geslacht", "Geb. datum", "BSN", "Straat", "Huisnr", "Toev.", "Postcode",
                        "Woonplaats", "Telefoon", "E-mail", "Klas", "Studie", "Leerjaar",
                        "Schooljaar", "Datum inschrijving", "Adres geheim", "Mentor",
                        "Verzorgers aansprakelijk", "Aansprakelijke instelling", "Instelling straat",
                        "Instelling huisnr", "Instelling postcode", "Instelling plaats",
                        "Instelling telefoon", "Inzage ouders", "Datum inzage", "Akkoord ouders",
                        "Voorlopig dossier", "Toestemming ouders"});
        ouders.row({"Stamnr", "Relatie", "Gezag", "Voorletters", "Tussenv.", "Achternaam", "Geslacht",
                    "Straat", "Huisnr", "Toev.", "Postcode", "Woonplaats", "Telefoon", "Mobiel",
                    "E-mail"});
        cijfers.row({"Stamnr", "Schooljaar", "Periode", "Vak", "Toets", "Cijfer", "Weging", "Datum"});
        if (overstap)
            overstap->row({"Stamnr", "Advies", "Advies 2", "Datum advies", "Voorlopig",
                           "Wens ouders", "Wens leerling", "Contact nodig", "Contactpersoon",
                           "Telefoon contactpersoon"});
        if (loopbaan)
            loopbaan->row({"Stamnr", "Schooljaar", "BRIN", "Vestiging", "Groep", "Groepsnaam",
                           "Jaargroep", "Begindatum", "Einddatum", "Schoolsoort"});
        if (absenties) absenties->row({"Stamnr", "Datum", "Uur", "Code", "Geoorloofd", "Opmerking"});
        if (plannen)
            plannen->row({"Stamnr", "Titel", "Begindatum", "Einddatum", "Beginsituatie", "Doel",
                          "Criterium", "Streefdatum", "Status", "Evaluatie"});
        uint64_t s = o.seed * 0x2545F4914F6CDD1Dull + 12345;
        // A stream of its own, so the other files stay the same for a seed with or without it.
        uint64_t os = o.seed * 0x9E3779B97F4A7C15ull + 777;
        // Liability and the parents' inzage: a stream of their own too, for the same reason.
        uint64_t ls = o.seed * 0xD1B54A32D192ED03ull + 4242;
        for (size_t i = 0; i < o.pupils; ++i) {
            std::string stamnr = std::to_string(10001 + i);
            bool girl = chance(s, 50);
            std::string roep = girl ? pickFrom(s, kGirls) : pickFrom(s, kBoys);
            std::string voornamen = roep + (chance(s, 60) ? std::string(" ") + (girl ? pickFrom(s, kSecondGirls) : pickFrom(s, kSecondBoys)) : "");
            std::string voorletters;
            for (size_t p = 0; p < voornamen.size(); ++p)
                if (p == 0 || voornamen[p - 1] == ' ') voorletters += std::string(1, voornamen[p]) + ".";
            const Surname& sn = pickFrom(s, kSurnames);
            // Born between 1 October (year1 - 12) and 30 September (year1 - 11): group 8.
            int by = chance(s, 25) ? year1 - 12 : year1 - 11;
            int bm = by == year1 - 12 ? 10 + static_cast<int>(pick(s, 3)) : 1 + static_cast<int>(pick(s, 9));
            int bd = 1 + static_cast<int>(pick(s, 28));
            const Place& place = pickFrom(s, kPlaces);
            std::string street = pickFrom(s, kStreets);
            std::string nr = std::to_string(1 + pick(s, 180));
            std::string toev = chance(s, 10) ? std::string(1, static_cast<char>('a' + pick(s, 3))) : "";
            std::string pc = std::to_string(place.pc) + digits(s, 2) + " " +
                             static_cast<char>('A' + pick(s, 26)) + static_cast<char>('B' + pick(s, 24));
            std::string phone = std::string(place.area) + "-" + digits(s, place.area[2] ? 7 : 6);
            std::string family = (sn.prefix[0] ? std::string(sn.prefix) + " " : "") + sn.name;
            std::string email = chance(s, 30) ? lowerAscii(roep) + "." + lowerAscii(sn.name) + "@example.nl" : "";
            std::string klas = chance(s, 50) ? "8A" : "8B";
            // Now and then the ouders are not liable but an institution is (OSO
            // aansprakelijkeinstelling, e.g. a gecertificeerde instelling with a voogdij measure).
            bool instelling = chance(ls, 2);
            const Place& ip = pickFrom(ls, kPlaces);
            std::string inst_pc = std::to_string(ip.pc) + digits(ls, 2) + " " +
                                  static_cast<char>('A' + pick(ls, 26)) +
                                  static_cast<char>('B' + pick(ls, 24));
            std::string inst_street = pickFrom(ls, kStreets);
            std::string inst_nr = std::to_string(1 + pick(ls, 180));
            std::string inst_phone = std::string(ip.area) + "-" + digits(ls, ip.area[2] ? 7 : 6);
            // The parents saw the dossier after the definitive advice (March), mostly agreeing.
            std::string inzagedatum = date(year1 + 1, 3, 21 + static_cast<int>(pick(ls, 8)));
            std::string akkoord = chance(ls, 95) ? "Ja" : "Nee";
            leerlingen.row({stamnr, sn.name, sn.prefix, roep, voornamen, voorletters, girl ? "V" : "M",
                            date(by, bm, bd), demoBsn(s), street, nr, toev, pc, place.name, phone,
                            email, klas, "Groep 8", "8", o.schooljaar, date(by + 4, bm, 1 + (bd % 28)),
                            chance(s, 3) ? "Ja" : "Nee", klas == "8A" ? "Mw. de Vries" : "Dhr. Bakker",
                            instelling ? "Nee" : "Ja",
                            instelling ? "Jeugdbescherming " + std::string(ip.name) : "",
                            instelling ? inst_street : "", instelling ? inst_nr : "",
                            instelling ? inst_pc : "", instelling ? ip.name : "",
                            instelling ? inst_phone : "", "Ja", inzagedatum, akkoord, "Nee",
                            chance(ls, 90) ? "Ja" : "Nee"});
            ++sum.pupils;
            // Guardians: usually two, sometimes one, now and then a voogd.
            int n_guardians = chance(s, 80) ? 2 : 1;
            bool voogd = chance(s, 3);
            for (int g = 0; g < n_guardians; ++g) {
                std::string rel = voogd ? "Voogd" : (g == 0 ? "Moeder" : "Vader");
                bool female = rel == "Moeder" || (voogd && chance(s, 50));
                std::string first = female ? pickFrom(s, kGirls) : pickFrom(s, kBoys);
                const Surname& gs = (g == 1 || voogd || chance(s, 30)) ? pickFrom(s, kSurnames) : sn;
                const Surname& fs = (rel == "Vader") ? sn : gs;
                bool same_address = !voogd && chance(s, 85);
                const Place& gp = same_address ? place : pickFrom(s, kPlaces);
                std::string gpc = same_address ? pc
                                               : std::to_string(gp.pc) + digits(s, 2) + " " +
                                                     static_cast<char>('A' + pick(s, 26)) +
                                                     static_cast<char>('B' + pick(s, 24));
                ouders.row({stamnr, rel, voogd || chance(s, 97) ? "Ja" : "Nee",
                            std::string(1, first[0]) + ".", fs.prefix, fs.name, female ? "V" : "M",
                            same_address ? street : pickFrom(s, kStreets),
                            same_address ? nr : std::to_string(1 + pick(s, 180)),
                            same_address ? toev : "", gpc, gp.name,
                            chance(s, 50) ? std::string(gp.area) + "-" + digits(s, gp.area[2] ? 7 : 6) : "",
                            "06-" + digits(s, 8),
                            lowerAscii(first) + "." + lowerAscii(fs.name) + "@example.nl"});
                ++sum.guardians;
            }
            for (size_t g = 0; g < o.grades_per_pupil; ++g) {
                int periode = g < o.grades_per_pupil / 2 ? 1 : 2;
                int month = periode == 1 ? 10 + static_cast<int>(pick(s, 3)) : 1 + static_cast<int>(pick(s, 3));
                int y = periode == 1 ? year1 : year1 + 1;
                int whole = 4 + static_cast<int>(pick(s, 6));
                std::string cijfer = std::to_string(whole) + (chance(s, 50) ? ",5" : ",0");
                if (whole == 9 && chance(s, 30)) cijfer = "10,0";
                cijfers.row({stamnr, o.schooljaar, std::to_string(periode), pickFrom(s, kVakken),
                             std::string(pickFrom(s, kToetsen)) + " " + std::to_string(1 + g % 6), cijfer,
                             chance(s, 25) ? "2" : "1", date(y, month, 1 + static_cast<int>(pick(s, 28)))});
                ++sum.grades;
            }
            if (overstap) {
                // The definitive schooladvies (OSO code list 'advies VO'), given in March of
                // group 8; now and then a double advice with a second code.
                static const char* const kAdvies[] = {"10", "20", "21", "30", "31", "40", "41",
                                                      "50", "60", "61", "70", "70", "60", "40"};
                std::string advies = pickFrom(os, kAdvies);
                // Now and then a double advice, written as two codes (Advies + Advies 2) of
                // neighbouring levels: the mapping turns it into OSO's combined code.
                static const char* const kDouble[][2] = {
                    {"20", "30"}, {"30", "40"}, {"40", "50"}, {"50", "60"}, {"60", "70"}};
                std::string advies2;
                if (chance(os, 10)) {
                    const auto& d = kDouble[pick(os, 5)];
                    advies = d[0];
                    advies2 = d[1];
                }
                // Wishes as a school would type them (school types), translated by the mapping.
                static const char* const kWens[] = {"", "", "havo", "vwo", "havo/vwo", "vmbo-t",
                                                    "vmbo-gt", "vmbo-k"};
                std::string wens_ouders = pickFrom(os, kWens);
                std::string wens_leerling = chance(os, 30) ? pickFrom(os, kWens) : "";
                // OSO wants to know whether the receiving school should get in touch (a warm
                // handover): here for praktijkonderwijs and vmbo-b advices, with the intern
                // begeleider at the school's number. Decided without a draw, so the other
                // columns stay what they were for a seed.
                bool contact = advies == "10" || advies == "20" || advies == "21";
                const Place& sp = kPlaces[o.seed % (sizeof kPlaces / sizeof kPlaces[0])];
                overstap->row({stamnr, advies, advies2,
                               date(year1 + 1, 3, 1 + static_cast<int>(pick(os, 20))), "Nee",
                               wens_ouders, wens_leerling, contact ? "Ja" : "Nee",
                               contact ? "Intern begeleider" : "",
                               contact ? std::string(sp.area) + "-1234567" : ""});
                ++sum.adviezen;
            }
            if (loopbaan) {
                // Group 7 last school year and group 8 now, both at this school.
                std::string vorig = std::to_string(year1 - 1) + "-" + std::to_string(year1);
                std::string groep7 = std::string("7") + klas.substr(1);
                loopbaan->row({stamnr, vorig, o.brin, o.vestiging, groep7, "Groep 7", "7",
                               date(year1 - 1, 8, 26), date(year1, 7, 11), "BAO"});
                loopbaan->row({stamnr, o.schooljaar, o.brin, o.vestiging, klas, "Groep 8", "8",
                               date(year1, 8, 25), "", "BAO"});
            }
            if (absenties) {
                size_t n = pick(s, 4);
                for (size_t a = 0; a < n; ++a) {
                    const Absence& ab = pickFrom(s, kAbsences);
                    int month = 1 + static_cast<int>(pick(s, 12));
                    int y = month >= 8 ? year1 : year1 + 1;
                    absenties->row({stamnr, date(y, month, 1 + static_cast<int>(pick(s, 28))),
                                    std::to_string(1 + pick(s, 6)), ab.code, ab.allowed ? "Ja" : "Nee",
                                    ab.allowed ? "" : "Ouders gebeld"});
                    ++sum.absences;
                }
            }
            if (plannen && chance(s, 10)) {
                std::string begin = date(year1, 10, 1 + static_cast<int>(pick(s, 28)));
                std::string end = date(year1 + 1, 2, 1 + static_cast<int>(pick(s, 28)));
                std::string titel = chance(s, 50) ? "Rekenen: breuken" : "Begrijpend lezen";
                std::string situatie = "Blijft achter op " + titel + "; werkt snel afgeleid.\nExtra instructie in kleine groep.";
                plannen->row({stamnr, titel, begin, end, situatie, "Beheerst de basisvaardigheid",
                              "80% goed op de methodetoets", end, "Lopend", ""});
                plannen->row({stamnr, titel, begin, end, situatie, "Werkt 15 minuten zelfstandig",
                              "Observatie door de leerkracht", end, chance(s, 50) ? "Behaald" : "Gepland", ""});
                sum.plan_goals += 2;
            }
        }
        leerlingen.flush();
        ouders.flush();
        cijfers.flush();
        if (overstap) overstap->flush();
        if (loopbaan) loopbaan->flush();
        if (absenties) absenties->flush();
        if (plannen) plannen->flush();
    }
    for (const auto& n : names) sum.files.push_back(dir / n);
    {
        // The school's own data (canonical `school`), for `sluis mapping import --school-json`
        // and the magister-csv decoder option `school`: an OSO dossier needs its address and
        // communicatie.
        const Place& sp = kPlaces[o.seed % (sizeof kPlaces / sizeof kPlaces[0])];
        nlohmann::json school = {
            {"naam", "Basisschool De Regenboog"},
            {"brincode", o.brin},
            {"vestigingscode", o.vestiging},
            {"aanleverpunt", o.brin + o.vestiging},
            {"adressen", nlohmann::json::array({{{"soortadres", "bezoek"},
                                                 {"straat", "Schoolstraat"},
                                                 {"nummer", "1"},
                                                 {"postcode", std::to_string(sp.pc) + "00 AA"},
                                                 {"plaats", sp.name}}})},
            {"communicatie",
             nlohmann::json::array({{{"soort", "telefoon"},
                                     {"aanduiding", "werk"},
                                     {"nummer", std::string(sp.area) + "-1234567"}},
                                    {{"soort", "e-mail"},
                                     {"aanduiding", "werk"},
                                     {"nummer", "info@regenboog.example.nl"}}})}};
        std::ofstream out(dir / "school.json", std::ios::binary);
        out << school.dump(2) << "\n";
        if (!out) return Status{ErrorCode::kIo, dir.string() + "/school.json: kan niet schrijven"};
        sum.files.push_back(dir / "school.json");
    }
    if (o.bundle) {
        std::vector<std::string> contents;
        for (const auto& n : names) {
            std::ifstream in(dir / n, std::ios::binary);
            std::ostringstream ss;
            ss << in.rdbuf();
            contents.push_back(ss.str());
        }
        std::vector<BundlePart> parts;
        for (size_t i = 0; i < names.size(); ++i)
            parts.push_back({names[i].substr(0, names[i].size() - 4), names[i], contents[i]});
        std::ofstream out(dir / "export.bundle", std::ios::binary);
        out << writeBundle(parts);
        if (!out) return Status{ErrorCode::kIo, dir.string() + "/export.bundle: kan niet schrijven"};
        sum.files.push_back(dir / "export.bundle");
    }
    return {};
}

}  // namespace sluis::mapping
