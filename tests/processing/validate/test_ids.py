"""VAT ids and IBANs: compacted and checked."""

from __future__ import annotations

import pytest

from invoice_pipeline.processing.validate.ids import normalise_iban, normalise_vat_id, vat_country


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DE 136 695 976", ("DE136695976", True)),
        ("USt-IdNr.: DE136695976", ("DE136695976", True)),
        ("DE136695970", ("DE136695970", False)),
        ("ATU13585627", ("ATU13585627", True)),
        ("FR 40 303 265 045", ("FR40303265045", True)),
        ("EL094259216", ("EL094259216", True)),
        ("VAT: SE556188840401", ("SE556188840401", True)),
        ("GB 980 7806 84", ("GB980780684", True)),
        ("GB980780685", ("GB980780685", False)),
        ("CHE-116.281.710 MWST", ("CHE116281710", True)),
        ("CHE-116.281.711", ("CHE116281711", False)),
        ("NO 995 525 828 MVA", ("NO995525828MVA", True)),
        ("136695976", ("136695976", False)),  # no country prefix: cannot be checked
        ("", (None, False)),
        (None, (None, False)),
    ],
)
def test_normalise_vat_id(text: str | None, expected: tuple[str | None, bool]) -> None:
    assert normalise_vat_id(text) == expected


def test_vat_country() -> None:
    assert vat_country("EL094259216") == "GR"
    assert vat_country("CHE-116.281.710 MWST") == "CH"
    assert vat_country("USt-IdNr.: DE136695976") == "DE"
    assert vat_country("136695976") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DE89 3704 0044 0532 0130 00", ("DE89370400440532013000", True)),
        ("de89370400440532013000", ("DE89370400440532013000", True)),
        ("IBAN: GB29 NWBK 6016 1331 9268 19 BIC NWBKGB2L", ("GB29NWBK60161331926819", True)),
        ("CH93 0076 2011 6238 5295 7", ("CH9300762011623852957", True)),
        ("DE89 3704 0044 0532 0130 01", ("DE89370400440532013001", False)),  # checksum
        ("DE89 3704 0044 0532 0130", ("DE893704004405320130", False)),  # length
        ("", (None, False)),
    ],
)
def test_normalise_iban(text: str, expected: tuple[str | None, bool]) -> None:
    assert normalise_iban(text) == expected
