"""The vendor-memory resource: the learned vendor profiles that extraction reads.

``llm_fields`` reads the profiles through this resource, not as an asset input:
the ``vendor_profiles`` asset is materialised from confirmed records, which the
extraction of later documents depends on, so an asset edge would make a cycle.
The profiles are loaded once per step from the results database; when it
cannot be read the step goes on with the general extractor's values and an
info issue. VENDOR_MEMORY=false turns the memory off.
"""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from invoice_pipeline.processing.extract.base import Extractor
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.vendors.apply import VendorMemoryExtractor
from invoice_pipeline.processing.vendors.profile import VendorProfile
from invoice_pipeline.processing.vendors.store import VendorStore


class VendorMemoryResource(dg.ConfigurableResource):
    """Vendor profiles from the results database (VENDOR_MEMORY, on by default)."""

    url: str
    enabled: bool = True
    learn_auto_approved: bool = False
    """Also learn from approvals nobody reviewed (VENDOR_LEARN_AUTO_APPROVED, off)."""
    _profiles: list[VendorProfile] | None = PrivateAttr(default=None)

    def store(self) -> VendorStore:
        results = ResultsStore(self.url)
        results.migrate()
        return VendorStore(results)

    def profiles(self) -> list[VendorProfile]:
        """The active profiles, read once per step."""
        if self._profiles is None:
            store = self.store()
            try:
                self._profiles = store.profiles()
            finally:
                store.results.close()
        return self._profiles

    def wrap(self, extractor: Extractor) -> Extractor:
        """``extractor``, reading known vendors with their profiles when the memory is on."""
        if not self.enabled:
            return extractor
        return VendorMemoryExtractor(extractor, self.profiles)
