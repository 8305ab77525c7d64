// Runs the real `sluis` binary: exit codes and output of `sluis oso validate|read|write`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/oso/oso_test_util.h"
#include "tests/support/test_util.h"

namespace sluis::oso {
namespace {

struct CliRun {
    int rc = -1;
    std::string out;
};

CliRun run(const std::string& args, bool with_stderr = false) {
    std::string cmd =
        sluis::test::sluisExe() + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
    CliRun r;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int status = pclose(p);
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

/// A dossier Sluis wrote from a synthetic record (cases/golden/).
std::string ex(const std::string& name) { return (test::casesDir() / "golden" / name).string(); }

TEST(oso_cli, ValidateExitCodes) {
    CliRun ok = run("oso validate " + ex("povo_full.xml") + " " +
                    ex("vovo_opt_out.xml"));
    EXPECT_EQ(ok.rc, 0) << ok.out;
    EXPECT_NE(ok.out.find("geldig"), std::string::npos);

    sluis::test::TempDir dir;
    std::string broken = test::applyEdits(
        sluis::test::readFile(ex("povo_opt_out.xml")),
        nlohmann::json::parse(
            R"([{"set": "/dossier/huidigeschool/leerling/geslacht", "value": "5"}])"));
    sluis::test::writeFile(dir / "broken.xml", broken);
    CliRun bad = run("oso validate " + ex("povo_full.xml") + " " +
                     (dir / "broken.xml").string());
    EXPECT_EQ(bad.rc, 1);
    EXPECT_NE(bad.out.find("CL14, /dossier/huidigeschool/leerling/geslacht"), std::string::npos)
        << bad.out;

    CliRun meld = run("oso validate --format meldingen " + (dir / "broken.xml").string());
    EXPECT_EQ(meld.rc, 1);
    EXPECT_NE(meld.out.find(
                  "<meldingen "
                  "xmlns=\"http://www.edustandaard.nl/oso_gegevensset/2019/schemas/Meldingen\">"),
              std::string::npos);
    EXPECT_NE(meld.out.find("<locatie>/dossier/huidigeschool/leerling/geslacht</locatie>"),
              std::string::npos);

    EXPECT_EQ(run("oso validate " + (dir / "missing.xml").string()).rc, 2);
    sluis::test::writeFile(
        dir / "dtd.xml", sluis::test::readFile(test::casesDir() / "raw/xml02_external_entity.xml"));
    EXPECT_EQ(run("oso validate " + (dir / "dtd.xml").string()).rc, 2);
    EXPECT_EQ(run("oso validate --format html " + ex("povo_full.xml")).rc, 2);
    EXPECT_EQ(run("oso validate --schema " + (dir / "nope").string() + " " +
                  ex("povo_full.xml"))
                  .rc,
              2);
}

TEST(oso_cli, ReadThenWriteRoundTrips) {
    sluis::test::TempDir dir;
    CliRun read = run("oso read " + ex("vovo_opt_out.xml"));
    ASSERT_EQ(read.rc, 0);
    auto j = nlohmann::json::parse(read.out);
    EXPECT_EQ(j["leerling"]["achternaam"], "Kampen");
    sluis::test::writeFile(dir / "rec.json", read.out);
    CliRun write =
        run("oso write --profile VOVO --opt-out "
            "onderwijsondersteuning,verzuim,eindtoetsbo,toetsresultaten,handelingsplannen,"
            "cijferlijsten,vombo,bijlagedocs " +
            (dir / "rec.json").string());
    ASSERT_EQ(write.rc, 0);
    EXPECT_EQ(write.out, sluis::test::readFile(ex("vovo_opt_out.xml")));
}

TEST(oso_cli, WriteRefusesAnInvalidDossier) {
    sluis::test::TempDir dir;
    auto rec = nlohmann::json::parse(
        sluis::test::readFile(test::casesDir() / "records" / "synthetic_povo.json"));
    rec["leerling"].erase("bsn");
    sluis::test::writeFile(dir / "rec.json", rec.dump());
    CliRun r = run("oso write --profile POVO " + (dir / "rec.json").string(), true);
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.out.find("OVa.LL12"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("<meldingen"), std::string::npos);
    CliRun ok = run("oso write --profile POSWV " + (dir / "rec.json").string());
    EXPECT_EQ(ok.rc, 0);
    EXPECT_EQ(run("oso write --profile XYZ " + (dir / "rec.json").string()).rc, 2);
    EXPECT_EQ(run("oso write --profile POVO --opt-out leerling " + (dir / "rec.json").string()).rc,
              2);
    EXPECT_EQ(run("oso frobnicate").rc, 2);
}

}  // namespace
}  // namespace sluis::oso
