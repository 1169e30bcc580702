"""State changes of the catalogue: campaigns, vouchers, codes, promotion tiers, customers, segments,
validation rules, and the background generation of vouchers. One module per topic; import the function
from its module (``from campaigns.services.vouchers import create_voucher``).

Every public function is one transaction: it locks what it changes, refuses a bad request with a
:class:`voucherhub.errors.DomainError` before writing anything, and writes its audit events in the same
transaction.
"""
